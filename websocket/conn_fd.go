package websocket

import (
	"time"

	"golang.org/x/sys/unix"
)

// fdConn is a socket descriptor the session owns (adoptFD): read when the
// poller reports it readable, written by the hub's flushers without
// blocking. It lives inside the Session, so that it costs no allocation.
type fdConn struct{ fd int }

func (c *fdConn) polled() bool { return true }

// greet queues the 101, held for the open event: the dispatcher writes it
// with whatever the open handler sends, in one writev (Bun corks its
// upgrade the same way). It does not count against MaxBacklog.
func (c *fdConn) greet(s *Session, resp []byte) error {
	s.out.hold(resp)
	return nil
}

func (c *fdConn) discard(s *Session, frame []byte) {
	_, _ = writevFD(c.fd, append(s.out.pending, frame), 0)
	_ = unix.Close(c.fd)
}

// startReading hands the socket to the poller. A runner reads first only
// when bytes arrived behind the handshake: otherwise the registration
// itself reports what is already there (the poller's add raises an edge
// for a readable socket), and a first read would mostly find nothing.
func (c *fdConn) startReading(s *Session) {
	if err := s.register(); err != nil {
		go s.finish(err)
		return
	}
	if s.initial == nil && !s.letGo() {
		return
	}
	s.hub.runners.run(task{s, taskRead})
}

// abort finishes the connection here if no reader runs; otherwise the
// reader sees s.aborted.
func (c *fdConn) abort(s *Session) {
	if s.rstate.CompareAndSwap(readerIdle, readerBusy) {
		go s.finish(errAborted)
	}
}

func (c *fdConn) closeSent(s *Session, d time.Duration) {
	s.closeTimer.Store(time.AfterFunc(d, s.abort))
}

func (c *fdConn) startWriter(s *Session) { s.hub.flushers.schedule(s) }

// flushHeld writes inline, on the dispatcher's goroutine, and hands over
// to a writer goroutine only if the socket is full.
func (c *fdConn) flushHeld(s *Session) { s.writeRounds(true) }

// writeBatch waits for the poller's writable event when the send buffer is
// full, at most WriteTimeout per batch (HandshakeTimeout for the first).
func (c *fdConn) writeBatch(s *Session, inline bool) error {
	var deadline time.Time
	for {
		rest, off := s.out.rest()
		if len(rest) == 0 {
			return nil
		}
		if s.wkill.Load() {
			return errAborted
		}
		s.wsig.reset()
		n, err := writevFD(c.fd, rest, off)
		if err == nil {
			if n == 0 {
				// Only empty frames were left.
				s.out.skip()
				return nil
			}
			s.out.written(n)
			continue
		}
		if !wouldBlock(err) {
			return err
		}
		if inline {
			return errWouldBlock
		}
		if deadline.IsZero() {
			timeout := s.hub.opts.WriteTimeout
			if !s.greeted {
				timeout = s.hub.opts.HandshakeTimeout
			}
			deadline = time.Now().Add(timeout)
		}
		if !s.wsig.wait(time.Until(deadline)) {
			return errWriteTimeout
		}
	}
}

func (c *fdConn) close(s *Session, drain bool) {
	if drain {
		_ = unix.Shutdown(c.fd, unix.SHUT_WR)
		s.drainFD(s.hub.opts.CloseTimeout)
	}
	// A writer still waiting for room gives up; only then may the
	// descriptor be closed, or a write could hit a new connection that
	// reused its number.
	s.wkill.Store(true)
	s.wsig.fire()
	s.out.writers.Wait()
	if s.armed {
		s.poll.remove(s)
	}
	_ = unix.Close(c.fd)
}
