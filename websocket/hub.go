package websocket

import (
	"context"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/gobwas/ws"
	"github.com/rs/zerolog"

	"duplex/websocket/frame"
)

// Hub owns the sessions and groups of one application.
type Hub struct {
	opts    Options
	log     zerolog.Logger
	cluster Cluster // single on a node alone
	origins Origins
	ping    []byte    // shared encoded ping frame
	bufs    sync.Pool // *[]byte message buffers

	mu       sync.RWMutex
	sessions map[string]*Session
	shutting bool
	// sweepStop stops the keepalive sweeper (keepalive.go), which runs
	// while live > 0.
	sweepStop chan struct{}
	live      int           // accepted sessions not yet gone
	idle      chan struct{} // closed when live drops to 0

	gmu    sync.RWMutex
	groups map[string]*group

	pmu      sync.Mutex
	poll     *poller
	readBufs sync.Pool // *[]byte of readBufSize
	parsers  sync.Pool // *frame.Parser, held by a session only between the pieces of a frame
	events   sync.Pool // *Event, held only while a handler runs
	runners  *runners
	flushers *flushers

	stats stats

	// onEvent receives the application events other nodes publish.
	onEvent atomic.Pointer[func([]byte)]

	// onRemove, when set (tests), is called after a session left the
	// registry and its groups.
	onRemove func(*Session)
}

// NewHub creates the hub of one application: ids and groups are per hub.
func NewHub(opts Options, log zerolog.Logger) *Hub {
	h := &Hub{
		opts:     opts.withDefaults(),
		log:      log,
		sessions: make(map[string]*Session),
		groups:   make(map[string]*group),
		ping:     frame.New(ws.OpPing, nil),
		runners:  newRunners(),
		flushers: newFlushers(),
	}
	h.origins = NewOrigins(h.opts.AllowedOrigins)
	h.cluster = h.opts.Cluster
	if h.cluster == nil {
		h.cluster = single{}
	}
	h.cluster.Start(local{h})
	return h
}

func (h *Hub) getBuf() *[]byte {
	if bp, ok := h.bufs.Get().(*[]byte); ok {
		return bp
	}
	return new([]byte)
}

func (h *Hub) getReadBuf() *[]byte {
	if bp, ok := h.readBufs.Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, readBufSize)
	return &b
}

func (h *Hub) putReadBuf(bp *[]byte) { h.readBufs.Put(bp) }

func (h *Hub) getEvent() *Event {
	if e, ok := h.events.Get().(*Event); ok {
		return e
	}
	return new(Event)
}

func (h *Hub) getParser() *frame.Parser {
	ps, _ := h.parsers.Get().(*frame.Parser)
	if ps == nil {
		ps = new(frame.Parser)
	}
	ps.Reset(h.opts.MaxMessage)
	return ps
}

func (h *Hub) putParser(ps *frame.Parser) { h.parsers.Put(ps) }

// poller returns the hub's poller, making one if the hub has none running
// (it stops when its last session goes).
func (h *Hub) poller() (*poller, error) {
	h.pmu.Lock()
	defer h.pmu.Unlock()
	if h.poll == nil || h.poll.isClosed() {
		p, err := newPoller()
		if err != nil {
			return nil, err
		}
		h.poll = p
	}
	return h.poll, nil
}

func (h *Hub) putBuf(bp *[]byte) {
	if bp == nil {
		return
	}
	*bp = (*bp)[:0]
	h.bufs.Put(bp)
}

// register adds s unless the hub is shutting down; from here on it counts
// for Shutdown until both its reader and its close event are done.
func (h *Hub) register(s *Session) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.shutting {
		return false
	}
	h.sessions[s.id] = s
	h.stats.opened.Add(1)
	if h.live == 0 {
		h.idle = make(chan struct{})
		h.startSweeperLocked()
	}
	h.live++
	return true
}

func (h *Hub) liveDone(s *Session) {
	h.opts.Limit.Release(s.remote)
	h.mu.Lock()
	h.live--
	if h.live == 0 {
		close(h.idle)
		h.runners.stop()
		h.flushers.stop()
		h.stopSweeperLocked()
	}
	h.mu.Unlock()
}

// remove runs after the close event: from now on the id is unknown and the
// session is in no group.
func (h *Hub) remove(s *Session) {
	h.mu.Lock()
	delete(h.sessions, s.id)
	h.mu.Unlock()
	h.gmu.Lock()
	for _, m := range s.groups {
		if h.groups[m.name].remove(m.name, m.pos) {
			delete(h.groups, m.name)
		}
		h.cluster.Changed(false, m.name, s.id)
	}
	s.groups = nil
	s.removed = true
	h.gmu.Unlock()
	if h.onRemove != nil {
		h.onRemove(s)
	}
}

