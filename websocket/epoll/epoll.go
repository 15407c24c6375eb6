// Package epoll is an epoll set, with an eventfd in it to wake whoever
// waits, whose waits can also park in Go's netpoller. The WebSocket hub's
// poller and the HTTP fast path (app/http1) each keep one.
//
// A thread blocked in epoll_wait hands its P to another (Go's sysmon takes
// it) and must be woken, and get a P back, at every readiness. A wait that
// parks instead is a goroutine: the epoll set's own descriptor is readable
// when the set has events, so Go's netpoller wakes it on a thread that is
// already running. Park is that wait; Block is the thread's.
package epoll

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	// A build for another system than Linux stops here, with a message
	// that says why.
	_ "duplex/websocket/internal/linuxonly"
)

// Set is an epoll set and its wake-up eventfd.
type Set struct {
	FD   int // the epoll set
	Wake int // an eventfd in the set: readable after Signal

	file *os.File        // FD, in Go's netpoller
	raw  syscall.RawConn // for parking on it
}

// New makes a set with its eventfd registered; name names its descriptor
// (as os.File).
func New(name string) (*Set, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wake, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}
	// Non-blocking, so that Go's netpoller takes the set's descriptor.
	if err := errors.Join(unix.EpollCtl(fd, unix.EPOLL_CTL_ADD, wake, &ev), unix.SetNonblock(fd, true)); err != nil {
		unix.Close(fd)
		unix.Close(wake)
		return nil, err
	}
	file := os.NewFile(uintptr(fd), name)
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		unix.Close(wake)
		return nil, err
	}
	return &Set{FD: fd, Wake: wake, file: file, raw: raw}, nil
}

// Look fills events with what is ready now, without waiting.
func (s *Set) Look(events []unix.EpollEvent) (int, error) {
	return unix.EpollWait(s.FD, events, 0)
}

// Block waits for readiness in epoll_wait, on the calling thread.
func (s *Set) Block(events []unix.EpollEvent) (int, error) {
	return unix.EpollWait(s.FD, events, -1)
}

// Park waits for readiness in Go's netpoller. Goroutines that park on the
// same set take turns (the descriptor's read lock).
func (s *Set) Park(events []unix.EpollEvent) (int, error) {
	var n int
	var werr error
	err := s.raw.Read(func(fd uintptr) bool {
		n, werr = unix.EpollWait(int(fd), events, 0)
		return n > 0 || (werr != nil && !errors.Is(werr, unix.EINTR))
	})
	if err != nil {
		return 0, err
	}
	return n, werr
}

// Signal makes Wake readable, which wakes a waiter.
func (s *Set) Signal() {
	one := [8]byte{1}
	_, _ = unix.Write(s.Wake, one[:])
}

// Drain reads Wake, so that it is readable again only after the next
// Signal.
func (s *Set) Drain() {
	var b [8]byte
	_, _ = unix.Read(s.Wake, b[:])
}

// Close releases the set and its eventfd. Nobody may wait on it then.
func (s *Set) Close() {
	_ = s.file.Close()
	_ = unix.Close(s.Wake)
}
