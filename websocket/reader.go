package websocket

import (
	"errors"
	"io"
	"time"

	"github.com/gobwas/ws"

	"duplex/websocket/frame"
	"duplex/websocket/sockfd"
)

// readBufSize is the buffer a reader borrows from the hub's pool while a
// socket has bytes to read; an idle connection holds none.
const readBufSize = 16 << 10

// errAborted ends reading from outside the reader: a failed write, or a
// peer that did not answer our close frame in time.
var errAborted = errors.New("websocket: connection aborted")

// Reader states: exactly one party may read or finish a connection, and it
// takes the right by moving the state away from readerIdle.
const (
	readerBusy int32 = iota // a goroutine is reading (or about to)
	readerIdle              // armed in the poller, no goroutine
	readerDone              // finish ran or runs
)

// startReading hands a new session's socket to whatever reads it
// (conn.go, conn_fd.go).
func (s *Session) startReading() { s.conn.startReading(s) }

// readable is the poller's event. The registration is edge-triggered, so
// an event that comes while a reader runs is not repeated: it is recorded
// in more, and the reader looks once more before it lets go.
func (s *Session) readable() {
	s.more.Store(true)
	if s.rstate.CompareAndSwap(readerIdle, readerBusy) {
		s.hub.runners.run(task{s, taskRead})
		return
	}
	s.fin.fire()
}

// readNow reads everything the socket has, feeding the parser, then runs
// the events it queued (unless a dispatcher goroutine already runs them),
// then gives the read right back. Running them here saves a goroutine
// hand-off per message, and the handler's replies are written from here
// too (flushHeld). It may block in pushMessage while the session's event
// queue is full: that is the backpressure that stops reading.
func (s *Session) readNow() {
	for {
		s.more.Store(false)
		err := s.drainSocket()
		s.runQueued()
		if err != nil {
			s.finish(err)
			return
		}
		if !s.letGo() {
			return
		}
		if s.aborted.Load() {
			s.finish(errAborted)
			return
		}
	}
}

// letGo gives the read right back. Bytes that arrived, or an abort that
// came, while it was held could not take it: then it is taken again, to
// look, unless the poller or the abort took it first. It reports whether
// the caller holds the right again.
func (s *Session) letGo() bool {
	s.rstate.Store(readerIdle)
	if !s.more.Load() && !s.aborted.Load() {
		return false
	}
	return s.rstate.CompareAndSwap(readerIdle, readerBusy)
}

// register adds the session to the hub's poller, once; a poller that
// stopped as its last session left is replaced.
func (s *Session) register() error {
	for {
		p, err := s.hub.poller()
		if err != nil {
			return err
		}
		err = p.add(s)
		if err == errPollerClosed {
			continue
		}
		if err != nil {
			return err
		}
		s.poll, s.armed = p, true
		return nil
	}
}

// drainSocket reads until the socket would block; nil means "nothing more
// for now", an error ends the connection.
func (s *Session) drainSocket() error {
	if s.ps == nil {
		s.ps = s.hub.getParser()
	}
	err := s.readSocket()
	if err == nil && s.ps.Idle() {
		s.hub.putParser(s.ps)
		s.ps = nil
	}
	return err
}

func (s *Session) readSocket() error {
	if s.initial != nil {
		in := *s.initial
		s.initial = nil
		if err := s.ps.Feed(in, (*sessionSink)(s)); err != nil {
			return err
		}
	}
	bp := s.hub.getReadBuf()
	defer s.hub.putReadBuf(bp)
	buf := *bp
	for {
		if s.aborted.Load() {
			return errAborted
		}
		n, err := sockfd.Read(s.fdc.fd, buf)
		if n > 0 {
			s.touch()
			if err := s.ps.Feed(buf[:n], (*sessionSink)(s)); err != nil {
				return err
			}
			if n == len(buf) {
				continue
			}
		}
		switch {
		case err == nil && n == 0:
			return io.EOF
		case err == nil:
			// A short read drained the socket; bytes that arrive later
			// raise a new edge.
			return nil
		case wouldBlock(err):
			return nil
		case isInterrupted(err):
			continue
		default:
			return err
		}
	}
}

// abort ends reading from outside the reader. If no reader runs, the
// connection is finished here; otherwise the reader sees the flag.
func (s *Session) abort() {
	s.aborted.Store(true)
	s.conn.abort(s)
}

