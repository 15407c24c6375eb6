// Package controller is duplex's JavaScript engine: a pool of goja runtimes
// per application that share compiled programs, CommonJS require over the
// application's files, the mapping of HTTP requests and responses to Enonic
// XP's objects, method dispatch and the time limits on every call.
package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"duplex/lib"
	"duplex/websocket"
)

// AppInfo is what the global `app` shows scripts.
type AppInfo struct {
	Name    string
	Version string
	Config  map[string]any
}

// Options configure one application's engine.
type Options struct {
	// FS holds the application's resources; paths never leave it.
	FS  fs.FS
	App AppInfo
	// Descriptor, with Dev, names the file App was read from ("/app.json")
	// and ReadApp reads it again: an edit shows in `app` on the next call.
	Descriptor string
	ReadApp    func() (AppInfo, error)
	Libs       *lib.Registry
	// Workers is the number of runtimes; each holds its own module state.
	Workers int
	// Timeout bounds one controller call; a call waits at most twice this
	// for a free runtime before it fails with ErrBusy.
	Timeout time.Duration
	// MaxCallStack bounds JavaScript recursion.
	MaxCallStack int
	// MaxBody bounds the request body a controller may read.
	MaxBody int64
	// Bodies, when set, bounds the bytes of request bodies held at once by
	// every engine that shares it.
	Bodies *BodyBudget
	// Memory, when set, stops calls that run the heap past its limit, and
	// a single allocation by a built-in past a share of it is a RangeError.
	Memory *MemoryGuard
	// Dev shows stack traces on error pages.
	Dev bool
	// Hub holds the application's WebSocket sessions; nil disables upgrades.
	// Its cluster also carries the application's distributed events.
	Hub *websocket.Hub
	// EventQueue bounds the events waiting for main.js's listeners;
	// default DefaultEventQueue.
	EventQueue int
	Log        zerolog.Logger
}

// Engine runs one application's scripts.
type Engine struct {
	opts    Options
	log     zerolog.Logger
	workers chan *worker
	allMu   sync.RWMutex // all changes when a broken runtime is replaced
	all     []*worker
	// endpoints are the hosts WebSocket sessions were opened at.
	endpoints endpoints
	programs  sync.Map // module path -> *source, shared by every runtime
	// bodyBufs are the buffers JSON response bodies are serialized into,
	// given back once written (writeResponse).
	bodyBufs bodyBuffers
	// controllers and modules cache the answers of Controller (path
	// without extension -> file) and ResolveModule outside dev mode.
	controllers sync.Map
	modules     sync.Map
	unhandled   sync.Map  // controller path -> the *source warned of (checkSocketExports)
	reload      *reloader // nil unless Dev
	closing     atomic.Bool
	stopped     atomic.Bool // Stop ran
	stats       stats
	// main runs main.js and its event listeners; nil when the application
	// has no main.js.
	main   *mainLoop
	events eventStats
	// app is what the global `app` shows; a dev-mode reload may replace
	// it (Options.ReadApp).
	app   atomic.Pointer[AppInfo]
	appMu sync.Mutex
	// appGeneration is the reload generation app was read for.
	appGeneration uint64
}

// DefaultMaxBody is the largest request body read when Options.MaxBody is
// unset.
const DefaultMaxBody = 10 << 20

// The engine's other limits when Options leaves them zero.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxCallStack = 10000
)

// ErrTimeout is the cause of a call stopped by Options.Timeout.
var ErrTimeout = errors.New("controller timed out")

// ErrMemory is the cause of a call stopped because the heap passed
// --js-max-memory while it ran.
var ErrMemory = errors.New("script used more memory than allowed")

// ErrBusy is returned when no runtime became free within twice the timeout.
var ErrBusy = errors.New("no JavaScript worker free")

// ErrShutdown is the cause of calls stopped because the server is stopping.
var ErrShutdown = errors.New("server shutting down")

