package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"duplex/test/latency"
	"duplex/websocket/wstest"
)

type run struct {
	cfg   config
	start time.Time

	rooms    int
	sessions []*session

	// Phase signals.
	joinedN   atomic.Int64
	allJoined chan struct{}
	chatting  atomic.Bool // set at the barrier: messages may flow
	closing   atomic.Bool // set when we start closing: closes are expected

	sent     atomic.Int64
	received atomic.Int64 // chat deliveries
	target   atomic.Int64 // expected deliveries, known once sending stopped
	drained  chan struct{}
	drainOne sync.Once

	lat latency.Histogram

	mu          sync.Mutex
	errs        map[string]int64
	errSamples  []string
	anomalies   []string
	summaryOnce sync.Once

	phase struct {
		connect, chat, drain, close time.Duration
	}
	connected int
}

const maxSamples = 25

func newRun(c config) *run {
	r := &run{
		cfg:       c,
		rooms:     (c.sessions + c.roomSize - 1) / c.roomSize,
		allJoined: make(chan struct{}),
		drained:   make(chan struct{}),
		errs:      map[string]int64{},
	}
	r.target.Store(math.MaxInt64)
	return r
}

func (r *run) errorf(kind, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs[kind]++
	if len(r.errSamples) < maxSamples {
		r.errSamples = append(r.errSamples, fmt.Sprintf("%s at %.3fs: %s", kind, time.Since(r.start).Seconds(), fmt.Sprintf(format, args...)))
	}
}

func (r *run) anomaly(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.anomalies) < maxSamples {
		r.anomalies = append(r.anomalies, fmt.Sprintf("at %.3fs: ", time.Since(r.start).Seconds())+fmt.Sprintf(format, args...))
	}
}

func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "soakclient %7.2fs: %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

func (r *run) addReceived() {
	if n := r.received.Add(1); n >= r.target.Load() {
		r.drainOne.Do(func() { close(r.drained) })
	}
}

func (r *run) run() bool {
	c := r.cfg
	r.start = time.Now()
	stopProgress := make(chan struct{})
	if c.progress > 0 {
		go r.progressLoop(stopProgress)
	}
	defer close(stopProgress)

	// 1. Connect and join.
	r.sessions = make([]*session, c.sessions)
	for i := range r.sessions {
		r.sessions[i] = &session{
			r:      r,
			idx:    i,
			room:   i / c.roomSize,
			member: i % c.roomSize,
			next:   make([]int32, c.roomSize),
			done:   make(chan struct{}),
		}
		for m := range r.sessions[i].next {
			r.sessions[i].next[m] = 1
		}
	}
	r.logf("connecting %d sessions in %d rooms of %d to %s from %d source addresses", c.sessions, r.rooms, c.roomSize, c.addr, c.sources)
	ctx, cancel := context.WithTimeout(context.Background(), c.joinTimeout)
	r.connectAll(ctx)
	var readers sync.WaitGroup
	for _, s := range r.sessions {
		if s.conn != nil {
			r.connected++
			readers.Add(1)
			go func() {
				defer readers.Done()
				s.readLoop()
			}()
		}
	}
	joined := r.connected == c.sessions
	if joined {
		select {
		case <-r.allJoined:
		case <-ctx.Done():
			joined = false
			r.errorf("join", "only %d of %d sessions joined within %v", r.joinedN.Load(), c.sessions, c.joinTimeout)
		}
	}
	cancel()
	r.phase.connect = time.Since(r.start)
	if !joined {
		r.logf("not every session connected and joined: stopping")
		r.closeAll(&readers)
		return r.finish()
	}
	r.logf("all %d sessions joined in %v; chatting for %v", c.sessions, r.phase.connect.Round(time.Millisecond), c.duration)

	// 2. Chat.
	chatStart := time.Now()
	stop := chatStart.Add(c.duration)
	r.chatting.Store(true)
	var senders sync.WaitGroup
	for _, s := range r.sessions {
		senders.Add(1)
		go func() {
			defer senders.Done()
			s.sendLoop(stop)
		}()
	}
	senders.Wait()
	r.phase.chat = time.Since(chatStart)

	// 3. Drain.
	drainStart := time.Now()
	var want int64
	for _, s := range r.sessions {
		want += s.sent.Load() // every member of the room receives it
	}
	want *= int64(c.roomSize)
	// The last room may be smaller.
	if rem := c.sessions % c.roomSize; rem != 0 {
		var lastSent int64
		for _, s := range r.sessions[(r.rooms-1)*c.roomSize:] {
			lastSent += s.sent.Load()
		}
		want -= lastSent * int64(c.roomSize-rem)
	}
	r.target.Store(want)
	if r.received.Load() >= want {
		r.drainOne.Do(func() { close(r.drained) })
	}
	r.logf("sending stopped: %d messages sent, %d deliveries expected, %d so far", r.sent.Load(), want, r.received.Load())
	select {
	case <-r.drained:
	case <-time.After(c.drainTO):
		r.errorf("drain", "only %d of %d expected deliveries arrived within %v after sending stopped", r.received.Load(), want, c.drainTO)
	}
	r.phase.drain = time.Since(drainStart)

	// 4. Close.
	r.closeAll(&readers)
	return r.finish()
}

// connectAll dials every session, -dial-concurrency at a time; a failed
// handshake is an error (there are no retries).
func (r *run) connectAll(ctx context.Context) {
	c := r.cfg
	sources := wstest.LoopbackSources(c.sources)
	jobs := make(chan *session)
	var wg sync.WaitGroup
	for w := 0; w < c.dialPar; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				if err := s.dial(ctx, sources[s.idx%len(sources)]); err != nil {
					r.errorf("handshake", "session %d (room %d): %v", s.idx, s.room, err)
				}
			}
		}()
	}
	for _, s := range r.sessions {
		if ctx.Err() != nil {
			break
		}
		jobs <- s
	}
	close(jobs)
	wg.Wait()
}

// closeAll starts the closing handshake of every session and waits for the
// readers, forcing the connections shut after -close-timeout.
func (r *run) closeAll(readers *sync.WaitGroup) {
	start := time.Now()
	r.closing.Store(true)
	for _, s := range r.sessions {
		if s.conn != nil {
			s.sendClose()
		}
	}
	done := make(chan struct{})
	go func() {
		readers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(r.cfg.closeTO):
		n := 0
		for _, s := range r.sessions {
			select {
			case <-s.done:
			default:
				if s.conn != nil {
					n++
					s.conn.Close()
				}
			}
		}
		r.errorf("close", "%d sessions did not finish the closing handshake within %v", n, r.cfg.closeTO)
		<-done
	}
	r.phase.close = time.Since(start)
}

func (r *run) progressLoop(stop chan struct{}) {
	t := time.NewTicker(r.cfg.progress)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			r.mu.Lock()
			nerr := int64(0)
			for _, n := range r.errs {
				nerr += n
			}
			r.mu.Unlock()
			r.logf("joined %d, sent %d, received %d, errors %d", r.joinedN.Load(), r.sent.Load(), r.received.Load(), nerr)
		}
	}
}
