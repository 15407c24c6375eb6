package http1

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"duplex/websocket/sockfd"
)

// A connection's state: who may touch it.
const (
	stIdle     int32 = iota // between requests: the next readiness serves it
	stBusy                  // a poller serves it
	stBusyMore              // readiness came while busy: read again before idling
	stGone                  // closed or given away; its events are stale
)

type conn struct {
	fd     int
	owner  net.Conn // closed when the connection ends
	remote string
	tmpl   *http.Request // carries the connection's context into each request
	state  atomic.Int32
	active atomic.Int64 // unix seconds of the last request, for IdleTimeout
	// hup: the client shut its side (EPOLLRDHUP). Its FIN may have come
	// with the last request, so a short read no longer means that the
	// socket is drained: it is read to the end and closed.
	hup atomic.Bool
	// released: the socket went to Go's net package (toGo), whose
	// connection (or whoever took it) closes it now; set and read by the
	// goroutine serving c.
	released bool
}

func (c *conn) touch() { c.active.Store(time.Now().Unix()) }

// ready claims c for a poller; a busy connection is told to read again.
func (c *conn) ready() bool {
	for {
		switch c.state.Load() {
		case stIdle:
			if c.state.CompareAndSwap(stIdle, stBusy) {
				return true
			}
		case stBusy:
			if c.state.CompareAndSwap(stBusy, stBusyMore) {
				return false
			}
		default:
			return false
		}
	}
}

// serve reads c until its socket is drained and serves every request it
// finds, then leaves it idle (or closed, or given away).
func (s *Server) serve(c *conn) {
	if s.cfg.ConnState != nil {
		s.cfg.ConnState(c.owner, http.StateActive)
	}
	for {
		if !s.drain(c) {
			return
		}
		c.touch()
		if s.cfg.ConnState != nil {
			s.cfg.ConnState(c.owner, http.StateIdle)
		}
		if c.state.CompareAndSwap(stBusy, stIdle) {
			if s.isClosing() && c.state.CompareAndSwap(stIdle, stGone) {
				s.closeConn(c)
			}
			return
		}
		// Readiness came meanwhile.
		c.state.Store(stBusy)
		if s.cfg.ConnState != nil {
			s.cfg.ConnState(c.owner, http.StateActive)
		}
	}
}

// drain reads until the socket has nothing more and serves the requests
// read. It reports whether the connection is still the fast path's.
func (s *Server) drain(c *conn) bool {
	bp := s.bufs.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() {
		// buf is nil once the connection is given away; a buffer that
		// grew for a large request is kept up to a bound.
		if cap(buf) > cap(*bp) && cap(buf) <= 64<<10 {
			*bp = buf[:0]
		}
		s.bufs.Put(bp)
	}()
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		space := cap(buf) - len(buf)
		n, err := sockfd.Read(c.fd, buf[len(buf):cap(buf)])
		switch {
		case n > 0:
			buf = buf[:len(buf)+n]
			var keep bool
			if buf, keep = s.serveBuffered(c, buf); !keep {
				return false
			}
			if n < space && !c.hup.Load() {
				// A short read drained the socket: bytes that arrive
				// later raise a new edge, so no read is spent to hear
				// EAGAIN (one system call in three per request).
				if len(buf) > 0 {
					s.handoff(c, buf)
					return false
				}
				return true
			}
		case err == unix.EAGAIN:
			if len(buf) > 0 {
				// A request arrives in parts: net/http waits for
				// the rest, under its timeouts.
				s.handoff(c, buf)
				return false
			}
			return true
		case err == unix.EINTR:
		default:
			// The client closed (or reset) the connection.
			s.closeConn(c)
			return false
		}
	}
}

// serveBuffered serves the complete requests at the start of buf and
// returns what remains of it (a request's beginning). keep is false when
// the connection is no longer the fast path's.
func (s *Server) serveBuffered(c *conn, buf []byte) (rest []byte, keep bool) {
	for len(buf) > 0 {
		h, ok := parseHead(buf, s.cfg.MaxHeaderBytes)
		if !ok {
			if bytes.Contains(buf, crlfcrlf) || len(buf) >= s.cfg.MaxHeaderBytes {
				s.handoff(c, buf)
				return nil, false
			}
			return buf, true // the head is still arriving
		}
		if h.length > maxBody {
			s.handoff(c, buf)
			return nil, false
		}
		total := h.size + int(h.length)
		if len(buf) < total {
			return buf, true
		}
		if !s.serveOne(c, &h, buf, total) {
			return nil, false
		}
		buf = buf[:copy(buf, buf[total:])]
	}
	return buf, true
}

// handoff gives c to net/http with the bytes read from it.
func (s *Server) handoff(c *conn, buffered []byte) {
	if gc, err := s.toGo(c); err == nil {
		s.giveAway(c, gc, buffered)
	}
}

// giveAway gives net/http c, whose socket is gc now, with buffered to be
// read first.
func (s *Server) giveAway(c *conn, gc net.Conn, buffered []byte) {
	s.Handoffs.Add(1)
	s.cfg.Handoff(c.owner, gc, bytes.Clone(buffered))
}

// netConn gives fd to Go's net package, which takes a duplicate of it
// into its netpoller; fd itself is closed.
func netConn(fd int) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), "")
	defer f.Close()
	return net.FileConn(f)
}

// toGo moves c's socket into Go's net package; the connection is the
// fast path's no more. Should that fail, the connection is closed.
func (s *Server) toGo(c *conn) (net.Conn, error) {
	c.state.Store(stGone)
	s.unregister(c)
	c.released = true
	gc, err := netConn(c.fd)
	if err != nil {
		s.cfg.Log.Warn().Err(err).Str("remote", c.remote).Msg("http1: connection could not be moved to net/http; closed")
		c.owner.Close()
	}
	return gc, err
}

// closeConn ends c, unless its socket went to Go's net package: its
// descriptor's number may belong to another file by then.
func (s *Server) closeConn(c *conn) {
	if c.released {
		return
	}
	c.state.Store(stGone)
	s.unregister(c)
	unix.Close(c.fd)
	c.owner.Close()
}

// closeAfter ends c after an answer that said Connection: close.
func (s *Server) closeAfter(c *conn) {
	if gc, err := s.toGo(c); err == nil {
		go linger(gc, c.owner)
	}
}

// linger closes the write side first and the rest after a while for the
// client to read the answer, dropping what it still sends meanwhile, so
// that those bytes do not reset the answer away (net/http does the same).
func linger(gc net.Conn, owner net.Conn) {
	if tc, ok := gc.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_ = gc.SetReadDeadline(time.Now().Add(lingerClose))
	var b [512]byte
	for {
		if _, err := gc.Read(b[:]); err != nil {
			break
		}
	}
	gc.Close()
	owner.Close()
}

// lingerClose is how long a closing connection is read (and its bytes
// dropped) before it is closed: net/http's rstAvoidanceDelay.
const lingerClose = 500 * time.Millisecond
