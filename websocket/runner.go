package websocket

import "time"

// runnerIdle is how long a runner goroutine waits for more work before it
// exits: long enough to carry a burst, short enough that an idle hub holds
// no goroutines.
const runnerIdle = 200 * time.Millisecond

// runner runs short tasks (a session's event dispatch, a write batch) on
// goroutines that are reused while work keeps coming. Starting a goroutine
// per task cost a creation and, for dispatch into JavaScript, a stack grown
// anew each time.
type runner struct {
	tasks chan func() // unbuffered: a send succeeds only into a waiting goroutine
}

func newRunner() *runner { return &runner{tasks: make(chan func())} }

// run hands f to a waiting goroutine, or starts one.
func (r *runner) run(f func()) {
	select {
	case r.tasks <- f:
	default:
		go r.loop(f)
	}
}

func (r *runner) loop(f func()) {
	t := time.NewTimer(runnerIdle)
	defer t.Stop()
	for {
		f()
		f = nil
		t.Reset(runnerIdle)
		select {
		case f = <-r.tasks:
		case <-t.C:
			return
		}
	}
}
