package websocket

import (
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// connFD is the descriptor of a TCP connection, or -1 for connections that
// have none (or that are not plain sockets), which are then read by a
// blocking loop.
func connFD(c net.Conn) int {
	sc, ok := c.(*net.TCPConn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if raw.Control(func(f uintptr) { fd = int(f) }) != nil {
		return -1
	}
	return fd
}

// readFD reads without blocking: the descriptor is non-blocking (Go's net
// package made it so) and readiness comes from our poller, not Go's.
func readFD(fd int, p []byte) (int, error) {
	n, err := unix.Read(fd, p)
	if n < 0 {
		n = 0
	}
	return n, err
}

func wouldBlock(err error) bool {
	return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK)
}

func isInterrupted(err error) bool { return errors.Is(err, syscall.EINTR) }
