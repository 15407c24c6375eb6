// Package sockfd is what the code that polls descriptors itself (the
// WebSocket hub, package websocket, and the HTTP fast path, app/http1)
// does with a socket's descriptor: take it out of Go's net package (Dup),
// and read and write it without blocking (Read, Write, Writev).
package sockfd

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Dup duplicates c's descriptor, close-on-exec. The duplicate shares the
// open file description: it is non-blocking like the original, and
// closing the original neither sends a FIN nor loses buffered bytes
// while the duplicate is open.
func Dup(c syscall.Conn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var derr error
	if err := raw.Control(func(f uintptr) { fd, derr = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return -1, err
	}
	return fd, derr
}

// Read, Write and Writev are for non-blocking sockets only. They enter the
// kernel without telling Go's scheduler (RawSyscall), which a call that
// cannot block may: a thread that the host deschedules in the middle of a
// write then keeps its P, where sysmon would have handed the P to another
// thread (a futex wake, two context switches, and the P taken back when
// the call returns). On this shared 2-core machine, where the host often
// deschedules a thread, sysmon woke every 20 µs under fan-out load (17 k
// nanosleeps in 3 s under strace, against 75 k writevs) to do that. With
// these calls, in six interleaved pairs each: fan-out +15% on average (−19
// to +36%), echo +11% (−6 to +23%), GET +5%, upgrades and POST within the
// noise.

// Read reads what the socket has, or fails with EAGAIN.
func Read(fd int, p []byte) (int, error) { return rw(unix.SYS_READ, fd, p) }

// Write writes what the socket's send buffer takes, or fails with EAGAIN.
func Write(fd int, p []byte) (int, error) { return rw(unix.SYS_WRITE, fd, p) }

func rw(trap uintptr, fd int, p []byte) (int, error) {
	var base unsafe.Pointer
	if len(p) > 0 {
		base = unsafe.Pointer(&p[0])
	}
	n, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(base), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// Writev is Write of several buffers in one call.
func Writev(fd int, iov []unix.Iovec) (int, error) {
	if len(iov) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
