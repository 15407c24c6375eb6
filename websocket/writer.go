package websocket

import (
	"errors"
	"net"
	"time"
)

// spareLimit bounds the batch slice a writer keeps for reuse, so one burst
// does not pin a large slice to an otherwise quiet session.
const spareLimit = 1024

var (
	errWriteTimeout = errors.New("websocket: write timed out")
	// errWouldBlock ends an inline flush: the rest is a goroutine's job.
	errWouldBlock = errors.New("websocket: write would block")
)

// enqueue hands an encoded frame to the connection. It never blocks on the
// network: the frame joins the pending list, and the session joins the
// flushers' queue if no writer has it. frame must not change afterwards; the same bytes
// may sit in many sessions' queues.
func (s *Session) enqueue(frame []byte) bool { return s.push(frame, false) }

// enqueueHeld is enqueue for a frame that the session's own event handler
// sends to its session (a reply): it waits until the handler returns, and
// the dispatcher then writes it, with whatever else the handler queued, in
// one writev on its own goroutine instead of waking a writer for it.
func (s *Session) enqueueHeld(frame []byte) bool { return s.push(frame, true) }

func (s *Session) push(frame []byte, hold bool) bool {
	s.wmu.Lock()
	if s.closeQueued || s.overflowed {
		s.wmu.Unlock()
		s.hub.stats.drop(DropClosing, 1)
		return false
	}
	if s.queued > 0 && s.queued+len(frame) > s.hub.opts.MaxBacklog {
		// An empty queue takes any frame, so that a message larger than the
		// backlog (allowed by MaxMessage) can still be sent; past that,
		// the peer does not read fast enough. Closing it (rather than
		// dropping messages or blocking the sender) keeps every other
		// recipient of a fan-out unaffected and the peer's view consistent.
		s.overflowed = true
		s.wmu.Unlock()
		s.hub.stats.drop(DropBacklog, 1)
		s.closeNow(StatusPolicyViolation, "backlog exceeded", ErrBacklogExceeded, true)
		return false
	}
	s.pending = append(s.pending, frame)
	s.queued += len(frame)
	if hold {
		if !s.writing && !s.wdead {
			s.held.Store(true)
		}
		s.wmu.Unlock()
		return true
	}
	start := s.startWriterLocked()
	s.wmu.Unlock()
	if start {
		s.startWriter()
	}
	return true
}

// flushHeld writes what the handler that just returned held back. On a
// socket of our own it writes inline and hands over to a writer goroutine
// only if the socket is full; a blocking connection always gets the
// goroutine, since its write may wait for the peer.
func (s *Session) flushHeld() {
	s.wmu.Lock()
	s.held.Store(false)
	start := len(s.pending) > 0 && s.startWriterLocked()
	s.wmu.Unlock()
	if !start {
		return
	}
	if s.fd < 0 {
		go s.writeLoop()
		return
	}
	s.writeRounds(true)
}

// queueClose queues our close frame as the last frame of the connection;
// nil marks the stream as finished without one (the peer is gone).
// dropPending discards data not yet handed to the kernel: used when the peer
// is not reading anyway.
func (s *Session) queueClose(frame []byte, dropPending bool) {
	s.wmu.Lock()
	if s.closeQueued {
		s.wmu.Unlock()
		return
	}
	s.closeQueued = true
	s.closing.Store(true)
	s.space.fire()
	if dropPending {
		s.hub.stats.drop(DropBacklog, len(s.pending))
		for i, f := range s.pending {
			s.queued -= len(f)
			s.pending[i] = nil
		}
		s.pending = s.pending[:0]
	}
	if frame == nil || s.wdead {
		s.flushedLocked()
		s.wmu.Unlock()
		return
	}
	s.pending = append(s.pending, frame)
	s.queued += len(frame)
	s.closeInPending = true
	start := s.startWriterLocked()
	s.wmu.Unlock()
	if start {
		s.startWriter()
	}
}

// startWriter hands a session whose writer right was just taken to the
// hub's flushers; a connection without a descriptor of ours writes
// blocking, so it gets a goroutine of its own.
func (s *Session) startWriter() {
	if s.fd < 0 {
		go s.writeLoop()
		return
	}
	s.hub.flushers.schedule(s)
}

