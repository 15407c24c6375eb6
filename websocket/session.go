package websocket

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

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

	// fd is the socket, ours alone (adoptFD); a connection without one
	// (in-memory pipes in tests) has fd -1 and blk instead.
	fd  int
	blk *blocking

	// lastRead is when bytes last arrived (unix nanos); paused tells the
	// idle timer that the reader is not reading on purpose (backpressure).
	lastRead atomic.Int64
	paused   atomic.Bool
	lastPing int64 // unix nanos; the hub's sweeper's alone

	// Inbound side, guarded by mu.
	mu            sync.Mutex
	queue         ring
	dispatching   bool   // a dispatcher is draining queue, or readerRuns
	readerRuns    bool   // the epoll reader will drain queue itself (runQueued)
	openPending   bool   // the open event, which comes before anything in queue
	readerWaiting bool   // the reader waits for room in queue
	ended         bool   // the final close event is queued or delivered
	space         signal // wakes the reader when queue has room or the session closes

	// Outbound side, guarded by wmu.
	wmu            sync.Mutex
	pending        [][]byte // frames waiting for the writer
	spare          [][]byte // the writer's previous batch, reused as the next pending
	queued         int      // bytes in pending (not the batch being written)
	writing        bool     // a writer goroutine is running
	overflowed     bool     // backlog passed MaxBacklog: refuse data frames
	closeQueued    bool     // our close frame is queued (or the stream is dead): refuse everything
	closeInPending bool
	flushedDone    bool        // our close frame is written, or cannot be
	wdead          bool        // a write failed: the stream is unusable
	closing        atomic.Bool // closeQueued for lock-free readers; the reader stops delivering data
	writers        sync.WaitGroup
	// held: a handler queued a reply that its dispatcher writes when
	// the handler returns (enqueueHeld).
	held atomic.Bool

	// The batch being written belongs to the one running writer: frames
	// wbatch[wi:], the first from offset woff; wclose when it ends with
	// our close frame.
	wbatch [][]byte
	wi     int
	woff   int
	wclose bool
	// greeted: the first batch, which carries the 101, is written; until
	// then a stalled write gives up after HandshakeTimeout.
	greeted bool
	// wsig wakes a writer waiting for room in the socket; wkill tells it
	// to give up (the connection is being closed). fin wakes finish, which
	// waits for flushedDone and then for the closing socket to be
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
	s.fd = adoptFD(conn)
	if s.fd >= 0 {
		if initial != nil {
			s.initial = &initial
		}
		return s
	}
	if br == nil {
		br = bufio.NewReaderSize(conn, 4096)
	}
	s.blk = &blocking{conn: conn, br: br}
	return s
}

// greet queues the 101 as the connection's first bytes, held for the open
// event: the dispatcher writes it with whatever the open handler sends, in
// one writev (Bun corks its upgrade the same way). It does not count
// against MaxBacklog. A connection written blocking gets it now, within
// HandshakeTimeout.
func (s *Session) greet(resp []byte) error {
	if s.fd < 0 {
		c := s.blk.conn
		c.SetWriteDeadline(time.Now().Add(s.hub.opts.HandshakeTimeout))
		_, err := c.Write(resp)
		c.SetWriteDeadline(time.Time{})
		if err != nil {
			c.Close()
		}
		return err
	}
	s.pending = append(s.pending, resp)
	s.held.Store(true)
	return nil
}

// discard ends a session that was never registered: what it has queued
// (its 101) and our close frame if the socket takes them at once, then the
// connection is gone.
func (s *Session) discard(frame []byte) {
	if s.fd < 0 {
		s.blk.conn.Write(frame)
		s.blk.conn.Close()
		return
	}
	_, _ = writevFD(s.fd, append(s.pending, frame), 0)
	_ = unix.Close(s.fd)
}

// blocking is a connection without a descriptor of ours: read by a
// blocking loop from br, written through conn.
type blocking struct {
	conn net.Conn
	br   *bufio.Reader
}

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

func (s *Session) touch() { s.lastRead.Store(time.Now().UnixNano()) }

// partDone is called by the reader and after the close event; the second
// call makes the session gone for Shutdown.
func (s *Session) partDone() {
	if s.parts.Add(-1) == 0 {
		s.hub.liveDone(s)
	}
}
