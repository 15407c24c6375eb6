package websocket

import (
	"errors"
)

var (
	errWriteTimeout = errors.New("websocket: write timed out")
	// errWouldBlock ends an inline flush: the rest is a goroutine's job.
	errWouldBlock = errors.New("websocket: write would block")
)

// enqueue hands an encoded frame to the connection. It never blocks on the
// network: the frame joins the outbox, and the session joins the flushers'
// queue if no writer has it. frame must not change afterwards; the same
// bytes may sit in many sessions' queues.
func (s *Session) enqueue(frame []byte) bool { return s.push(frame, false) }

// enqueueHeld is enqueue for a frame that the session's own event handler
// sends to its session (a reply): it waits until the handler returns, and
// the dispatcher then writes it, with whatever else the handler queued, in
// one writev on its own goroutine instead of waking a writer for it.
func (s *Session) enqueueHeld(frame []byte) bool { return s.push(frame, true) }

func (s *Session) push(frame []byte, hold bool) bool {
	switch s.out.push(frame, s.hub.opts.MaxBacklog, hold) {
	case pushRefused:
		s.hub.stats.drop(DropClosing, 1)
		return false
	case pushOverflow:
		// The peer does not read fast enough. Closing it (rather than
		// dropping messages or blocking the sender) keeps every other
		// recipient of a fan-out unaffected and the peer's view
		// consistent.
		s.hub.stats.drop(DropBacklog, 1)
		s.closeNow(StatusPolicyViolation, "backlog exceeded", ErrBacklogExceeded, true)
		return false
	case pushStart:
		s.conn.startWriter(s)
	}
	return true
}

// flushHeld writes what the handler that just returned held back.
func (s *Session) flushHeld() {
	if s.out.release() {
		s.conn.flushHeld(s)
	}
}

// queueClose queues our close frame as the last frame of the connection;
// nil marks the stream as finished without one (the peer is gone).
// dropPending discards data not yet handed to the kernel: used when the peer
// is not reading anyway.
func (s *Session) queueClose(frame []byte, dropPending bool) {
	c := s.out.close(frame, dropPending)
	if !c.now {
		return
	}
	s.space.fire()
	if dropPending {
		s.hub.stats.drop(DropBacklog, c.dropped)
	}
	if c.flushed {
		s.fin.fire()
	}
	if c.start {
		s.conn.startWriter(s)
	}
}

// writeLoop is the writer goroutine. It exits as soon as nothing is
// pending, so idle sessions hold none.
func (s *Session) writeLoop() { s.writeRounds(false) }

// writeRounds writes everything pending in one writev per round. Only one
// writer runs per session (the outbox's right to write); an inline writer
// that would block passes its half-written batch on to a goroutine, which
// inherits its right.
func (s *Session) writeRounds(inline bool) {
	for {
		if rest, _ := s.out.rest(); len(rest) == 0 && !s.out.take() {
			return
		}
		err := s.conn.writeBatch(s, inline)
		if err == errWouldBlock {
			go s.writeLoop()
			return
		}
		if err == nil {
			s.greeted = true
		}
		flushed, closing, sent := s.out.batchDone(err)
		if closing {
			s.space.fire()
		}
		if flushed {
			s.fin.fire()
		}
		if err != nil {
			s.hub.log.Debug().Str("session", s.id).Str("remote", s.remote).Err(err).Msg("websocket write failed")
			s.abort()
			return
		}
		if sent {
			s.closeSent()
		}
	}
}
