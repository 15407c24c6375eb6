package controller

import (
	"sync/atomic"
)

// stats counts controller calls for the metrics endpoint.
type stats struct {
	calls      atomic.Int64
	exceptions atomic.Int64
	timeouts   atomic.Int64
	overflows  atomic.Int64
	memory     atomic.Int64
	busy       atomic.Int64
	other      atomic.Int64
}

// Stats is a snapshot of an engine's counters. Errors counts failed calls
// by kind: exception, timeout, stack_overflow, memory, busy (no runtime
// free) and other.
type Stats struct {
	Workers int
	Busy    int
	Calls   int64
	Errors  map[string]int64
	// EventsDropped counts the events main.js's listeners did not get,
	// by reason (DropQueueFull, DropInvalid, DropStopping).
	EventsDropped map[string]int64
}

func (st *stats) record(err error) {
	if err == nil {
		return
	}
	switch describe(err).kind {
	case failCanceled, failShutdown:
	case failBusy:
		st.busy.Add(1)
	case failTimeout:
		st.timeouts.Add(1)
	case failOverflow:
		st.overflows.Add(1)
	case failMemory:
		st.memory.Add(1)
	case failException:
		st.exceptions.Add(1)
	default:
		st.other.Add(1)
	}
}

// Stats returns the engine's counters so far.
func (e *Engine) Stats() Stats {
	busy := 0
	e.allMu.RLock()
	workers := len(e.all)
	for _, w := range e.all {
		if w.busy.Load() {
			busy++
		}
	}
	e.allMu.RUnlock()
	return Stats{
		Workers: workers,
		Busy:    busy,
		Calls:   e.stats.calls.Load(),
		Errors: map[string]int64{
			"exception":      e.stats.exceptions.Load(),
			"timeout":        e.stats.timeouts.Load(),
			"stack_overflow": e.stats.overflows.Load(),
			"memory":         e.stats.memory.Load(),
			"busy":           e.stats.busy.Load(),
			"other":          e.stats.other.Load(),
		},
		EventsDropped: e.events.snapshot(),
	}
}
