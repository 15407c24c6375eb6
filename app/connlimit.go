package app

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"duplex/websocket"
)

// limitListener puts every connection the server accepts under one budget
// with its WebSocket sessions (websocket.Limit, --max-connections), and
// caps the connections of one client address (--max-connections-per-ip).
// A connection past either is answered 503 and closed at once, before
// net/http gives it a goroutine. When the budget is full and HTTP
// connections sit idle between keep-alive requests, those are closed first
// to make room. Running out of file descriptors at accept is a warning and
// a metric, never silent. With tls set, it also puts TLS on each connection
// it admits (beneath the limitConn, which thus sees the plain text).
type limitListener struct {
	net.Listener
	limit     *websocket.Limit
	closeIdle func() // closes idle keep-alive connections (net/http)
	opened    func() // told of every admitted connection (heapFloor)
	log       zerolog.Logger
	tls       *tls.Config // nil: plain HTTP

	idle                   atomic.Int64
	refusedFull, refusedIP atomic.Int64
	acceptErrors           atomic.Int64
	// Each kind of refusal is logged at most once a second.
	loggedFull, loggedIP, loggedEMFILE atomic.Int64
}

func newLimitListener(ln net.Listener, limit *websocket.Limit, log zerolog.Logger) *limitListener {
	return &limitListener{Listener: ln, limit: limit, log: log}
}

// Accept implements net.Listener.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				l.acceptFailed(err)
			}
			return nil, err
		}
		remote := c.RemoteAddr().String()
		if setting := l.admit(remote); setting != "" {
			l.refuse(c, remote, setting)
			continue
		}
		lc := l.admitted(c, remote)
		if l.tls != nil {
			// The handshake happens on the connection's first read, in
			// its own goroutine under --read-header-timeout, never here.
			lc.tls = tls.Server(c, l.tls)
			lc.Conn = lc.tls
		}
		return lc, nil
	}
}

// acceptFD admits a socket the fast path accepted (http1.AcceptFunc): the
// same budget, refusal and hook as Accept, for a connection that never
// was a net.Conn.
func (l *limitListener) acceptFD(fd int, remote net.Addr) (net.Conn, bool) {
	addr := remote.String()
	if setting := l.admit(addr); setting != "" {
		_, _ = unix.Write(fd, []byte(refuseAnswer)) // a fresh socket has room
		_ = unix.Close(fd)
		l.refused(addr, setting)
		return nil, false
	}
	return l.admitted(socketAddrs{local: l.Addr(), remote: remote}, addr), true
}

// admitted is the connection c from remote, which holds a slot now.
func (l *limitListener) admitted(c net.Conn, remote string) *limitConn {
	if l.opened != nil {
		l.opened()
	}
	return &limitConn{Conn: c, l: l, remote: remote}
}

// acceptFailed is told of an accept the fast path could not make.
func (l *limitListener) acceptFailed(err error) {
	l.acceptErrors.Add(1)
	l.warn(&l.loggedEMFILE, func(ev *zerolog.Event) {
		ev.Err(err).Msg("accept failed: out of file descriptors; raise the open-file limit (ulimit -n) or lower --max-connections")
	})
}

// admit takes a slot for a connection from remote; it answers the setting
// that refused it, if one did.
func (l *limitListener) admit(remote string) string {
	err := l.limit.Acquire(remote)
	if errors.Is(err, websocket.ErrTooManyConnections) && l.idle.Load() > 0 && l.closeIdle != nil {
		// Idle keep-alive connections give way to a new client: closing
		// one costs its client a reconnect, refusing this one costs a
		// failed request.
		l.closeIdle()
		err = l.limit.Acquire(remote)
	}
	switch {
	case err == nil:
		return ""
	case errors.Is(err, websocket.ErrTooManyFromAddress):
		l.refusedIP.Add(1)
		return "--max-connections-per-ip"
	}
	l.refusedFull.Add(1)
	return "--max-connections"
}

// refuseAnswer is all a refused connection gets.
const refuseAnswer = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\nContent-Length: 21\r\nConnection: close\r\n\r\ntoo many connections\n"

