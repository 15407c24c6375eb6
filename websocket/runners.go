package websocket

import (
	"runtime"
	"sync"
	"time"
)

// runnerIdle is how long a kept goroutine waits for work before it exits.
const runnerIdle = time.Second

// stallCheck is how often the runners are looked at while tasks wait: when
// none was taken since the last look, every runner is held up (a handler
// that waits for something) and one more is started.
const stallCheck = time.Millisecond

type taskKind uint8

const (
	taskRead     taskKind = iota + 1 // readNow: read, then run what was read
	taskDispatch                     // dispatch: run queued events
)

type task struct {
	s    *Session
	kind taskKind
}

func (t task) do() {
	switch t.kind {
	case taskRead:
		t.s.readNow()
	case taskDispatch:
		t.s.dispatch()
	}
}

// runners are goroutines kept for reading sockets and running their event
// handlers. Tasks wait in a queue that as many runners as there are cores
// work through, each taking the next task when done with one. Handing
// every readiness to a goroutine of its own (one waiting on a channel, or
// a new one when none was) cost a scheduler hand-off per message; under
// load most went to new goroutines, whose stacks grew again for the
// JavaScript engine, and the scheduler ran them in no particular order, so
// that some messages waited several times as long as most. A queue served
// in order by kept runners costs neither hand-off nor growth while it is
// not empty, and the slowest answers come sooner.
//
// A runner that waits stops counting: the session layer says so around its
// own waits (blocking), and a handler that waits is found by the stall
// check. Either way another runner takes over the queue, so a task never
// waits for long behind a handler that waits. Runners leave when idle for
// runnerIdle or when the hub's last session is gone.
type runners struct {
	target int // runners working, when there is work: one per core

	mu    sync.Mutex
	queue []task // queue[head:] waits
	head  int
	// idle runners wait on their own channel; the last to go idle is
	// woken first, its stack and caches the warmest.
	idle []*runner
	// active counts runners that are not idle, less those in a wait they
	// announced (blocking). A goroutine that is not a runner may announce
	// one too: the pool then runs one more runner than needed for a while.
	active  int
	taken   uint64 // tasks taken, for the stall check
	looked  uint64 // taken at the stall check's last look
	watch   *time.Timer
	watched bool // watch is set
	// reap lets runners go that stayed idle through a whole round of
	// runnerIdle; one timer for all, since a timer set for every runner
	// that goes idle was a timer-heap update per batch of readiness.
	reap    *time.Timer
	round   uint64
	reaping bool // reap is set
	stopped bool
}

// runner is one kept goroutine's wake-up call.
type runner struct {
	wake   chan bool // true: work, false: leave; one slot, so a waker never blocks
	parked uint64    // the reaper's round when it went idle
}

func newRunner() *runner { return &runner{wake: make(chan bool, 1)} }

func newRunners() *runners {
	r := &runners{target: runtime.GOMAXPROCS(0)}
	r.watch = time.AfterFunc(time.Hour, r.check)
	r.watch.Stop()
	r.reap = time.AfterFunc(time.Hour, r.reaper)
	r.reap.Stop()
	return r
}

// run queues t and makes sure that enough runners work on the queue.
func (r *runners) run(t task) {
	r.mu.Lock()
	r.stopped = false
	r.queue = append(r.queue, t)
	r.supplyLocked()
	if !r.watched {
		r.watched, r.looked = true, r.taken
		r.watch.Reset(stallCheck)
	}
	r.mu.Unlock()
}

// supplyLocked wakes or starts a runner if fewer than target work.
func (r *runners) supplyLocked() {
	if r.active >= r.target {
		return
	}
	r.active++
	if n := len(r.idle); n > 0 {
		w := r.idle[n-1]
		r.idle[n-1] = nil
		r.idle = r.idle[:n-1]
		w.wake <- true
		return
	}
	go r.loop(newRunner())
}

// blocking announces that the calling goroutine is about to wait for
// something that other tasks may have to do first (room in an event queue
// that a dispatcher empties, our close frame that a dispatcher queues): a
// runner takes its place meanwhile. unblocked must follow.
func (r *runners) blocking() {
	r.mu.Lock()
	r.active--
	if r.head < len(r.queue) {
		r.supplyLocked()
	}
	r.mu.Unlock()
}

func (r *runners) unblocked() {
	r.mu.Lock()
	r.active++
	r.mu.Unlock()
}

// check is the stall check: while tasks wait, a look every stallCheck.
func (r *runners) check() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.head == len(r.queue) {
		r.watched = false
		return
	}
	if r.taken == r.looked {
		// No task was taken since the last look: every runner is held
		// up, by handlers that wait. One more takes over; it counts as
		// active, so the others go idle again once the queue is empty.
		r.active++
		go r.loop(newRunner())
	}
	r.looked = r.taken
	r.watch.Reset(stallCheck)
}

// runnerPad is stack a runner keeps in use while it waits. The garbage
// collector halves the stack of a goroutine that uses under a quarter of
// it, so without this a runner, idle at each collection, lost its grown
// stack every cycle and grew it again (copying it) for the next handler:
// a fifth of an echo's CPU time. With the pad, a stack of up to four times
// the pad is kept.
const runnerPad = 16 << 10

// loop is one runner, counted in active when it starts.
func (r *runners) loop(w *runner) {
	var pad [runnerPad]byte
	holdStack(&pad)
	r.mu.Lock()
	for {
		if r.head < len(r.queue) {
			t := r.queue[r.head]
			r.queue[r.head] = task{}
			r.head++
			if r.head == len(r.queue) {
				r.queue, r.head = r.queue[:0], 0
				if cap(r.queue) > 4096 {
					r.queue = nil // let a burst's queue go
				}
			}
			r.taken++
			r.mu.Unlock()
			t.do()
			r.mu.Lock()
			continue
		}
		r.active--
		if r.stopped {
			r.mu.Unlock()
			return
		}
		w.parked = r.round
		r.idle = append(r.idle, w)
		if !r.reaping {
			r.reaping = true
			r.reap.Reset(runnerIdle)
		}
		r.mu.Unlock()
		// The waker counted this runner active again, or took it off
		// the idle list for good.
		if !<-w.wake {
			return
		}
		r.mu.Lock()
	}
}

// reaper lets go the runners that were idle when the previous round
// began and have not worked since: each waited between one and two
// rounds of runnerIdle.
func (r *runners) reaper() {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.idle[:0]
	for _, w := range r.idle {
		if w.parked < r.round {
			w.wake <- false
			continue
		}
		kept = append(kept, w)
	}
	clear(r.idle[len(kept):])
	r.idle = kept
	r.round++
	if r.reaping = len(r.idle) > 0; r.reaping {
		r.reap.Reset(runnerIdle)
	}
}

// stop lets every idle runner go; busy ones leave once the queue is empty.
// A later run starts new ones.
func (r *runners) stop() {
	r.mu.Lock()
	r.stopped = true
	for i, w := range r.idle {
		r.idle[i] = nil
		w.wake <- false
	}
	r.idle = r.idle[:0]
	r.mu.Unlock()
}

// holdStack makes pad a live stack variable: the compiler keeps an array
// whose address goes to a function it cannot see through.
//
//go:noinline
func holdStack(pad *[runnerPad]byte) { pad[0] = 1 }
