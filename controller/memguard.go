package controller

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// MemoryGuard keeps scripts from running the process out of memory. goja
// cannot limit one runtime's allocations, so the guard watches the whole
// heap: past the limit, it interrupts the call that has run longest (the
// one piling up memory, as a rule: ordinary calls take milliseconds), and
// that runtime is replaced so that what the call hung off its globals goes
// too. The rest of the server, and every other session, goes on. One
// guard serves every application of a server.
type MemoryGuard struct {
	limit uint64
	log   zerolog.Logger

	mu      sync.Mutex
	engines []*Engine

	stop    chan struct{}
	done    chan struct{}
	stopped sync.Once

	interrupted atomic.Int64
}

// victimUnwind bounds the wait for a stopped call to end (an interrupt
// lands at its next JavaScript instruction, after any native call) before
// the guard may stop another.
const victimUnwind = 2 * time.Second

// guardTick is how often the heap is looked at: a loop that allocates
// gigabytes a second grows the heap by tens of megabytes between looks.
const guardTick = 10 * time.Millisecond

// NewMemoryGuard watches for a heap larger than limit bytes; it also asks
// Go's collector to work harder as the heap nears the limit
// (debug.SetMemoryLimit), so that garbage does not count against scripts.
func NewMemoryGuard(limit int64, log zerolog.Logger) *MemoryGuard {
	g := &MemoryGuard{limit: uint64(limit), log: log, stop: make(chan struct{}), done: make(chan struct{})}
	debug.SetMemoryLimit(limit + limit/4)
	go g.run()
	return g
}

// Limit is the heap size past which calls are stopped.
func (g *MemoryGuard) Limit() int64 { return int64(g.limit) }

// Interrupted counts the calls the guard stopped.
func (g *MemoryGuard) Interrupted() int64 { return g.interrupted.Load() }

func (g *MemoryGuard) add(e *Engine) {
	g.mu.Lock()
	g.engines = append(g.engines, e)
	g.mu.Unlock()
}

// Stop ends the watch.
func (g *MemoryGuard) Stop() {
	g.stopped.Do(func() {
		close(g.stop)
		<-g.done
	})
}

func (g *MemoryGuard) run() {
	defer close(g.done)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	tick := time.NewTicker(guardTick)
	defer tick.Stop()
	var victim *worker
	var victimStarted int64
	var stoppedAt time.Time
	heap := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	for {
		select {
		case <-g.stop:
			return
		case <-tick.C:
		}
		if victim != nil {
			if victim.busy.Load() && victim.started.Load() == victimStarted && time.Since(stoppedAt) < victimUnwind {
				continue // still unwinding; its memory is not free yet
			}
			victim = nil
		}
		if heap() <= g.limit {
			continue
		}
		// No call runs: there is nothing to stop, and a forced collection
		// every tick would only burn CPU (a heap that other things than
		// scripts keep past the limit, sessions by the million, stays there).
		w, started := g.longestRunning()
		if w == nil {
			continue
		}
		// Garbage counts in the heap until it is collected: only what a
		// collection leaves is held against the scripts.
		runtime.GC()
		if heap() <= g.limit {
			continue
		}
		// The collection took time: the call picked may have ended.
		if w, started = g.longestRunning(); w == nil {
			continue
		}
		victim, victimStarted, stoppedAt = w, started, time.Now()
		g.interrupted.Add(1)
		g.log.Warn().Str("app", w.engine.opts.App.Name).Uint64("heap", sample[0].Value.Uint64()).Uint64("limit", g.limit).
			Msg("heap past --js-max-memory: stopping the call that has run longest")
		w.interruptCall(started, ErrMemory)
	}
}

// longestRunning is the busy runtime whose call started first.
func (g *MemoryGuard) longestRunning() (*worker, int64) {
	g.mu.Lock()
	engines := append([]*Engine(nil), g.engines...)
	g.mu.Unlock()
	var best *worker
	var bestStarted int64
	for _, e := range engines {
		e.allMu.RLock()
		for _, w := range e.all {
			if s := w.started.Load(); w.busy.Load() && (best == nil || s < bestStarted) {
				best, bestStarted = w, s
			}
		}
		e.allMu.RUnlock()
	}
	return best, bestStarted
}
