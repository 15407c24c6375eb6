package controller

import (
	"context"
	"sync"
	"time"
)

// watchdog interrupts a worker's call when it outlives its budget or its
// context. One timer per worker, re-armed per call, instead of a context
// and a timer allocated for every call: WebSocket messages make calls by the
// hundred thousand.
type watchdog struct {
	mu     sync.Mutex
	timer  *time.Timer
	active bool // a call is running and may be interrupted
	stopCx func() bool
}

// arm starts guarding a call on w; disarm must follow.
func (w *worker) arm(ctx context.Context, d time.Duration) {
	wd := &w.watchdog
	wd.mu.Lock()
	wd.active = true
	if wd.timer == nil {
		wd.timer = time.AfterFunc(d, func() { w.interrupt(ErrTimeout) })
	} else {
		wd.timer.Reset(d)
	}
	wd.mu.Unlock()
	if ctx.Done() != nil {
		// The caller may go away (an HTTP client that hung up): stop the
		// call then too. WebSocket events run without such a context.
		wd.stopCx = context.AfterFunc(ctx, func() { w.interrupt(context.Cause(ctx)) })
	}
}

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
	wd.timer.Stop()
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
