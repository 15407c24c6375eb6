package controller

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"
	"time"

	"duplex/lib"
)

// holdWorker runs a call on e's only worker that keeps it for hold, as a
// native call past its budget does: the interrupt cannot land until it
// returns. It returns once the call has the worker.
func holdWorker(t *testing.T, e *Engine, hold time.Duration) <-chan error {
	t.Helper()
	started, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- e.run(context.Background(), lib.NewCall(nil, nil, nil), func(*worker) error {
			close(started)
			time.Sleep(hold)
			return nil
		})
	}()
	<-started
	return done
}

func newTimeoutEngine(t *testing.T, timeout time.Duration) *Engine {
	t.Helper()
	return newEngineWith(t, Options{FS: fstest.MapFS{}, Workers: 1, Timeout: timeout})
}

// A call queued behind one that overruns its budget a little (it is being
// interrupted) gets the worker, rather than failing by a hair: the flake
// TestSecurityRunawayWebSocket once showed under load.
func TestWaiterOutlastsAnOverrunningCall(t *testing.T) {
	t.Parallel()
	const timeout = 400 * time.Millisecond
	e := newTimeoutEngine(t, timeout)
	held := holdWorker(t, e, timeout+timeout/4)
	err := e.run(context.Background(), lib.NewCall(nil, nil, nil), func(*worker) error { return nil })
	if err != nil {
		t.Fatalf("call queued behind one overrunning its %v budget: %v, want it to run", timeout, err)
	}
	<-held
}

// A worker held far longer than any call may run still fails the waiter
// with ErrBusy instead of queueing it for ever.
func TestWaiterGivesUpWhenNoWorkerComesBack(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	e := newTimeoutEngine(t, timeout)
	held := holdWorker(t, e, 4*timeout)
	start := time.Now()
	err := e.run(context.Background(), lib.NewCall(nil, nil, nil), func(*worker) error { return nil })
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("call queued behind a worker held for %v: %v, want ErrBusy", 4*timeout, err)
	}
	if waited := time.Since(start); waited < 2*timeout {
		t.Errorf("gave up after %v, want twice the %v budget", waited, timeout)
	}
	<-held
}