func (h *Hub) session(id string) *Session {
	h.mu.RLock()
	s := h.sessions[id]
	h.mu.RUnlock()
	return s
}

// encode builds the frame for a message once. Text must be UTF-8 (§5.6): a
// peer would fail the connection on anything else. The frame is a copy:
// no Send function keeps or changes the caller's data, which may be a
// script's ArrayBuffer or a string's bytes.
func encode(data []byte, binary bool) []byte {
	if binary {
		return frame.New(ws.OpBinary, data)
	}
	if !utf8.Valid(data) {
		return nil
	}
	return frame.New(ws.OpText, data)
}

// Send queues a message to one session. It reports false for an unknown or
// closing id, for invalid UTF-8 text, and when the message overflows the
// session's backlog (which closes it with 1008). In a cluster, an id of
// another node is sent there, and true means only that it was published.
// data is only read, and copied into the frame before Send returns:
// callers may pass bytes they do not own (lib/websocket passes a
// string's), and so must every change to this path keep it.
func (h *Hub) Send(id string, data []byte, binary bool) bool {
	s := h.session(id)
	if s == nil && !h.cluster.Remote(id) {
		return false
	}
	f := encode(data, binary)
	if f == nil {
		h.stats.drop(DropInvalidUTF8, 1)
		return false
	}
	if s == nil {
		return h.cluster.Send(id, f)
	}
	return h.enqueue(s, f)
}

// SendFrom is Send made from inside current's event handler (current may
// be nil). A message to current itself is held until the handler returns,
// then written with the handler's other replies by the goroutine that ran
// it: an echo costs no writer wake-up.
func (h *Hub) SendFrom(current *Session, id string, data []byte, binary bool) bool {
	if current == nil || current.hub != h || current.id != id {
		return h.Send(id, data, binary)
	}
	f := encode(data, binary)
	if f == nil {
		h.stats.drop(DropInvalidUTF8, 1)
		return false
	}
	if !current.enqueueHeld(f) {
		return false
	}
	h.stats.messagesOut.Add(1)
	return true
}

func (h *Hub) enqueue(s *Session, frame []byte) bool {
	if !s.enqueue(frame) {
		return false
	}
	h.stats.messagesOut.Add(1)
	return true
}

// SendToGroup encodes the message once, queues it to the local members
// and hands the same frame to the cluster for the other nodes; it returns
// the number of local sessions it was queued for. data is only read, as
// by Send.
func (h *Hub) SendToGroup(group string, data []byte, binary bool) int {
	f := encode(data, binary)
	if f == nil {
		h.stats.drop(DropInvalidUTF8, 1)
		return 0
	}
	n := h.fanout(group, f)
	h.cluster.Publish(group, f)
	return n
}

// Close starts the closing handshake with code and reason (truncated to 123
// bytes). It reports false for an unknown id, an already closing session,
// or a code that may not be sent (RFC 6455 §7.4).
func (h *Hub) Close(id string, code int, reason string) bool {
	if !frame.SendableCode(code) {
		return false
	}
	if s := h.session(id); s != nil {
		return s.closeNow(code, reason, nil, false)
	}
	return h.cluster.Close(id, code, reason)
}

// Sessions lists the sessions registered on this node, in no order.
func (h *Hub) Sessions() []*Session {
	h.mu.RLock()
	defer h.mu.RUnlock()
	all := make([]*Session, 0, len(h.sessions))
	for _, s := range h.sessions {
		all = append(all, s)
	}
	return all
}

// SessionCount is the number of registered sessions.
func (h *Hub) SessionCount() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.sessions)
}

// Shutdown refuses new sessions, closes every session with 1001 and returns
// once all close events ran and all connections are closed, or ctx ends.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.shutting = true
	all := make([]*Session, 0, len(h.sessions))
	for _, s := range h.sessions {
		all = append(all, s)
	}
	h.mu.Unlock()
	for _, s := range all {
		s.closeNow(StatusGoingAway, "server shutting down", nil, false)
	}
	// After the sessions' leave deltas, say bye.
	defer h.cluster.Stop()
	h.mu.RLock()
	live, idle := h.live, h.idle
	h.mu.RUnlock()
	if live == 0 {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
