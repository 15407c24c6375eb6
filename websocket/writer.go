package websocket

import "time"

// spareLimit bounds the batch slice a writer keeps for reuse, so one burst
// does not pin a large slice to an otherwise quiet session.
const spareLimit = 1024

// enqueue hands an encoded frame to the connection. It never blocks on the
// network: the frame joins the pending list and a writer goroutine is
// started if none runs. frame must not change afterwards; the same bytes
// may sit in many sessions' queues.
func (s *Session) enqueue(frame []byte) bool {
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
	start := s.startWriterLocked()
	s.wmu.Unlock()
	if start {
		go s.writeLoop()
	}
	return true
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
	close(s.stopRead)
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
		go s.writeLoop()
	}
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
		close(s.flushed)
	}
}

// writeLoop writes everything pending in one writev per round and exits as
// soon as nothing is pending, so idle sessions hold no writer goroutine.
func (s *Session) writeLoop() {
	defer s.writers.Done()
	o := &s.hub.opts
	for {
		s.wmu.Lock()
		if len(s.pending) == 0 || s.wdead {
			s.writing = false
			s.wmu.Unlock()
			return
		}
		batch := s.pending
		s.pending, s.spare = s.spare[:0], nil
		withClose := s.closeInPending
		s.closeInPending = false
		// The backlog counts what still waits, not the batch being
		// written: a reader that keeps up must not be closed because the
		// previous burst is still in our hands when the next one comes.
		// At most one batch is in flight, so memory stays below twice
		// MaxBacklog.
		s.queued = 0
		s.wmu.Unlock()

		s.conn.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
		s.wbufs = batch
		_, err := s.wbufs.WriteTo(s.conn)
		s.wbufs = nil
		clear(batch)

		s.wmu.Lock()
		if cap(batch) <= spareLimit {
			s.spare = batch[:0]
		}
		if err != nil {
			s.wdead = true
			for i, f := range s.pending {
				s.queued -= len(f)
				s.pending[i] = nil
			}
			s.pending = s.pending[:0]
			if !s.closeQueued {
				s.closeQueued = true
				s.closing.Store(true)
				close(s.stopRead)
			}
			s.flushedLocked()
			s.writing = false
			s.wmu.Unlock()
			s.hub.log.Debug().Str("session", s.id).Str("remote", s.remote).Err(err).Msg("websocket write failed")
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
