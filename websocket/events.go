package websocket

import (
	"errors"
	"fmt"

	"github.com/gobwas/ws/wsutil"

	"duplex/websocket/frame"
)

// EventType tells which of the four XP events an Event is.
type EventType uint8

const (
	EventOpen EventType = iota + 1
	EventMessage
	EventClose
	EventError
)

func (t EventType) String() string {
	switch t {
	case EventOpen:
		return "open"
	case EventMessage:
		return "message"
	case EventClose:
		return "close"
	case EventError:
		return "error"
	}
	return fmt.Sprintf("EventType(%d)", uint8(t))
}

// Event is handed to Handler.HandleEvent. The Event and its Message are only
// valid during that call: both are reused afterwards.
type Event struct {
	Type      EventType
	Session   *Session
	Message   []byte // message events
	Binary    bool   // message was a binary frame
	CloseCode int    // close events
	Err       error  // error events
}

// Handler receives the events of every session accepted with it.
type Handler interface {
	// HandleEvent is called for each event of one session strictly in
	// order, never concurrently for the same session; different sessions
	// run in parallel. An error from open or message → an error event
	// (Err = that error) then close 1011; from error/close → logged only.
	HandleEvent(e *Event) error
}

type itemKind uint8

const (
	itemOpen itemKind = iota + 1
	itemMessage
	itemEnd
)

// item is a queued inbound event. itemEnd carries everything the final
// error/close pair needs.
type item struct {
	kind   itemKind
	buf    *[]byte // message payload, owned by the queue until delivered
	binary bool
	code   int
	err    error
	frame  []byte // close frame to queue before the events, if not sent yet
}

// ring is the per-session FIFO; it grows only past EventQueue+2, which
// happens when end items are pushed over a full queue.
type ring struct {
	buf  []item
	head int
	n    int
}

// ringShrink is the capacity above which an emptied ring lets its buffer
// go, so that a burst does not pin memory to an idle session.
const ringShrink = 8