func (s *Session) startWriterLocked() bool {
	if s.writing || s.wdead {
		return false
	}
	s.writing = true
	s.writers.Add(1)
	return true
}

func (s *Session) flushedLocked() {
	if !s.flushedDone {
		s.flushedDone = true
		s.fin.fire()
	}
}

// writeLoop is the writer goroutine. It exits as soon as nothing is
// pending, so idle sessions hold none.
func (s *Session) writeLoop() { s.writeRounds(false) }

// writeRounds writes everything pending in one writev per round. Only one
// writer runs per session (the writing flag); an inline writer that would
// block passes its half-written batch on to a goroutine, which inherits its
// place in s.writers.
func (s *Session) writeRounds(inline bool) {
	for {
		if s.wi == len(s.wbatch) {
			s.wmu.Lock()
			if len(s.pending) == 0 || s.wdead {
				s.writing = false
				s.wmu.Unlock()
				s.writers.Done()
				return
			}
			s.wbatch, s.wi, s.woff = s.pending, 0, 0
			s.pending, s.spare = s.spare[:0], nil
			s.wclose = s.closeInPending
			s.closeInPending = false
			// The backlog counts what still waits, not the batch being
			// written: a reader that keeps up must not be closed because
			// the previous burst is still in our hands when the next one
			// comes. At most one batch is in flight, so memory stays
			// below twice MaxBacklog.
			s.queued = 0
			s.wmu.Unlock()
		}

		err := s.writeBatch(inline)
		if err == errWouldBlock {
			go s.writeLoop()
			return
		}
		batch, withClose := s.wbatch, s.wclose
		if err == nil {
			s.greeted = true
		}
		clear(batch)
		s.wbatch, s.wi, s.woff = nil, 0, 0

		s.wmu.Lock()
		if cap(batch) <= spareLimit {
			s.spare = batch[:0]
		}
		if err != nil {
			s.writeFailedLocked()
			s.wmu.Unlock()
			s.hub.log.Debug().Str("session", s.id).Str("remote", s.remote).Err(err).Msg("websocket write failed")
			s.writers.Done()
			s.abort()
			return
		}
		if withClose {
			s.flushedLocked()
		}
		s.wmu.Unlock()
		if withClose {
			s.closeSent()
		}
	}
}

// writeFailedLocked makes the stream unusable after a failed write: nothing
// more is queued or written, and the reader stops delivering data.
func (s *Session) writeFailedLocked() {
	s.wdead = true
	for i, f := range s.pending {
		s.queued -= len(f)
		s.pending[i] = nil
	}
	s.pending = s.pending[:0]
	if !s.closeQueued {
		s.closeQueued = true
		s.closing.Store(true)
		s.space.fire()
	}
	s.flushedLocked()
	s.writing = false
}

// writeBatch writes the rest of s.wbatch. On our own socket a full send
// buffer waits for the poller's writable event, at most WriteTimeout per
// batch; an inline writer returns errWouldBlock instead of waiting.
func (s *Session) writeBatch(inline bool) error {
	if s.fd < 0 {
		s.blk.conn.SetWriteDeadline(time.Now().Add(s.hub.opts.WriteTimeout))
		b := net.Buffers(s.wbatch)
		s.wi = len(s.wbatch)
		_, err := b.WriteTo(s.blk.conn)
		return err
	}
	var deadline time.Time
	for s.wi < len(s.wbatch) {
		if s.wkill.Load() {
			return errAborted
		}
		s.wsig.reset()
		n, err := writevFD(s.fd, s.wbatch[s.wi:], s.woff)
		if err == nil {
			if n == 0 {
				// Only empty frames were left.
				s.wi = len(s.wbatch)
				return nil
			}
			s.advance(n)
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
	return nil
}

// advance moves the batch position past n written bytes.
func (s *Session) advance(n int) {
	for n > 0 && s.wi < len(s.wbatch) {
		rest := len(s.wbatch[s.wi]) - s.woff
		if n < rest {
			s.woff += n
			return
		}
		n -= rest
		s.wi++
		s.woff = 0
	}
}
