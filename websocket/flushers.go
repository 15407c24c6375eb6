package websocket

import (
	"runtime"
	"sync"
)

// flushBatch is how many sessions a flusher takes from the queue at once,
// so that several flushers share a long queue.
const flushBatch = 64

// flushers write sessions' pending frames for the whole hub. A session
// with frames and no writer joins the queue; a flusher writes everything
// it has in one non-blocking writev when its turn comes, and frames queued
// meanwhile ride along: a fan-out to a thousand members costs a thousand
// writevs, not a thousand goroutines, and while the flushers are busy the
// next messages join the same writes (Bun corks the same way, per event
// loop turn). A socket that is full gets a goroutine that waits for room,
// so a slow peer never holds a flusher.
//
// At most half as many flushers as cores run (one on two cores): their
// work is the kernel's writev, and the other cores stay for reading and
// JavaScript. One per core had both cores of this 2-core machine writing
// while the clients and the runners waited for them: in seven interleaved
// pairs of the bench's fan-out, one flusher delivered 10% more a second
// on average (−3 to +37%), at 0.74–0.79 cores against 0.82–0.85, with a
// lower p99 in every pair where it was read (12.5–17.0 ms against
// 14.5–17.2).
type flushers struct {
	mu      sync.Mutex
	cond    sync.Cond
	queue   []*Session
	head    int
	waiting int
	n       int
	max     int
	stopped bool
}

func newFlushers() *flushers {
	f := &flushers{max: max(1, runtime.GOMAXPROCS(0)/2)}
	f.cond.L = &f.mu
	return f
}

// schedule queues s, whose writing flag and writers count are taken.
func (f *flushers) schedule(s *Session) {
	f.mu.Lock()
	f.stopped = false
	f.queue = append(f.queue, s)
	switch {
	case f.waiting > 0:
		f.cond.Signal()
	case f.n < f.max:
		f.n++
		go f.loop()
	}
	f.mu.Unlock()
}

func (f *flushers) loop() {
	batch := make([]*Session, 0, flushBatch)
	f.mu.Lock()
	for {
		for f.head == len(f.queue) {
			if f.stopped {
				f.n--
				f.mu.Unlock()
				return
			}
			f.waiting++
			f.cond.Wait()
			f.waiting--
		}
		end := min(f.head+flushBatch, len(f.queue))
		batch = append(batch[:0], f.queue[f.head:end]...)
		clear(f.queue[f.head:end])
		f.head = end
		if f.head == len(f.queue) {
			f.queue, f.head = f.queue[:0], 0
			if cap(f.queue) > 4096 {
				f.queue = nil // let a burst's queue go
			}
		}
		f.mu.Unlock()
		for i, s := range batch {
			s.writeRounds(true)
			batch[i] = nil
		}
		f.mu.Lock()
	}
}

// stop lets idle flushers exit once the hub has no sessions; a later
// schedule starts new ones.
func (f *flushers) stop() {
	f.mu.Lock()
	f.stopped = true
	f.cond.Broadcast()
	f.mu.Unlock()
}
