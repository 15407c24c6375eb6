package controller

import (
	"context"
	"sync"
	"time"
)

// watchdog interrupts a worker's call when it outlives its budget or its
// context. One timer per worker instead of a context and a timer allocated
// for every call: WebSocket messages make calls by the hundred thousand.
// Nor is the timer set and stopped for every call, two updates of the
// timer heap per message: it stays set across calls (pending), and when it
// fires before the running call's deadline it is set again for the rest.
type watchdog struct {
	mu       sync.Mutex
	timer    *time.Timer
	active   bool  // a call is running and may be interrupted
	deadline int64 // the running call's, in monoNow's nanoseconds
	pending  bool  // the timer is set, to fire at fireAt
	fireAt   int64
	retired  bool // the worker is gone: the timer stays stopped
	stopCx   func() bool
}

// arm starts guarding a call on w that began at now (monoNow); disarm
// must follow.
func (w *worker) arm(ctx context.Context, now int64, d time.Duration) {
	wd := &w.watchdog
	wd.mu.Lock()
	wd.active = true
	wd.deadline = now + int64(d)
	if !wd.pending || wd.deadline < wd.fireAt {
		wd.pending, wd.fireAt = true, wd.deadline
		if wd.timer == nil {
			wd.timer = time.AfterFunc(d, w.watch)
		} else {
			wd.timer.Reset(d)
		}
	}
	wd.mu.Unlock()
	if ctx.Done() != nil {
		// The caller may go away (an HTTP client that hung up): stop the
		// call then too. WebSocket events run without such a context.
		wd.stopCx = context.AfterFunc(ctx, func() { w.interrupt(context.Cause(ctx)) })
	}
}

// watch is the timer's: it stops the running call if its time is up, and
// otherwise waits for the rest of it. Between calls it lets the timer be.
func (w *worker) watch() {
	wd := &w.watchdog
	wd.mu.Lock()
	defer wd.mu.Unlock()
	wd.pending = false
	if !wd.active || wd.retired {
		return
	}
	if left := time.Duration(wd.deadline - monoNow()); left > 0 {
		wd.pending, wd.fireAt = true, wd.deadline
		wd.timer.Reset(left)
		return
	}
	w.stop(ErrTimeout)
}

// retire stops the timer of a worker that is no longer used, which would
// otherwise keep its runtime reachable until it fires.
func (w *worker) retire() {
	wd := &w.watchdog
	wd.mu.Lock()
	wd.retired, wd.pending = true, false
	if wd.timer != nil {
		wd.timer.Stop()
	}
	wd.mu.Unlock()
}

// clockBase is where monoNow counts from.
var clockBase = time.Now()

// monoNow is nanoseconds on the monotonic clock, which is all a call's
// timing needs: reading it costs half of time.Now, and every WebSocket
// message makes a call.
func monoNow() int64 { return int64(time.Since(clockBase)) }

// interrupt stops the running call, if one still runs.
func (w *worker) interrupt(cause error) {
	wd := &w.watchdog
	wd.mu.Lock()
	if wd.active {
		w.stop(cause)
	}
	wd.mu.Unlock()
}

// interruptCall stops the call that began at started, if it still runs:
// the memory guard picks a call, and by the time it acts that call may have
// ended and another begun on the same runtime.
func (w *worker) interruptCall(started int64, cause error) {
	wd := &w.watchdog
	wd.mu.Lock()
	if wd.active && w.busy.Load() && w.started.Load() == started {
		w.stop(cause)
	}
	wd.mu.Unlock()
}

// disarm ends guarding: after it returns no interrupt can land, so the
// runtime can be cleared and reused.
func (w *worker) disarm() {
	wd := &w.watchdog
	if wd.stopCx != nil {
		wd.stopCx()
		wd.stopCx = nil
	}
	wd.mu.Lock()
	wd.active = false
	wd.mu.Unlock()
	w.vm.ClearInterrupt()
	w.stopping.Store(false)
}

// stop interrupts the runtime's current call, and tells native code that
// watches for it (JSON.stringify's guard).
func (w *worker) stop(cause error) {
	w.vm.Interrupt(cause) // first: a guard that sees stopping finds it set
	w.stopping.Store(true)
}