// New starts the runtimes of one application. Scripts are compiled lazily,
// once per engine, when a runtime first requires them.
func New(opts Options) (*Engine, error) {
	if opts.FS == nil {
		return nil, errors.New("controller: no application files")
	}
	// A zero (or negative) limit takes its default.
	opts.Workers = max(opts.Workers, 1)
	opts.Timeout = cmp.Or(max(opts.Timeout, 0), DefaultTimeout)
	opts.MaxCallStack = cmp.Or(max(opts.MaxCallStack, 0), DefaultMaxCallStack)
	opts.MaxBody = cmp.Or(max(opts.MaxBody, 0), DefaultMaxBody)
	opts.EventQueue = cmp.Or(max(opts.EventQueue, 0), DefaultEventQueue)
	e := &Engine{
		opts:    opts,
		log:     opts.Log.With().Str("app", opts.App.Name).Logger(),
		workers: make(chan *worker, opts.Workers),
	}
	e.app.Store(&opts.App)
	if opts.Dev {
		e.reload = &reloader{}
		if opts.Descriptor != "" && opts.ReadApp != nil {
			e.reload.remember(opts.FS, opts.Descriptor)
		}
	}
	if opts.Memory != nil {
		opts.Memory.add(e)
	}
	for i := 0; i < opts.Workers; i++ {
		w, err := newWorker(e)
		if err != nil {
			return nil, err
		}
		e.all = append(e.all, w)
		e.workers <- w
	}
	if main, ok := e.Controller(mainScript); ok {
		w, err := newWorker(e)
		if err != nil {
			return nil, err
		}
		// In all, so that shutdown and the memory guard reach its calls.
		e.all = append(e.all, w)
		e.main = newMainLoop(e, w, main, opts.EventQueue)
		if opts.Hub != nil {
			opts.Hub.OnEvent(e.received)
		}
		go e.main.run()
	}
	return e, nil
}

// App describes the application this engine runs.
func (e *Engine) App() AppInfo { return *e.app.Load() }

// rereadApp reads the application's descriptor again for reload
// generation gen, once whichever runtime notices first. The name stays:
// routes, groups and the cluster know the application by it.
func (e *Engine) rereadApp(gen uint64) {
	if e.opts.ReadApp == nil {
		return
	}
	e.appMu.Lock()
	defer e.appMu.Unlock()
	if gen <= e.appGeneration {
		return
	}
	e.appGeneration = gen
	e.reload.remember(e.opts.FS, e.opts.Descriptor)
	info, err := e.opts.ReadApp()
	if err != nil {
		e.log.Error().Err(err).Msg("the application's descriptor could not be read again; its old configuration stays")
		return
	}
	old := e.App()
	if info.Name != "" && info.Name != old.Name {
		e.log.Warn().Str("name", info.Name).Msg("the application's name changed: that takes a restart; the new version and configuration apply now")
	}
	info.Name = old.Name
	e.app.Store(&info)
}

// Exists reports whether the application has the file p ("/a/b.js").
// Outside dev mode a script already compiled needs no file system call
// (routing asks this for every request: it cost two openat and a stat);
// dev mode asks the disk, which may have changed since.
func (e *Engine) Exists(p string) bool {
	if e.reload == nil && e.compiled(p) {
		return true
	}
	info, err := fs.Stat(e.opts.FS, p[1:])
	return err == nil && info.Mode().IsRegular()
}

// run borrows a runtime, runs fn on it under the call's time limit, with
// call as what modules see of the invocation, and gives the runtime back
// clean. fn must not keep goja values past its return.
// Waiting for a free runtime is bounded by the same duration but does not
// count against the call: a request queued behind a slow one still gets its
// whole budget.
func (e *Engine) run(ctx context.Context, call *lib.Call, fn func(w *worker) error) (err error) {
	e.stats.calls.Add(1)
	defer func() { e.stats.record(err) }()
	w, err := e.borrow(ctx)
	if err != nil {
		return err
	}
	// The pool gets w as it is when the call ends: a broken runtime is
	// replaced by then.
	defer func() { e.workers <- w }()
	w, _, err = e.exec(ctx, w, call, fn)
	return err
}

// exec runs fn on w, which the caller owns, under the call's time limit,
// and returns the runtime to use from now on: w, or the new runtime that
// replaced it (replaced) when the call left w not to be trusted.
func (e *Engine) exec(ctx context.Context, w *worker, call *lib.Call, fn func(w *worker) error) (_ *worker, replaced bool, err error) {
	// busy is cleared on the runtime the call ran on, replaced or not: the
	// memory guard waits for it.
	w.busy.Store(true)
	defer w.busy.Store(false)
	if e.closing.Load() {
		return w, false, ErrShutdown
	}
	now := monoNow()
	w.arm(ctx, now, e.opts.Timeout)
	w.started.Store(now)
	if e.reload != nil {
		if gen := e.reload.check(e.opts.FS, &e.programs); gen != w.generation {
			w.reloaded(gen)
		}
	}
	w.call = call
	kept := w.stack.prime()
	err, broken := guarded(w, fn)
	if kept {
		w.stack.release()
	}
	if broken {
		// goja's state after a Go panic inside it is not to be trusted (the
		// next call on it answered an empty 200, or timed out): the
		// runtime is dropped and a new one takes its place.
		w.disarm()
		var p *PanicError
		errors.As(err, &p)
		e.log.Error().Str("panic", fmt.Sprint(p.Value)).Str("stack", string(p.Stack)).Msg("a built-in module or the engine panicked; the call failed and its runtime is replaced")
		return e.replace(w), true, err
	}
	w.finishFrom(0)
	w.call = nil
	w.disarm()
	err = classify(err)
	if errors.Is(err, ErrMemory) || w.wedged(err) {
		// What the call built may hang off the runtime's globals: a new
		// runtime lets all of it go. A wedged one runs no promise job
		// again.
		return e.replace(w), true, err
	}
	return w, false, err
}

