package http1

import (
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// poller is one goroutine that waits on the epoll set and serves what it
// finds, on its own stack: no hand-off between goroutines per request.
type poller struct {
	// since is when its request began (monotonic nanoseconds, 0 while
	// it polls), or replacedPoller once the watch found the request
	// stalled and started another poller: when the request ends this
	// goroutine polls again only if a poller is missing. The poller and
	// the watch settle who changes it with a compare-and-swap, so that a
	// poller cannot miss its replacement and poll on outside the list.
	since atomic.Int64
}

const replacedPoller = -1

// poll waits for one ready socket at a time: a poller holds no batch of
// ready sockets that would wait behind a request that stalls.
func (s *Server) poll(p *poller) {
	var events [1]unix.EpollEvent
	for {
		n, err := s.wait(events[:])
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			s.cfg.Log.Error().Err(err).Msg("http1: epoll_wait failed; the fast path stops polling")
			return
		}
		if n == 0 {
			continue
		}
		fd := int(events[0].Fd)
		if fd == s.wakefd {
			s.leave(p)
			return
		}
		if fd == int(s.lfdReady.Load()) {
			s.acceptReady()
			continue
		}
		c := s.lookup(fd)
		if c == nil {
			continue
		}
		if events[0].Events&unix.EPOLLRDHUP != 0 {
			c.hup.Store(true)
		}
		if !c.ready() {
			continue
		}
		start := max(s.nanotime(), 1)
		p.since.Store(start)
		s.serve(c)
		if !p.since.CompareAndSwap(start, 0) && !s.rejoin(p) {
			return
		}
	}
}

// wait fills events with what is ready, waiting for it in Go's netpoller:
// the epoll set's own descriptor is readable when it has events, so a
// poller with nothing to do is a parked goroutine, not a thread blocked in
// epoll_wait. A blocked thread hands its P to another at every wait and
// must get one back at every wake: one keep-alive request at a time took
// 43 µs a round trip that way, against net/http's 23. Pollers take turns
// waiting there (the descriptor's read lock), which under load cost a
// fifth of the requests per second; so a poller first looks without
// waiting, and waits only when nothing was ready.
func (s *Server) wait(events []unix.EpollEvent) (int, error) {
	// Under load something is ready at once: a look without the read
	// lock, as many pollers at a time as there are.
	n, werr := s.ep.Look(events)
	if n > 0 || (werr != nil && !errors.Is(werr, unix.EINTR)) {
		return n, werr
	}
	return s.ep.Park(events)
}

// rejoin lets a replaced poller poll again if the pollers are short of
// their number; otherwise its goroutine ends.
func (s *Server) rejoin(p *poller) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() || len(s.pollers) >= s.target {
		return false
	}
	p.since.Store(0)
	s.pollers = append(s.pollers, p)
	return true
}

func (s *Server) leave(p *poller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range s.pollers {
		if q == p {
			s.pollers = append(s.pollers[:i], s.pollers[i+1:]...)
			break
		}
	}
	s.closeFDsLocked()
}

// watch replaces pollers whose request stalls, and closes connections
// idle for longer than IdleTimeout. It runs while there are connections,
// looking every stallAfter while a poller serves and every watchIdle
// while none does, so that a server with only idle keep-alive
// connections is not woken 500 times a second.
func (s *Server) watch() {
	period := stallAfter
	tick := time.NewTicker(period)
	defer tick.Stop()
	var sweep time.Time
	for range tick.C {
		now := s.nanotime()
		s.mu.Lock()
		if s.closing.Load() || s.count == 0 {
			s.watching = false
			s.closeFDsLocked()
			s.mu.Unlock()
			return
		}
		serving := false
		for i := 0; i < len(s.pollers); i++ {
			p := s.pollers[i]
			since := p.since.Load()
			serving = serving || since > 0
			if since > 0 && now-since > int64(stallAfter) && p.since.CompareAndSwap(since, replacedPoller) {
				s.pollers[i] = &poller{}
				go s.poll(s.pollers[i])
			}
		}
		s.mu.Unlock()
		next := watchIdle
		if serving {
			next = stallAfter
		}
		if next != period {
			period = next
			tick.Reset(period)
		}
		if wall := time.Now(); wall.Sub(sweep) > time.Second {
			sweep = wall
			s.closeIdleSince(wall.Add(-s.cfg.IdleTimeout))
		}
	}
}

// closeIdleSince closes the connections idle since before t.
func (s *Server) closeIdleSince(t time.Time) {
	if s.cfg.IdleTimeout <= 0 {
		return
	}
	limit := t.Unix()
	for _, c := range s.snapshot() {
		if c.active.Load() < limit && c.state.CompareAndSwap(stIdle, stGone) {
			s.closeConn(c)
		}
	}
}

// closeFDsLocked releases the epoll set once Shutdown began and no
// poller or watch uses it.
func (s *Server) closeFDsLocked() {
	if !s.closing.Load() || len(s.pollers) > 0 || s.watching || s.epfd < 0 {
		return
	}
	s.ep.Close()
	s.epfd, s.wakefd = -1, -1
}