func (r *ring) push(it item) {
	if r.n == len(r.buf) {
		// Starts at one slot: most sessions have one event at a time.
		nb := make([]item, max(2*len(r.buf), 1))
		for i := 0; i < r.n; i++ {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = it
	r.n++
}

func (r *ring) pop() (item, bool) {
	if r.n == 0 {
		return item{}, false
	}
	it := r.buf[r.head]
	r.buf[r.head] = item{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	if r.n == 0 && len(r.buf) > ringShrink {
		r.buf, r.head = nil, 0
	}
	return it, true
}

// pushLocked queues it and makes sure a dispatcher runs. The dispatcher is
// started on demand so that an idle session costs no goroutine for it.
func (s *Session) pushLocked(it item) {
	s.queue.push(it)
	if !s.dispatching {
		s.dispatching = true
		s.hub.runners.run(task{s, taskDispatch})
	}
}

// pushMessage queues a received message, waiting while the queue is full:
// that wait is the backpressure that stops reading from the socket. It
// reports false (and recycles buf) when the session no longer takes
// messages.
func (s *Session) pushMessage(buf *[]byte, binary bool) bool {
	limit := s.hub.opts.EventQueue
	s.mu.Lock()
	for {
		// Reset before the check: a close that comes after it fires.
		s.space.reset()
		if s.queue.n < limit || s.ended || s.out.closing.Load() {
			break
		}
		if s.readerRuns {
			// The reader cannot run the events it waits on.
			s.readerRuns = false
			s.hub.runners.run(task{s, taskDispatch})
		}
		s.readerWaiting = true
		s.paused.Store(true)
		s.mu.Unlock()
		s.hub.runners.blocking()
		s.space.block()
		s.hub.runners.unblocked()
		s.mu.Lock()
	}
	if s.paused.Load() {
		s.paused.Store(false)
		s.touch()
	}
	if s.ended || s.out.closing.Load() {
		s.mu.Unlock()
		s.hub.putBuf(buf)
		s.hub.stats.drop(DropInbound, 1)
		return false
	}
	s.hub.stats.messagesIn.Add(1)
	s.queue.push(item{kind: itemMessage, buf: buf, binary: binary})
	if !s.dispatching {
		s.dispatching = true
		if s.conn.polled() {
			// The epoll reader runs it once the socket is drained
			// (runQueued), before it could block anywhere.
			s.readerRuns = true
		} else {
			s.hub.runners.run(task{s, taskDispatch})
		}
	}
	s.mu.Unlock()
	return true
}

// runQueued delivers the events the reader queued, if the dispatch job is
// the reader's.
func (s *Session) runQueued() {
	s.mu.Lock()
	mine := s.readerRuns
	s.readerRuns = false
	s.mu.Unlock()
	if mine {
		s.dispatch()
	}
}

// end queues the final error/close events after everything already queued,
// unless the session already ends; dropQueued discards undelivered events
// (a handler that failed must not see more messages). It reports whether
// this call decided the close.
func (s *Session) end(code int, cause error, frame []byte, dropQueued bool) bool {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return false
	}
	s.ended = true
	if dropQueued {
		dropped := 0
		for {
			it, ok := s.queue.pop()
			if !ok {
				break
			}
			if it.kind == itemMessage {
				dropped++
			}
			s.hub.putBuf(it.buf)
		}
		s.hub.stats.drop(DropInbound, dropped)
	}
	s.pushLocked(item{kind: itemEnd, code: code, err: cause, frame: frame})
	if s.readerWaiting {
		s.readerWaiting = false
		s.space.fire()
	}
	s.mu.Unlock()
	s.logEnd(code, cause)
	return true
}

func (s *Session) dispatch() {
	for {
		s.mu.Lock()
		it, ok := item{kind: itemOpen}, s.openPending
		if ok {
			// Not in queue: a session that is only ever opened holds no
			// queue buffer.
			s.openPending = false
		} else if it, ok = s.queue.pop(); !ok {
			s.dispatching = false
			s.mu.Unlock()
			return
		}
		if s.readerWaiting && s.queue.n < s.hub.opts.EventQueue {
			s.readerWaiting = false
			s.space.fire()
		}
		s.mu.Unlock()
		s.deliver(it)
		if s.out.held.Load() {
			s.flushHeld()
		}
	}
}

func (s *Session) deliver(it item) {
	switch it.kind {
	case itemOpen:
		if err := s.call(Event{Type: EventOpen, Session: s}); err != nil {
			s.handlerFailed(EventOpen, err)
		}
	case itemMessage:
		err := s.call(Event{Type: EventMessage, Session: s, Message: *it.buf, Binary: it.binary})
		s.hub.putBuf(it.buf)
		if err != nil {
			s.handlerFailed(EventMessage, err)
		}
	case itemEnd:
		if it.frame != nil {
			s.queueClose(it.frame, false)
		}
		if it.err != nil {
			if err := s.call(Event{Type: EventError, Session: s, Err: it.err}); err != nil {
				s.logHandler(EventError, err)
			}
		}
		s.hub.stats.close(it.code)
		if err := s.call(Event{Type: EventClose, Session: s, CloseCode: it.code}); err != nil {
			s.logHandler(EventClose, err)
		}
		s.hub.remove(s)
		s.partDone()
	}
}

// handlerFailed turns an open/message handler error into error event +
// close 1011; the end item is the only thing left in the queue, so this
// dispatcher delivers it next.
func (s *Session) handlerFailed(t EventType, err error) {
	if !s.end(StatusInternalError, err, frame.Close(StatusInternalError, ""), true) {
		s.logHandler(t, err)
	}
}

// call runs the handler with ev, in an Event from the hub's pool (a
// session does not keep one between events). A panic in the handler
// (JavaScript glue is complex) must not take the process down, so it
// becomes an ordinary handler error.
func (s *Session) call(ev Event) (err error) {
	e := s.hub.getEvent()
	*e = ev
	defer func() {
		*e = Event{}
		s.hub.events.Put(e)
		if p := recover(); p != nil {
			err = fmt.Errorf("websocket: handler panic: %v", p)
		}
	}()
	return s.handler.HandleEvent(e)
}

func (s *Session) logHandler(t EventType, err error) {
	s.hub.log.Warn().
		Str("session", s.id).
		Str("remote", s.remote).
		Str("event", t.String()).
		Err(err).
		Msg("websocket handler error")
}

// logEnd writes the one line per session end: a warning when the end has a
// cause (bad input, handler error, timeout, slow consumer), debug otherwise.
// Message contents are never logged.
func (s *Session) logEnd(code int, cause error) {
	ev := s.hub.log.Debug()
	msg := "websocket closed"
	if cause != nil {
		ev = s.hub.log.Warn()
		msg = "websocket closed for cause"
	}
	ev = ev.Str("session", s.id).Str("remote", s.remote).Int("code", code)
	if cause != nil {
		ev = ev.Str("reason", cause.Error())
	}
	if setting := closeSetting(cause); setting != "" {
		msg += "; " + setting + " changes it"
	}
	ev.Msg(msg)
}

// closeSetting names the setting behind a close the hub chose itself.
func closeSetting(cause error) string {
	switch {
	case errors.Is(cause, wsutil.ErrFrameTooLarge), errors.Is(cause, wsutil.ErrMessageTooLarge):
		return "--ws-max-message"
	case errors.Is(cause, ErrBacklogExceeded):
		return "--ws-max-backlog"
	case errors.Is(cause, ErrIdleTimeout):
		return "--ws-idle-timeout"
	}
	return ""
}