// closeSent is called once our close frame is written: the peer has
// CloseTimeout to answer with its own before the connection is dropped.
func (s *Session) closeSent() { s.conn.closeSent(s, s.hub.opts.CloseTimeout) }

// sessionSink is the session as the parser's frame.Sink: the sink's
// methods are exported, and on Session itself anyone could call them.
type sessionSink Session

// Payload implements frame.Sink: the message grows as bytes arrive, never
// by what the peer declared.
func (ss *sessionSink) Payload(p []byte) {
	s := (*Session)(ss)
	if s.msg == nil {
		s.msg = s.hub.getBuf()
	}
	*s.msg = append(*s.msg, p...)
}

// MessageEnd implements frame.Sink.
func (ss *sessionSink) MessageEnd(binary bool) error {
	s := (*Session)(ss)
	bp := s.msg
	s.msg = nil
	if bp == nil {
		bp = s.hub.getBuf()
	}
	s.pushMessage(bp, binary)
	return nil
}

// Control implements frame.Sink.
func (ss *sessionSink) Control(op ws.OpCode, p []byte) error {
	switch op {
	case ws.OpPing:
		// After our close frame nothing else may be sent (§5.5.1);
		// enqueue refuses then.
		(*Session)(ss).enqueue(frame.New(ws.OpPong, p))
	case ws.OpClose:
		return frame.ParseClose(p)
	}
	// Unsolicited pongs are allowed and mean nothing (§5.5.3).
	return nil
}

// finish ends the connection after reading stopped. The TCP close follows
// RFC 6455 §7.1.1: the server closes first, after its close frame is
// written, and reads until the peer's FIN so that unread data does not turn
// the close into an RST that could eat the last frames.
func (s *Session) finish(readErr error) {
	s.rstate.Store(readerDone)
	defer func() {
		// A pending close deadline would keep the whole session reachable
		// for CloseTimeout after it is gone.
		if t := s.closeTimer.Load(); t != nil {
			t.Stop()
		}
	}()
	if s.msg != nil {
		s.hub.putBuf(s.msg)
		s.msg = nil
	}
	if s.ps != nil {
		s.hub.putParser(s.ps)
		s.ps = nil
	}
	o := &s.hub.opts
	e := classify(readErr)
	if s.end(e.code, e.cause, e.frame, false) {
		if e.frame == nil {
			s.queueClose(nil, false)
		} else if !s.waitFlushed(o.CloseTimeout) {
			// The close frame waits behind events of a slow handler;
			// the peer has waited long enough for our answer.
			s.queueClose(e.frame, false)
		}
	}
	s.waitFlushed(o.CloseTimeout + o.WriteTimeout)
	// Whatever happened, nothing may be queued from here on: the writers
	// wait below must not race with a writer being started.
	s.queueClose(nil, false)
	s.conn.close(s, s.out.usable() && e.drain)
	s.partDone()
}

// drainFD reads and discards until the peer's FIN, for at most d.
func (s *Session) drainFD(d time.Duration) {
	deadline := time.Now().Add(d)
	bp := s.hub.getReadBuf()
	defer s.hub.putReadBuf(bp)
	blocked := false
	for {
		s.fin.reset()
		n, err := sockfd.Read(s.fdc.fd, *bp)
		switch {
		case err == nil && n == 0:
			return
		case err == nil:
		case isInterrupted(err):
		case wouldBlock(err):
			if !s.armed {
				return
			}
			if !blocked {
				blocked = true
				s.hub.runners.blocking()
				defer s.hub.runners.unblocked()
			}
			if !s.fin.wait(time.Until(deadline)) {
				return
			}
		default:
			return
		}
	}
}

// waitFlushed waits up to d for our close frame to be written (or found
// unwritable).
func (s *Session) waitFlushed(d time.Duration) bool {
	deadline := time.Now().Add(d)
	blocked := false
	for {
		s.fin.reset()
		if s.out.isFlushed() {
			return true
		}
		if !blocked {
			// What is waited for may be a dispatcher's task, queued
			// behind this one.
			blocked = true
			s.hub.runners.blocking()
			defer s.hub.runners.unblocked()
		}
		if !s.fin.wait(time.Until(deadline)) {
			return s.out.isFlushed()
		}
	}
}
