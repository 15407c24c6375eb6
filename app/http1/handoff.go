package http1

import (
	"errors"
	"net"
	"sync"
)

// HandoffListener is the listener net/http serves beside the fast path:
// the connections the fast path gives up (Config.Handoff pushes them).
// Closing it closes ln, the real listener, too.
type HandoffListener struct {
	ln   net.Listener
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

// NewHandoffListener makes the listener for net/http in front of ln.
func NewHandoffListener(ln net.Listener) *HandoffListener {
	return &HandoffListener{ln: ln, ch: make(chan net.Conn, 64), done: make(chan struct{})}
}

// Push gives c to net/http; after Close, c is closed instead.
func (l *HandoffListener) Push(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		c.Close()
	}
}

// Accept implements net.Listener.
func (l *HandoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener.
func (l *HandoffListener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		// The fast path may have closed the listener already (it
		// listens on a duplicate of it).
		if err = l.ln.Close(); errors.Is(err, net.ErrClosed) {
			err = nil
		}
		for {
			select {
			case c := <-l.ch:
				c.Close()
			default:
				return
			}
		}
	})
	return err
}

// Addr implements net.Listener.
func (l *HandoffListener) Addr() net.Addr { return l.ln.Addr() }

// WithBuffered is c with buffered, the bytes the fast path read from it
// already, to be read first.
func WithBuffered(c net.Conn, buffered []byte) net.Conn {
	if len(buffered) == 0 {
		return c
	}
	return &prefixConn{Conn: c, head: buffered}
}

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	head []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite lets net/http half-close as it does a TCP connection.
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
