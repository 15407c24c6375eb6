package websocket

import (
	"errors"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"

	"duplex/websocket/epoll"
)

// poller tells which connections have bytes to read, so that a connection
// with nothing to read holds no goroutine and no buffer: a reader goroutine
// exists only from readiness until the socket is drained. One epoll set per
// hub; its goroutine runs only while the hub has sessions.
type poller struct {
	set *epoll.Set // its eventfd tells the loop to look at the count

	mu sync.Mutex
	// regs is indexed by descriptor: descriptors are small dense numbers,
	// so a slice costs 8 bytes per connection where a map cost ~70.
	regs    []*Session
	count   int // non-nil entries in regs
	running bool
	closed  bool
}

// spinPolls is how many times the loop looks for readiness without
// blocking, yielding to other goroutines in between, before it waits
// again (blocked in epoll_wait, or parked: see below). A thread that blocks costs a context switch to sleep
// and one to wake, and Go's sysmon hands its P to another thread
// meanwhile: under echo load that was 0.41 voluntary context switches per
// message (Bun: 0.04) and a fifth of duplex's CPU in the kernel's task
// switch. Looking again a few times first finds the next readiness while
// the runners work: 7 k instead of 35 k context switches per second.
//
// The loop spins only after a wait that found several sockets ready, and
// for as long as its looks keep finding some: busy traffic from many
// clients. That traffic also makes the next wait park in Go's netpoller
// (epoll.Set.Park) instead of blocking in epoll_wait: the thread that notices the
// readiness is then one already running Go code, where a blocked thread
// must be woken and get a P back, and echo answered 7-14% more messages a
// second. A lone sender (a broadcast source) makes the loop neither spin
// nor park: reading its next message sooner only made the flushers write
// each recipient's frames in smaller batches, 7% fewer fan-out
// deliveries per second with the spin, 4-8% (and 10-31% in an earlier
// trial) with every wait parked.
const spinPolls = 8

var errPollerClosed = errors.New("websocket: poller closed")

func newPoller() (*poller, error) {
	set, err := epoll.New("websocket-epoll")
	if err != nil {
		return nil, err
	}
	return &poller{set: set}, nil
}

// add registers s, edge-triggered: one event per arrival of bytes, and no
// re-arming syscall per message (the session's read right keeps two
// readers from running at once). Writability is watched too; the kernel
// reports it only after a write found the send buffer full.
func (p *poller) add(s *Session) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(s.fdc.fd)}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errPollerClosed
	}
	if s.fdc.fd >= len(p.regs) {
		p.regs = append(p.regs, make([]*Session, s.fdc.fd+1-len(p.regs)+len(p.regs)/2)...)
	}
	if p.regs[s.fdc.fd] == nil {
		p.count++
	}
	p.regs[s.fdc.fd] = s
	if !p.running {
		p.running = true
		go p.loop()
	}
	p.mu.Unlock()
	if err := unix.EpollCtl(p.set.FD, unix.EPOLL_CTL_ADD, s.fdc.fd, &ev); err != nil {
		p.remove(s)
		return err
	}
	return nil
}

func (p *poller) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// remove forgets s before its connection is closed, so that a new
// connection reusing the descriptor number is not mistaken for it. The
// descriptor leaves the epoll set when it is closed (it is the socket's
// only one), so no EPOLL_CTL_DEL is needed.
func (p *poller) remove(s *Session) {
	p.mu.Lock()
	if s.fdc.fd < len(p.regs) && p.regs[s.fdc.fd] == s {
		p.regs[s.fdc.fd] = nil
		p.count--
		// A poller that shut after a failed wait has released its
		// eventfd, whose number may belong to another file by now.
		if p.count == 0 && !p.closed {
			p.set.Signal()
		}
	}
	p.mu.Unlock()
}

func (p *poller) loop() {
	events := make([]unix.EpollEvent, 256)
	idle := 0         // empty non-blocking looks since the last readiness
	parkNext := false // the last wait found several sockets ready
	for {
		waited := idle >= spinPolls
		var n int
		var err error
		switch {
		case !waited:
			n, err = p.set.Look(events)
		case parkNext:
			n, err = p.set.Park(events)
		default:
			n, err = p.set.Block(events)
		}
		if n == 0 && err == nil {
			idle++
			runtime.Gosched()
			continue
		}
		idle = 0
		if waited {
			parkNext = n >= 2
			if n < 2 {
				idle = spinPolls // a lone wake-up: wait again next time
			}
		}
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			p.shut()
			return
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == p.set.Wake {
				p.set.Drain()
				p.mu.Lock()
				if p.count == 0 {
					p.closed = true
					p.running = false
					p.mu.Unlock()
					p.shut()
					return
				}
				p.mu.Unlock()
				continue
			}
			p.mu.Lock()
			var s *Session
			if int(ev.Fd) < len(p.regs) {
				s = p.regs[ev.Fd]
			}
			p.mu.Unlock()
			if s != nil {
				s.pollEvent(ev.Events)
			}
		}
	}
}

// shut releases the epoll set once no session uses it; the hub makes a
// new one for the next session.
func (p *poller) shut() {
	p.mu.Lock()
	p.closed = true
	p.running = false
	p.mu.Unlock()
	p.set.Close()
}

const (
	writableEvents = unix.EPOLLOUT | unix.EPOLLERR | unix.EPOLLHUP
	readableEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLERR | unix.EPOLLHUP
)

// pollEvent passes readiness on: to a writer waiting for room, and to the
// reader (or the final drain of a closing connection). Errors and hang-ups
// go to both, which then see them in their next syscall.
func (s *Session) pollEvent(events uint32) {
	if events&writableEvents != 0 {
		s.wsig.fire()
	}
	if events&readableEvents != 0 {
		s.readable()
	}
}
