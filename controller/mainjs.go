package controller

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/dop251/goja"

	"duplex/lib"
)

// mainScript is XP's application lifecycle script (main.js, or main.ts):
// it runs once when the application starts, and registers the event
// listeners and disposers.
const mainScript = "/main"

// mainLoop runs main.js and then the event listeners it registered on a
// runtime of their own, one event at a time, in the order sent: XP runs
// both on one background thread per application. Listeners are closures
// of that runtime, so they could not run on the pooled runtimes that serve
// requests (each holds its own module state), and a request never waits
// behind them.
type mainLoop struct {
	e        *Engine
	script   string // main.js, or its TypeScript or ES module twin
	queue    chan queued
	wake     chan struct{} // a dev-mode reload asks main.js to run again
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
	// env is the current runtime's, so that event.listener can tell
	// whether it was called from it.
	env atomic.Pointer[lib.Env]

	// Owned by the loop's goroutine.
	w          *worker
	listeners  []lib.Listener
	generation uint64
	// lost is set when a call left the runtime to be replaced: its
	// listeners went with it.
	lost bool
}

func newMainLoop(e *Engine, w *worker, script string, queue int) *mainLoop {
	m := &mainLoop{
		e:      e,
		script: script,
		queue:  make(chan queued, queue),
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		w:      w,
	}
	m.env.Store(w.env)
	return m
}

// enqueue reports false when the queue is full; it never waits.
func (m *mainLoop) enqueue(q queued) bool {
	select {
	case m.queue <- q:
		return true
	default:
		return false
	}
}

// poke tells the loop the files changed (dev mode).
func (m *mainLoop) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *mainLoop) run() {
	defer close(m.done)
	m.start()
	for {
		// Stopping first: what is still queued then is dropped, counted.
		select {
		case <-m.stop:
			m.finish()
			return
		default:
		}
		select {
		case <-m.stop:
			m.finish()
			return
		case <-m.wake:
			m.reloadIfChanged()
		case q := <-m.queue:
			m.reloadIfChanged()
			m.deliver(q)
		}
	}
}

// start runs main.js on the loop's runtime.
func (m *mainLoop) start() {
	m.listeners = nil
	m.lost = false
	err := m.call(nil, func(w *worker) error {
		_, err := w.load(m.script)
		return err
	})
	if err != nil {
		m.e.log.Error().Str("error", describe(err).message).Int("listeners", len(m.listeners)).Msg("main.js failed; the listeners it registered before failing stay")
	}
	if m.lost {
		// Running it again could fail the same way, forever.
		m.e.log.Error().Msg("main.js broke its runtime; it runs with no listeners until the application restarts")
		m.listeners = nil
	}
}

// call runs fn on the loop's runtime as the engine runs every call:
// --js-timeout, the memory guard and shutdown stop it.
func (m *mainLoop) call(call *lib.Call, fn func(*worker) error) (err error) {
	e := m.e
	e.stats.calls.Add(1)
	defer func() { e.stats.record(err) }()
	w, replaced, err := e.exec(context.Background(), m.w, call, fn)
	if replaced {
		m.w = w
		m.env.Store(w.env)
		m.lost = true
	}
	return err
}

// deliver runs the listeners that want q, each as a call of its own: one
// that throws or runs out of time is logged and the others still run.
func (m *mainLoop) deliver(q queued) {
	for _, l := range m.listeners {
		if l.LocalOnly && !q.local || !l.Type.MatchString(q.typ) {
			continue
		}
		// An event every node handles may act on this node's sockets only,
		// or each would hear it once per node.
		call := &lib.Call{ThisNodeOnly: q.distributed}
		err := m.call(call, func(w *worker) error {
			ev, err := w.jsonParse(goja.Undefined(), w.vm.ToValue(string(q.event)))
			if err != nil {
				return err
			}
			if q.local {
				_ = ev.ToObject(w.vm).Set("localOrigin", true)
			}
			_, err = w.settle(l.Callback(goja.Undefined(), ev))
			return err
		})
		if err != nil {
			m.e.log.Error().Str("type", q.typ).Str("error", describe(err).message).Msg("event listener failed")
		}
		if m.lost {
			// The listeners lived in the runtime that was replaced.
			m.e.log.Warn().Msg("the runtime of main.js was replaced after a listener broke it; main.js runs again")
			m.start()
			return
		}
	}
}

// reloadIfChanged runs main.js again on a fresh runtime when the files
// changed (dev mode), after the old one's disposers.
func (m *mainLoop) reloadIfChanged() {
	e := m.e
	if e.reload == nil {
		return
	}
	gen := e.reload.check(e.opts.FS, &e.programs)
	if gen == m.generation {
		return
	}
	_ = m.call(nil, func(w *worker) error { w.dispose(); return nil })
	e.rereadApp(gen)
	m.w = e.replace(m.w)
	m.w.generation = gen
	m.env.Store(m.w.env)
	m.generation = gen
	e.log.Info().Msg("files changed: main.js runs again")
	m.start()
}

// finish drops what is still queued and runs the disposers.
func (m *mainLoop) finish() {
	if n := len(m.queue); n > 0 {
		m.e.events.stopping.Add(int64(n))
		m.e.log.Warn().Int("events", n).Msg("application stopping: events still queued for the listeners of main.js were dropped (counted in duplex_js_events_dropped_total)")
	}
	_ = m.call(nil, func(w *worker) error { w.dispose(); return nil })
}

// shutdown stops the loop once the current listener returns; ctx bounds
// the wait.
func (m *mainLoop) shutdown(ctx context.Context) error {
	m.stopOnce.Do(func() { close(m.stop) })
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
