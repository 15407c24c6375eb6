package http1

import (
	"net"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// hijackedConn is the socket an upgrade takes (http.Hijacker). A
// WebSocket hub takes its descriptor as it is (DetachFD), so that the
// socket never enters Go's netpoller; other users get it as a net.Conn
// on first use.
type hijackedConn struct {
	owner net.Conn

	mu       sync.Mutex
	fd       int
	detached bool
	gc       net.Conn
}

// DetachFD hands the socket's descriptor over; the caller closes it.
// It answers -1 once the socket went to Go's net package.
func (h *hijackedConn) DetachFD() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gc != nil || h.detached {
		return -1
	}
	h.detached = true
	return h.fd
}

func (h *hijackedConn) goConn() (net.Conn, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gc != nil {
		return h.gc, nil
	}
	if h.detached {
		return nil, net.ErrClosed
	}
	gc, err := netConn(h.fd)
	h.detached = true
	if err != nil {
		return nil, err
	}
	h.gc = gc
	return gc, nil
}

func (h *hijackedConn) Read(p []byte) (int, error) {
	gc, err := h.goConn()
	if err != nil {
		return 0, err
	}
	return gc.Read(p)
}

func (h *hijackedConn) Write(p []byte) (int, error) {
	gc, err := h.goConn()
	if err != nil {
		return 0, err
	}
	return gc.Write(p)
}

// Close closes the socket unless it was detached, and the owner, which
// gives back what the connection held.
func (h *hijackedConn) Close() error {
	h.mu.Lock()
	switch {
	case h.gc != nil:
		h.gc.Close()
	case !h.detached:
		unix.Close(h.fd)
		h.detached = true
	}
	h.mu.Unlock()
	return h.owner.Close()
}

func (h *hijackedConn) LocalAddr() net.Addr  { return h.owner.LocalAddr() }
func (h *hijackedConn) RemoteAddr() net.Addr { return h.owner.RemoteAddr() }

func (h *hijackedConn) SetDeadline(t time.Time) error { return h.deadline(t, net.Conn.SetDeadline) }
func (h *hijackedConn) SetReadDeadline(t time.Time) error {
	return h.deadline(t, net.Conn.SetReadDeadline)
}
func (h *hijackedConn) SetWriteDeadline(t time.Time) error {
	return h.deadline(t, net.Conn.SetWriteDeadline)
}

// deadline applies to the socket once in Go's net package; before that
// nothing waits on it.
func (h *hijackedConn) deadline(t time.Time, set func(net.Conn, time.Time) error) error {
	h.mu.Lock()
	gc := h.gc
	h.mu.Unlock()
	if gc == nil {
		return nil
	}
	return set(gc, t)
}
