package websocket

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"duplex/websocket/frame"
)

// Session is one accepted WebSocket connection. Its accessors are safe from
// any goroutine; everything else goes through the Hub by id, so that a
// handler never holds a session past its close.
type Session struct {
	hub      *Hub
	handler  Handler
	id       string
	path     string
	params   map[string][]string
	data     map[string]string
	user     any
	protocol string
	remote   string

	// conn reaches the peer (conn.go); fdc is its storage when the socket
	// is a descriptor of ours (adoptFD), so that it costs no allocation.
	conn conn
	fdc  fdConn

	// lastRead is when bytes last arrived (monoNow); paused tells the
	// idle timer that the reader is not reading on purpose (backpressure).
	lastRead atomic.Int64
	paused   atomic.Bool
	lastPing int64 // monoNow, 0 for never; the hub's sweeper's alone

	// Inbound side, guarded by mu.
	mu            sync.Mutex
	queue         ring
	dispatching   bool   // a dispatcher is draining queue, or readerRuns
	readerRuns    bool   // the epoll reader will drain queue itself (runQueued)
	openPending   bool   // the open event, which comes before anything in queue
	readerWaiting bool   // the reader waits for room in queue
	ended         bool   // the final close event is queued or delivered
	space         signal // wakes the reader when queue has room or the session closes

	// out is the write side, with its own lock (outbox.go).
	out outbox
	// greeted: the first batch, which carries the 101, is written; until
	// then a stalled write gives up after HandshakeTimeout. The writer's.
	greeted bool
	// wsig wakes a writer waiting for room in the socket; wkill tells it
	// to give up (the connection is being closed). fin wakes finish, which
	// waits for the outbox to be flushed and then for the closing socket to be
	// readable: one signal, since it waits for one thing at a time.
	wsig  signal
	wkill atomic.Bool
	fin   signal

	groups  []membership // guarded by hub.gmu; a slice, since a session is in few groups
	removed bool         // guarded by hub.gmu: no group may be joined any more

	// parts counts what must finish before the session is gone: the reader
	// (which closes the TCP connection) and the close event.
	parts atomic.Int32

	// Reader state: rstate says who may read (see readerBusy); the rest
	// belongs to whoever holds that right.
	rstate atomic.Int32
	more   atomic.Bool // a readiness event came while the right was held
	// closeTimer drops a peer that does not answer our close frame.
	closeTimer atomic.Pointer[time.Timer]
	aborted    atomic.Bool
	armed      bool          // registered with poll
	poll       *poller       // the hub's poller the session is registered with
	initial    *[]byte       // bytes that arrived behind the handshake
	ps         *frame.Parser // from the hub's pool while a frame is incomplete
	msg        *[]byte       // the data message being received
}

func newSession(h *Hub, conn net.Conn, br *bufio.Reader, r *http.Request, a Accept, protocol string) *Session {
	s := &Session{
		hub:      h,
		handler:  a.Handler,
		id:       h.opts.NodeID + "-" + randomID(),
		path:     a.Path,
		params:   a.Params,
		data:     a.Data,
		user:     a.User,
		protocol: protocol,
		remote:   r.RemoteAddr,
	}
	if s.remote == "" {
		s.remote = conn.RemoteAddr().String()
	}
	s.parts.Store(2)
	s.touch()
	// What net/http had already buffered is fed to the parser first.
	var initial []byte
	if br != nil && br.Buffered() > 0 {
		b, _ := br.Peek(br.Buffered())
		initial = append([]byte(nil), b...)
	}
	if fd := adoptFD(conn); fd >= 0 {
		s.fdc.fd = fd
		s.conn = &s.fdc
		if initial != nil {
			s.initial = &initial
		}
		return s
	}
	// What net/http buffered is read first, then the connection itself:
	// a bufio.Reader of our own would only copy, and cost an idle
	// session its buffer.
	var in io.Reader = conn
	if br != nil {
		in = br
	}
	s.conn = &streamConn{conn: conn, in: in}
	return s
}

// greet queues (or writes) the 101 as the connection's first bytes.
func (s *Session) greet(resp []byte) error { return s.conn.greet(s, resp) }

// discard ends a session that was never registered.
func (s *Session) discard(frame []byte) { s.conn.discard(s, frame) }

// randomID is 16 bytes from crypto/rand: ids are handed to JavaScript and
// may travel to clients, so they must not be guessable.
func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ID is unique and unguessable: NodeID, a dash, 16 random bytes base64url.
func (s *Session) ID() string { return s.id }

// Path is the path of the upgrade request as given to Accept.
func (s *Session) Path() string { return s.path }

// Params are the query parameters given to Accept.
func (s *Session) Params() map[string][]string { return s.params }

// Data is the key/value map given to Accept.
func (s *Session) Data() map[string]string { return s.data }

// User is whatever the caller passed to Accept.
func (s *Session) User() any { return s.user }

// Protocol is the negotiated subprotocol, "" if none.
func (s *Session) Protocol() string { return s.protocol }

// Hub returns the hub that holds the session.
func (s *Session) Hub() *Hub { return s.hub }

// RemoteAddr is the peer address of the upgrade request.
func (s *Session) RemoteAddr() string { return s.remote }

func (s *Session) touch() { s.lastRead.Store(monoNow()) }

// clockBase is where monoNow counts from.
var clockBase = time.Now()

// monoNow is nanoseconds on the monotonic clock, for the idle and ping
// timing: a step of the wall clock must not make every session look idle
// (or none), and reading only the monotonic clock costs half of
// time.Now, which every read paid.
func monoNow() int64 { return int64(time.Since(clockBase)) }

// partDone is called by the reader and after the close event; the second
// call makes the session gone for Shutdown.
func (s *Session) partDone() {
	if s.parts.Add(-1) == 0 {
		s.hub.liveDone(s)
	}
}
