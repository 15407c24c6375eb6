package app

import (
	"errors"
	"net"
	"sync"
)

// handoffListener is the listener net/http serves: the connections the
// fast path (app/http1) does not take, TLS ones among them, and those it
// gives up mid-way. Closing it closes the real listener too.
type handoffListener struct {
	ln   net.Listener
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newHandoffListener(ln net.Listener) *handoffListener {
	return &handoffListener{ln: ln, ch: make(chan net.Conn, 64), done: make(chan struct{})}
}

// push gives c to net/http; after Close, c is closed instead.
func (l *handoffListener) push(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		c.Close()
	}
}

// Accept implements net.Listener.
func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener.
func (l *handoffListener) Close() error {
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
func (l *handoffListener) Addr() net.Addr { return l.ln.Addr() }

// prefixConn is a connection whose first bytes were already read by the
// fast path: net/http reads those first.
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
