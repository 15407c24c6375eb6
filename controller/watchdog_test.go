package controller

import (
	"context"
	"errors"
	"testing"
	"time"

	"duplex/lib"
)

// The watchdog's timer outlives the call that set it: a call that starts
// while it is set for an earlier call still gets its whole budget, and is
// stopped once that is spent.
func TestWatchdogBudgetPerCall(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	e := newTimeoutEngine(t, timeout)
	quick := func(*worker) error { return nil }
	if err := e.run(context.Background(), lib.NewCall(nil, nil, nil), quick); err != nil {
		t.Fatal(err)
	}
	// The timer set by the quick call fires a third of the way into this
	// one.
	time.Sleep(2 * timeout / 3)
	start := time.Now()
	err := e.run(context.Background(), lib.NewCall(nil, nil, nil), func(w *worker) error {
		_, err := w.vm.RunString(`for (;;) {}`)
		return err
	})
	took := time.Since(start)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("endless call: %v, want ErrTimeout", err)
	}
	if took < timeout {
		t.Errorf("stopped after %v, before its %v budget", took, timeout)
	}
	if took > 3*timeout {
		t.Errorf("stopped after %v, long past its %v budget", took, timeout)
	}
	// Between calls the timer fires without effect; the next call runs.
	time.Sleep(timeout)
	if err := e.run(context.Background(), lib.NewCall(nil, nil, nil), func(w *worker) error {
		_, err := w.vm.RunString(`1`)
		return err
	}); err != nil {
		t.Fatalf("call after an idle timer fired: %v", err)
	}
}

// A call's deadline, as lib.Env.Deadline gives it to modules, is its start
// plus the budget on the wall clock; between calls there is none.
func TestWorkerDeadline(t *testing.T) {
	t.Parallel()
	const timeout = 5 * time.Second
	e := newTimeoutEngine(t, timeout)
	before := time.Now()
	var got time.Time
	var w0 *worker
	if err := e.run(context.Background(), lib.NewCall(nil, nil, nil), func(w *worker) error {
		time.Sleep(20 * time.Millisecond)
		got, w0 = w.deadline(), w
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got.Before(before.Add(timeout)) || got.After(time.Now().Add(timeout)) {
		t.Errorf("deadline %v, want between %v and %v", got, before.Add(timeout), time.Now().Add(timeout))
	}
	if d := w0.deadline(); !d.IsZero() {
		t.Errorf("deadline between calls %v, want none", d)
	}
}