func (l *limitListener) refuse(c net.Conn, remote, setting string) {
	// Over TLS the connection is only closed: plain text would be
	// garbage to the client, and a handshake here would let a slow one
	// hold up accept.
	if l.tls == nil {
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.Write([]byte(refuseAnswer))
	}
	_ = c.Close()
	l.refused(remote, setting)
}

// refused logs a refusal (at most once a second per setting).
func (l *limitListener) refused(remote, setting string) {
	last := &l.loggedFull
	if setting == "--max-connections-per-ip" {
		last = &l.loggedIP
	}
	l.warn(last, func(ev *zerolog.Event) {
		ev.Str("remote", remote).Int("open", l.limit.Open()).Msg("connection refused: too many connections; raise " + setting)
	})
}

// warn logs at most once a second per kind (last is when that kind was
// logged): a flood must not flood the log too; the metrics count them all.
func (l *limitListener) warn(last *atomic.Int64, write func(*zerolog.Event)) {
	now := time.Now().UnixNano()
	if prev := last.Load(); now-prev > int64(time.Second) && last.CompareAndSwap(prev, now) {
		write(l.log.Warn())
	}
}

// connState is http.Server.ConnState: it counts the idle keep-alive
// connections that may be closed to make room.
func (l *limitListener) connState(c net.Conn, state http.ConnState) {
	lc, ok := c.(*limitConn)
	if !ok {
		return
	}
	idle := state == http.StateIdle
	if lc.idle.Swap(idle) != idle {
		if idle {
			l.idle.Add(1)
		} else {
			l.idle.Add(-1)
		}
	}
}

// limitConn holds one slot of the budget until it is closed, or until an
// upgrade moves the slot to its WebSocket session (TransferSlot).
type limitConn struct {
	net.Conn
	l           *limitListener
	remote      string
	tls         *tls.Conn // Conn, when the listener serves TLS
	idle        atomic.Bool
	transferred atomic.Bool
	closed      sync.Once
	// lengths watches for a Content-Length header (lengthcheck.go); it is
	// used by the connection's goroutine only, read and handler alike,
	// except for net/http's background read, hence the lock.
	mu      sync.Mutex
	lengths lengthWatch
}

// Read implements net.Conn, watching for Content-Length until the
// connection is a WebSocket's.
func (c *limitConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.transferred.Load() {
		c.mu.Lock()
		c.lengths.scan(p[:n])
		c.mu.Unlock()
	}
	if err != nil && c.tls != nil {
		answerPlainHTTP(err)
	}
	return n, err
}

// headTooLarge is the whole answer net/http writes, by itself, to a request
// head over --max-header-bytes (http.Server.MaxHeaderBytes).
const headTooLarge = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large"

// Write implements net.Conn. net/http refuses a request head over
// --max-header-bytes without a handler or a log line; its answer is
// recognized here, so that the refusal is logged naming the setting.
func (c *limitConn) Write(p []byte) (int, error) {
	if len(p) == len(headTooLarge) && string(p) == headTooLarge {
		c.l.log.Info().Str("remote", c.remote).Msg("request head larger than --max-header-bytes refused (431)")
	}
	return c.Conn.Write(p)
}

// takeSawLength reports whether a Content-Length header went by since the
// last call.
func (c *limitConn) takeSawLength() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	saw := c.lengths.saw
	c.lengths.saw = false
	return saw
}

// TransferSlot implements websocket.SlotHolder.
func (c *limitConn) TransferSlot() bool { return c.transferred.CompareAndSwap(false, true) }

// ReturnSlot implements websocket.SlotHolder.
func (c *limitConn) ReturnSlot() { c.transferred.Store(false) }

// NetConn returns the connection beneath, for the hub to adopt its socket.
// Over TLS it is the tls.Conn, which the hub does not adopt (only a
// *net.TCPConn's descriptor may be read raw): its sessions read and write
// through this limitConn as a stream.
func (c *limitConn) NetConn() net.Conn { return c.Conn }

// Close implements net.Conn.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.closed.Do(func() {
		if c.idle.Swap(false) {
			c.l.idle.Add(-1)
		}
		if !c.transferred.Load() {
			c.l.limit.Release(c.remote)
		}
	})
	return err
}
