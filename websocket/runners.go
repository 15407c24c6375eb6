package websocket

import (
	"runtime"
	"sync"
	"time"
)

// runnerIdle is how long a kept goroutine waits for work before it exits.
const runnerIdle = time.Second

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
// handlers. A fresh goroutine starts with a small stack and the JavaScript
// engine needs tens of KiB, so a goroutine per readiness spent several
// microseconds per message copying its growing stack; a kept one has grown
// already. When every runner is busy (handlers that take long), work gets a
// fresh goroutine rather than waiting. Runners leave when idle for
// runnerIdle or when the hub's last session is gone.
type runners struct {
	work chan task // unbuffered: a send succeeds only to a waiting runner
	max  int

	mu   sync.Mutex
	n    int
	quit chan struct{} // closed by stop; a new one for the next runner
}

func newRunners() *runners {
	return &runners{work: make(chan task), max: max(32, 8*runtime.GOMAXPROCS(0))}
}

func (r *runners) run(t task) {
	select {
	case r.work <- t:
		return
	default:
	}
	r.mu.Lock()
	if r.n >= r.max {
		r.mu.Unlock()
		go t.do()
		return
	}
	r.n++
	if r.quit == nil {
		r.quit = make(chan struct{})
	}
	quit := r.quit
	r.mu.Unlock()
	go r.loop(t, quit)
}

// runnerPad is stack a runner keeps in use while it waits. The garbage
// collector halves the stack of a goroutine that uses under a quarter of
// it, so without this a runner, idle at each collection, lost its grown
// stack every cycle and grew it again (copying it) for the next handler:
// a fifth of an echo's CPU time. With the pad, a stack of up to four times
// the pad is kept.
const runnerPad = 16 << 10

func (r *runners) loop(t task, quit chan struct{}) {
	var pad [runnerPad]byte
	holdStack(&pad)
	defer func() {
		r.mu.Lock()
		r.n--
		r.mu.Unlock()
	}()
	idle := time.NewTimer(runnerIdle)
	defer idle.Stop()
	for {
		t.do()
		idle.Reset(runnerIdle)
		select {
		case t = <-r.work:
		case <-idle.C:
			return
		case <-quit:
			return
		}
	}
}

// stop lets every waiting runner go; busy ones leave when done.
func (r *runners) stop() {
	r.mu.Lock()
	if r.quit != nil {
		close(r.quit)
		r.quit = nil
	}
	r.mu.Unlock()
}

// holdStack makes pad a live stack variable: the compiler keeps an array
// whose address goes to a function it cannot see through.
//
//go:noinline
func holdStack(pad *[runnerPad]byte) { pad[0] = 1 }
