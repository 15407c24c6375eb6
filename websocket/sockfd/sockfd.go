// Package sockfd takes sockets out of Go's net package for the code that
// polls descriptors itself: the WebSocket hub (package websocket) and the
// HTTP fast path (app/http1).
package sockfd

import (
	"syscall"

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