// PanicError is a call that a Go panic stopped. Its text is all a client
// sees; the value and the stack go to the log.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return "internal error" }

// guarded runs fn, turning a panic into a PanicError; broken says that
// happened.
func guarded(w *worker, fn func(*worker) error) (err error, broken bool) {
	defer func() {
		if v := recover(); v != nil {
			err, broken = &PanicError{Value: v, Stack: debug.Stack()}, true
		}
	}()
	return fn(w), false
}

// replace puts a new runtime in old's place; old is never used again. When
// no new one can be made, old goes back, which is still better than a
// pool one worker short forever.
func (e *Engine) replace(old *worker) *worker {
	fresh, err := newWorker(e)
	if err != nil {
		e.log.Error().Err(err).Msg("could not make a new JavaScript runtime; the old one is kept")
		old.forget(old.generation)
		old.call = nil
		return old
	}
	e.allMu.Lock()
	for i, w := range e.all {
		if w == old {
			e.all[i] = fresh
		}
	}
	e.allMu.Unlock()
	old.retire()
	return fresh
}

func (e *Engine) borrow(ctx context.Context) (*worker, error) {
	select {
	case w := <-e.workers:
		return w, nil
	default:
	}
	// Twice the call budget: a call that started just before this one and
	// runs into the timeout still needs time to unwind (an interrupt lands
	// at its next JavaScript instruction, after any native call). Waiting
	// only one budget made such a waiter fail by a hair, under load.
	wait, cancel := context.WithTimeoutCause(ctx, 2*e.opts.Timeout, ErrBusy)
	defer cancel()
	select {
	case w := <-e.workers:
		return w, nil
	case <-wait.Done():
		return nil, context.Cause(wait)
	}
}

// Abort interrupts every running call and makes later calls fail with
// ErrShutdown: what shutdown does when its time is up.
func (e *Engine) Abort() {
	e.closing.Store(true)
	e.allMu.RLock()
	defer e.allMu.RUnlock()
	for _, w := range e.all {
		if w.busy.Load() {
			w.stop(ErrShutdown)
		}
	}
}

// classify turns goja's uncatchable errors into the causes callers act on.
func classify(err error) error {
	if err == nil {
		// errors.As would cost the target's allocation on every call.
		return nil
	}
	var interrupted *goja.InterruptedError
	if errors.As(err, &interrupted) {
		if cause, ok := interrupted.Value().(error); ok {
			return &stoppedError{cause: cause, detail: interrupted.Error()}
		}
	}
	return err
}

// stoppedError is a call interrupted for cause; its text says where the
// script was when it was stopped.
type stoppedError struct {
	cause  error
	detail string
}

func (e *stoppedError) Error() string { return e.detail }
func (e *stoppedError) Unwrap() error { return e.cause }

// Stop runs what scripts asked to run when the application stops: it ends
// main.js's listeners (what is still queued for them is dropped, counted)
// and runs the disposers (`__.disposer`) of every runtime. The server calls
// it once requests and sessions are over, before it interrupts what still
// runs; ctx bounds the waits. Later calls do nothing.
func (e *Engine) Stop(ctx context.Context) error {
	if e.stopped.Swap(true) {
		return nil
	}
	var err error
	if e.main != nil {
		if e.opts.Hub != nil {
			e.opts.Hub.OnEvent(nil)
		}
		err = e.main.shutdown(ctx)
	}
	held := make([]*worker, 0, e.opts.Workers)
	defer func() {
		for _, w := range held {
			e.workers <- w
		}
	}()
	for range e.opts.Workers {
		select {
		case w := <-e.workers:
			w, _, _ = e.exec(context.Background(), w, nil, func(w *worker) error { w.dispose(); return nil })
			held = append(held, w)
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		}
	}
	return err
}

// Close stops the application's scripts (Stop, if not done yet) and
// releases the runtimes once every call has finished.
func (e *Engine) Close(ctx context.Context) error {
	err := e.Stop(ctx)
	if e.main != nil {
		select {
		case <-e.main.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for range e.opts.Workers {
		select {
		case w := <-e.workers:
			w.retire()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}
