package websocket

import (
	"errors"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"duplex/websocket/sockfd"
)

// adoptFD takes a TCP connection's socket away from Go's net package: it
// duplicates the descriptor and closes the original, which also takes the
// socket out of Go's netpoller. From then on only our poller watches it, so
// each arrival of bytes wakes one poller instead of two, writes need no
// deadline timer, and the session holds no netFD. It returns -1 (and leaves
// c alone) for connections that are not plain sockets, TLS ones among them
// (their bytes must pass through crypto/tls); those are read by a blocking
// loop instead.
func adoptFD(c net.Conn) int {
	// A server that reads its sockets itself hands the descriptor over
	// as it is: no duplicate, and it never was in Go's netpoller.
	if d, ok := c.(interface{ DetachFD() int }); ok {
		if fd := d.DetachFD(); fd >= 0 {
			c.Close()
			return fd
		}
	}
	inner := c
	// A server may wrap its connections (to count them); the socket is
	// the TCP connection inside, but closing goes through the wrapper.
	if w, ok := c.(interface{ NetConn() net.Conn }); ok {
		inner = w.NetConn()
	}
	sc, ok := inner.(*net.TCPConn)
	if !ok {
		return -1
	}
	fd, err := sockfd.Dup(sc)
	if err != nil {
		return -1
	}
	c.Close()
	return fd
}

// writevFD writes bufs (the first one from offset off) in one writev (one
// write, for a single buffer), without blocking, and reports how many bytes
// went out.
func writevFD(fd int, bufs [][]byte, off int) (int, error) {
	// On the stack: a batch longer than this is written in several calls.
	var iov [64]unix.Iovec
	k := 0
	for i, b := range bufs {
		if i == 0 {
			b = b[off:]
		}
		if len(b) == 0 {
			continue
		}
		iov[k].Base = &b[0]
		iov[k].SetLen(len(b))
		k++
		if k == len(iov) {
			break
		}
	}
	if k == 0 {
		return 0, nil
	}
	for {
		var n int
		var err error
		if k == 1 {
			// One buffer, as an echo's reply is, goes by write: writev's
			// copying and checking of the vector cost 170 ns a call more.
			n, err = sockfd.Write(fd, unsafe.Slice(iov[0].Base, iov[0].Len))
		} else {
			n, err = sockfd.Writev(fd, iov[:k])
		}
		if err == unix.EINTR {
			continue
		}
		return n, err
	}
}

func wouldBlock(err error) bool {
	return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK)
}

func isInterrupted(err error) bool { return errors.Is(err, syscall.EINTR) }
