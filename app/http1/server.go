package http1

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"duplex/websocket/epoll"
)

// Config is what a Server needs from the application server.
type Config struct {
	Handler http.Handler
	// Handoff gives net/http a connection for the rest of its life:
	// owner is the connection the AcceptFunc gave, conn the socket now in
	// Go's net package, buffered the bytes already read from it, which
	// net/http must read first.
	Handoff func(owner, conn net.Conn, buffered []byte)
	// ConnContext makes the context of a connection's requests.
	ConnContext func(ctx context.Context, owner net.Conn) context.Context
	// ConnState is told when a connection starts and stops serving a
	// request (http.StateActive, http.StateIdle), as net/http tells its
	// ConnState.
	ConnState func(owner net.Conn, state http.ConnState)
	// MaxHeaderBytes bounds a request head; a longer one goes to
	// net/http, which refuses it with 431.
	MaxHeaderBytes int
	IdleTimeout    time.Duration
	Log            zerolog.Logger
}

// maxBody is the largest request body the fast path reads; a longer one
// is net/http's to read, under --read-timeout.
const maxBody = 64 << 10

// stallAfter is how long a request may hold its poller before another
// goroutine takes over the polling: a handler that waits for something
// must not hold up other connections.
const stallAfter = 2 * time.Millisecond

// watchIdle is how often the watch looks while no poller serves: a
// request that starts stalling then is found within this and stallAfter.
const watchIdle = 20 * time.Millisecond

// Server is the fast path. Listen starts it; Shutdown ends it.
type Server struct {
	cfg    Config
	ep     *epoll.Set
	epfd   int // ep.FD; -1 once released
	wakefd int // ep.Wake: readable once Shutdown begins

	mu    sync.Mutex
	conns []*conn // by descriptor
	count int
	// pollers are the goroutines that wait on the epoll set now, one per
	// core; a poller whose request stalls is replaced (watch).
	pollers  []*poller
	target   int
	watching bool
	// closing is set under mu once Shutdown begins; read without it on
	// the request path.
	closing atomic.Bool
	gone    chan struct{} // closed when, after closing, no connection and no request is left
	goneSet bool
	// inflight counts the requests whose handler runs or whose answer is
	// still being written, including those whose connection went to Go's
	// net package for the answer (toGo): Shutdown waits for them too.
	inflight atomic.Int64

	// The listening socket (Listen), -1 without one; acceptMu is held
	// while a poller accepts, so that it is not closed under it.
	lfd          int
	lfdReady     atomic.Int32 // lfd, for the pollers to recognize its events
	acceptMu     sync.Mutex
	acceptFn     AcceptFunc
	acceptFailed func(error)

	bufs   sync.Pool // *[]byte read buffers
	writes sync.Pool // *response

	start time.Time // for a monotonic clock in nanoseconds
	dates atomic.Pointer[dateValue]

	// Counters for the metrics.
	Served, Handoffs atomic.Int64
}

// New starts a Server; its pollers start with its first connection.
func New(cfg Config) (*Server, error) {
	ep, err := epoll.New("http1-epoll")
	if err != nil {
		return nil, err
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = http.DefaultMaxHeaderBytes
	}
	s := &Server{cfg: cfg, ep: ep, epfd: ep.FD, wakefd: ep.Wake, target: runtime.GOMAXPROCS(0), start: time.Now(), lfd: -1, gone: make(chan struct{})}
	s.lfdReady.Store(-1)
	s.bufs.New = func() any { b := make([]byte, 0, 16<<10); return &b }
	s.writes.New = func() any { return new(response) }
	return s, nil
}

// ErrClosed: the server is shutting down.
var ErrClosed = errors.New("http1: server closed")

// add registers the socket fd, whose connection is owner.
func (s *Server) add(fd int, owner net.Conn) error {
	ctx := context.Background()
	if s.cfg.ConnContext != nil {
		ctx = s.cfg.ConnContext(ctx, owner)
	}
	c := &conn{fd: fd, owner: owner, remote: owner.RemoteAddr().String()}
	c.tmpl = (&http.Request{}).WithContext(ctx)
	c.touch()
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		return ErrClosed
	}
	if fd >= len(s.conns) {
		s.conns = append(s.conns, make([]*conn, fd+1-len(s.conns)+len(s.conns)/2)...)
	}
	s.conns[fd] = c
	s.count++
	s.startLocked()
	// Under the lock: the epoll set's descriptor is closed under it.
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd)}
	err := unix.EpollCtl(s.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
	s.mu.Unlock()
	if err != nil {
		s.unregister(c)
		unix.Close(fd)
		owner.Close()
		s.cfg.Log.Warn().Err(err).Msg("http1: epoll_ctl failed; connection closed")
	}
	return nil
}

// startLocked starts the pollers and the watch with the first connection.
func (s *Server) startLocked() {
	for len(s.pollers) < s.target {
		p := &poller{}
		s.pollers = append(s.pollers, p)
		go s.poll(p)
	}
	if !s.watching {
		s.watching = true
		go s.watch()
	}
}

// unregister forgets c and takes its socket out of the epoll set, before
// its descriptor is closed or given away.
func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	s.unregisterLocked(c)
	s.mu.Unlock()
}

func (s *Server) unregisterLocked(c *conn) {
	if c.fd < len(s.conns) && s.conns[c.fd] == c {
		_ = unix.EpollCtl(s.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
		s.conns[c.fd] = nil
		s.count--
		s.goneLocked()
	}
}

// goneLocked closes gone once Shutdown began and neither a connection nor
// a request is left.
func (s *Server) goneLocked() {
	if s.closing.Load() && !s.goneSet && s.count == 0 && s.inflight.Load() == 0 {
		s.goneSet = true
		close(s.gone)
	}
}

// requestDone ends a request that inflight counted.
func (s *Server) requestDone() {
	if s.inflight.Add(-1) == 0 && s.closing.Load() {
		s.mu.Lock()
		s.goneLocked()
		s.mu.Unlock()
	}
}

func (s *Server) lookup(fd int) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fd < len(s.conns) {
		return s.conns[fd]
	}
	return nil
}

// CloseIdle closes the connections that wait between requests, to make
// room for new clients.
func (s *Server) CloseIdle() {
	for _, c := range s.snapshot() {
		if c.state.CompareAndSwap(stIdle, stGone) {
			s.closeConn(c)
		}
	}
}

func (s *Server) snapshot() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, s.count)
	for _, c := range s.conns {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}

// Shutdown closes idle connections and every other one after its answer
// in progress, and returns when all are gone and every answer is written
// (those going out through Go's net package too), or when ctx ends; then
// the connections still registered are shut down under their handlers,
// whose writes fail.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing.Load() {
		s.closing.Store(true)
		s.goneLocked()
		s.ep.Signal()
	}
	s.closeFDsLocked()
	s.mu.Unlock()
	s.stopListening()
	s.CloseIdle()
	var err error
	select {
	case <-s.gone:
	case <-ctx.Done():
		err = ctx.Err()
		// Under the lock, while each is still registered: its handler's
		// goroutine unregisters it under the same lock before closing
		// the descriptor, whose number may then belong to another file.
		s.mu.Lock()
		for _, c := range s.conns {
			if c != nil {
				_ = unix.Shutdown(c.fd, unix.SHUT_RDWR)
				s.unregisterLocked(c)
			}
		}
		s.mu.Unlock()
	}
	return err
}

// isClosing reports whether Shutdown began.
func (s *Server) isClosing() bool { return s.closing.Load() }

// nanotime is a monotonic clock reading.
func (s *Server) nanotime() int64 { return int64(time.Since(s.start)) }
