package controller

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"

	"duplex/lib"
)

// worker is one goja runtime with its own module cache. Only the goroutine
// that borrowed it from the engine may touch it.
type worker struct {
	engine  *Engine
	vm      *goja.Runtime
	modules map[string]*goja.Object // resolved path -> module object
	libs    map[string]goja.Value   // built-in module exports
	// resolved caches module path -> file, so that a require of a loaded
	// module costs no file system calls.
	resolved map[string]string
	call     *lib.Call
	env      *lib.Env
	// deferred runs when the current call ends (lib.Env.Defer).
	deferred []func()
	// started is when the current (or last) call began, in monoNow's
	// nanoseconds: its deadline for lib.Env.Deadline, and the memory
	// guard's way of telling the longest-running call. It is left as it is
	// between calls (busy tells): one store per call, not two.
	started   atomic.Int64
	jsonParse goja.Callable
	// json is the guarded JSON.stringify, as it was before any script
	// could replace the global.
	json   *jsonStringifier
	bridge *goja.Object // the `__` every module gets
	// frames is callerFrame's buffer.
	frames []goja.StackFrame
	// disposers are what `__.disposer` registered, by the script that did
	// (XP keeps one per script): run when the runtime's modules are
	// dropped, at a dev-mode reload or when the server stops.
	disposers map[string]goja.Callable
	// tagged caches each module's `log` and `console`, which name it:
	// modules evaluated afresh for every event (Dirigible's handlers) must
	// not build them each time.
	tagged map[string]taggedLoggers
	// exportFns caches the callables of scripts' exported handlers
	// (exportFn).
	exportFns map[exportKey]cachedFn
	// args is the argument list of a webSocketEvent call.
	args [1]goja.Value
	// generation is the dev-mode reload generation the caches belong to.
	generation uint64
	// busy is set while a call runs, so that Abort interrupts only those.
	busy     atomic.Bool
	watchdog watchdog
	// stack is kept from call to call (vmStack).
	stack vmStack
	// stopping is set with every Runtime.Interrupt of the current call, for
	// native code that must notice it (goja's own only checks between
	// instructions); disarm clears it.
	stopping atomic.Bool
}

// deadline is when the current call's time limit interrupts it; zero
// between calls.
func (w *worker) deadline() time.Time {
	started := w.started.Load()
	if started == 0 || !w.busy.Load() {
		return time.Time{}
	}
	// Both clocks from one reading: the start, on the wall clock, is now
	// less the time since.
	now := time.Now()
	since := now.Sub(clockBase) - time.Duration(started)
	return now.Add(w.engine.opts.Timeout - since)
}

// finishFrom runs, most recent first, what was deferred since mark, and
// forgets it: the end of a call (mark 0), or of a call nested in it.
func (w *worker) finishFrom(mark int) {
	for i := len(w.deferred) - 1; i >= mark; i-- {
		fn := w.deferred[i]
		w.deferred[i] = nil
		fn()
	}
	w.deferred = w.deferred[:mark]
}

// reloaded drops what the runtime evaluated once the files changed (dev
// mode): its disposers run first, as XP runs them when it invalidates an
// application, and main.js is told to run again.
func (w *worker) reloaded(generation uint64) {
	w.dispose()
	w.forget(generation)
	w.engine.rereadApp(generation)
	_ = w.vm.Set("app", w.appObject())
	if m := w.engine.main; m != nil {
		m.poke()
	}
}

// forget drops every evaluated module, so that the next require runs the
// files as they are now (dev mode).
func (w *worker) forget(generation uint64) {
	w.modules = map[string]*goja.Object{}
	w.resolved = map[string]string{}
	w.exportFns = nil
	w.generation = generation
}

// source is a compiled module, shared by all runtimes of an engine.
type source struct {
	program *goja.Program // nil for JSON
	json    string
}

// moduleWrapperHead mirrors XP's ScriptExecutorImpl so that scripts see the
// same free variables; esbuild adds it (transform.go), and its source map
// keeps positions those of the file.
// console comes last: Eclipse Dirigible's scripts log with it, and XP's
// never name it, so it shifts nothing they rely on.
const moduleWrapperHead = "(function(log, require, resolve, __, exports, module, console) {"

func newWorker(e *Engine) (*worker, error) {
	vm := goja.New()
	vm.SetMaxCallStackSize(e.opts.MaxCallStack)
	w := &worker{engine: e, vm: vm, modules: map[string]*goja.Object{}, libs: map[string]goja.Value{}, resolved: map[string]string{}, tagged: map[string]taggedLoggers{}}
	w.env = &lib.Env{
		VM: vm, Log: e.log,
		Call:     func() *lib.Call { return w.call },
		Require:  w.requireBuiltin,
		Defer:    func(fn func()) { w.deferred = append(w.deferred, fn) },
		Deadline: w.deadline,
		JSON:     w.marshal,
		Events:   bus{e},
	}
	w.stack = newVMStack(vm)
	// How goja stores plain objects, read once for both directions.
	props := newPlainProps(vm)
	parse, err := guardJSONParse(vm, props)
	if err != nil {
		return nil, err
	}
	var maxString int64
	if m := e.opts.Memory; m != nil {
		limits := newAllocLimits(m.Limit(), e.opts.Timeout)
		if err := guardAllocations(vm, limits); err != nil {
			return nil, err
		}
		maxString = limits.maxString
	}
	w.jsonParse = parse
	stringify, err := guardJSONStringify(vm, &w.stopping, maxString, props)
	if err != nil {
		return nil, err
	}
	w.json = stringify
	if err := vm.Set("app", w.appObject()); err != nil {
		return nil, err
	}
	// Scripts written for XP run in one global per app; `log` and `resolve`
	// are also globals there for code outside modules (rare, but cheap).
	global := w.loggers("/")
	if err := vm.Set("log", global.log); err != nil {
		return nil, err
	}
	if err := vm.Set("console", global.console); err != nil {
		return nil, err
	}
	w.bridge = w.bridgeObject()
	return w, nil
}

func (w *worker) appObject() *goja.Object {
	info := w.engine.App()
	o := w.vm.NewObject()
	_ = o.Set("name", info.Name)
	_ = o.Set("version", info.Version)
	cfg := info.Config
	if cfg == nil {
		cfg = map[string]any{}
	}
	_ = o.Set("config", w.vm.ToValue(cfg))
	return o
}

// require loads the module that spec names, as seen from the module in dir.
// Built-in modules registered under a bare name (Dirigible's
// "net/websockets", "core/context") are found before the application's
// files; XP's "/lib/xp/..." paths after resolving spec.
func (w *worker) require(dir, spec string) (goja.Value, error) {
	if v, ok, err := w.builtin(spec); ok {
		return v, err
	}
	p, err := joinModulePath(dir, spec)
	if err != nil {
		return nil, fmt.Errorf("require(%q): %w", spec, err)
	}
	if v, ok, err := w.builtin(p); ok {
		return v, err
	}
	file, ok := w.resolved[p]
	if !ok {
		file, err = findModule(w.engine.opts.FS, p)
		if err != nil {
			// Dirigible names modules from the registry root, project
			// first ("my-project/lib/util"): a bare path that starts with
			// this application's name also means a file of its own.
			own, found := w.engine.projectPath(spec)
			if !found {
				return nil, fmt.Errorf("require(%q): %w", spec, err)
			}
			if file, err = findModule(w.engine.opts.FS, own); err != nil {
				return nil, fmt.Errorf("require(%q): %w", spec, err)
			}
		}
		w.resolved[p] = file
	}
	return w.load(file)
}

// builtin instantiates the built-in module registered at p, once per
// runtime; ok is false when there is none.
func (w *worker) builtin(p string) (v goja.Value, ok bool, err error) {
	if v, ok := w.libs[p]; ok {
		return v, true, nil
	}
	m, ok := w.engine.opts.Libs.Lookup(p)
	if !ok {
		return nil, false, nil
	}
	v, err = m.Instantiate(w.env)
	if err != nil {
		return nil, true, fmt.Errorf("require(%q): %w", p, err)
	}
	w.libs[p] = v
	return v, true, nil
}

// requireBuiltin is lib.Env.Require.
func (w *worker) requireBuiltin(p string) (goja.Value, error) {
	v, ok, err := w.builtin(p)
	if !ok {
		return nil, fmt.Errorf("no built-in module %s", p)
	}
	return v, err
}

// projectPath reads spec as Dirigible's project-relative module path
// ("my-project/lib/util", "/my-project/lib/util") of this application and
// returns the path inside it.
func (e *Engine) projectPath(spec string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(spec, "/"), e.opts.App.Name+"/")
	if !ok {
		return "", false
	}
	p, err := joinModulePath("/", rest)
	return p, err == nil
}

// load evaluates the module in file once per runtime.
func (w *worker) load(file string) (goja.Value, error) {
	if m, ok := w.modules[file]; ok {
		return m.Get("exports"), nil
	}
	return w.evaluate(file, true)
}

// loadFresh evaluates the module in file anew, as Eclipse Dirigible runs a
// handler or service module for every event: code at its top level (a
// script that asks net/websockets.getMethod()) runs each time, and its
// module-level variables do not survive. What it requires is cached as
// usual.
func (w *worker) loadFresh(file string) (goja.Value, error) { return w.evaluate(file, false) }

func (w *worker) evaluate(file string, cache bool) (goja.Value, error) {
	src, err := w.engine.compile(file)
	if err != nil {
		return nil, err
	}
	if src.program == nil {
		v, err := w.jsonParse(goja.Undefined(), w.vm.ToValue(src.json))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if cache {
			module := w.vm.NewObject()
			_ = module.Set("exports", v)
			w.modules[file] = module
		}
		return v, nil
	}
	fnv, err := w.vm.RunProgram(src.program)
	if err != nil {
		return nil, err
	}
	fn, ok := goja.AssertFunction(fnv)
	if !ok {
		return nil, fmt.Errorf("%s: module wrapper is not a function", file)
	}
	exports := w.vm.NewObject()
	module := w.vm.NewObject()
	_ = module.Set("id", w.engine.opts.App.Name+":"+file)
	_ = module.Set("exports", exports)
	// Cached before it runs, so that a require cycle sees the partial
	// exports instead of recursing forever (as in Node).
	if cache {
		w.modules[file] = module
	}
	dir := path.Dir(file)
	tags := w.loggers(file)
	_, err = fn(exports,
		tags.log,
		w.named("require", w.requireFunc(dir)),
		w.named("resolve", w.resolveFunc(dir)),
		w.bridge,
		exports,
		module,
		tags.console,
	)
	if err != nil {
		if cache {
			delete(w.modules, file)
		}
		return nil, err
	}
	result := module.Get("exports")
	adoptDefault(result)
	return result, nil
}

// adoptDefault lets an ES module's `export default { get, webSocketEvent }`
// serve as its handlers: the engine looks them up by name on the exports,
// so a default object's members are also set there, where no export of the
// same name exists.
func adoptDefault(exports goja.Value) {
	o, ok := exports.(*goja.Object)
	if !ok || o.Get("__esModule") == nil || !o.Get("__esModule").ToBoolean() {
		return
	}
	def, ok := o.Get("default").(*goja.Object)
	if !ok {
		return
	}
	for _, k := range def.Keys() {
		if o.Get(k) == nil {
			_ = o.Set(k, def.Get(k))
		}
	}
}

// named makes fn a function whose name, in stack traces too, is name
// rather than the Go closure's.
func (w *worker) named(name string, fn func(goja.FunctionCall) goja.Value) goja.Value {
	v := w.vm.ToValue(fn)
	_ = v.(*goja.Object).DefineDataProperty("name", w.vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	return v
}

func (w *worker) requireFunc(dir string) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value {
		if len(c.Arguments) != 1 {
			panic(w.vm.NewTypeError("require(..) must have one parameter"))
		}
		spec := c.Argument(0).String()
		v, err := w.require(dir, spec)
		if err != nil {
			var jsErr *goja.Exception
			if errors.As(err, &jsErr) {
				panic(jsErr)
			}
			var stopped *goja.InterruptedError
			if errors.As(err, &stopped) {
				panic(stopped)
			}
			panic(w.requireError(spec, err))
		}
		return v
	}
}

// requireError is the JavaScript error a failed require throws: a
// SyntaxError where the module was written wrong, else an Error that says
// where the require is and, for a module not found, where it looked.
func (w *worker) requireError(spec string, err error) *goja.Object {
	var syntax *SyntaxError
	if errors.As(err, &syntax) {
		return w.newError("SyntaxError", syntax.File+":"+strconv.Itoa(syntax.Line)+":"+strconv.Itoa(syntax.Column)+": "+syntax.Message)
	}
	// Node's words, and where: an import's position is its specifier.
	msg := "Cannot find module '" + spec + "'"
	if at := w.callerPosition(); at != "" {
		msg += " from " + at
	}
	var missing *ModuleNotFoundError
	if errors.As(err, &missing) {
		msg += "; tried " + missing.tried() +
			". Modules are files of the application or duplex's built-ins (" + strings.Join(w.engine.opts.Libs.Paths(), ", ") + "); there is no node_modules"
	} else {
		msg += ": " + err.Error()
	}
	return w.newError("Error", msg)
}

// newError makes an instance of the global error constructor named ctor.
func (w *worker) newError(ctor, msg string) *goja.Object {
	c, ok := goja.AssertConstructor(w.vm.Get(ctor))
	if !ok {
		return w.vm.NewGoError(errors.New(msg))
	}
	o, err := c(nil, w.vm.ToValue(msg))
	if err != nil {
		return w.vm.NewGoError(errors.New(msg))
	}
	return o
}

// callerPosition is file:line:column of the script that called the native
// function now running, "" when no script did.
func (w *worker) callerPosition() string {
	f, ok := w.callerFrame()
	if !ok {
		return ""
	}
	p := f.Position()
	return p.Filename + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column)
}

// callerFrame is the innermost frame of a script: the caller of the
// native function now running. Every log line asks for it, so the frames
// go into a buffer the runtime keeps.
func (w *worker) callerFrame() (goja.StackFrame, bool) {
	w.frames = w.vm.CaptureCallStack(4, w.frames[:0])
	for _, f := range w.frames {
		if f.Position().Filename != "" { // not a native function's frame
			return f, true
		}
	}
	return goja.StackFrame{}, false
}

func (w *worker) resolveFunc(dir string) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value {
		p, err := joinModulePath(dir, c.Argument(0).String())
		if err != nil {
			panic(w.vm.NewGoError(err))
		}
		return w.vm.ToValue(p)
	}
}

// compile reads and compiles file once per engine.
func (e *Engine) compile(file string) (*source, error) {
	if s, ok := e.programs.Load(file); ok {
		return s.(*source), nil
	}
	// The stamp is taken before the file is read: an edit landing while it
	// compiles (esbuild takes milliseconds) then differs from it, and the
	// next call compiles again. Taken after, it matched the edit while the
	// program held the old text, until the next edit.
	var stamp fileStamp
	if e.reload != nil {
		stamp, _ = stampOf(e.opts.FS, file)
	}
	data, err := fs.ReadFile(e.opts.FS, file[1:])
	if err != nil {
		return nil, err
	}
	var s *source
	if strings.HasSuffix(file, ".json") {
		s = &source{json: string(data)}
	} else {
		code, err := transform(file, data)
		if err != nil {
			return nil, err
		}
		prg, err := goja.Compile(file, code, true)
		if err != nil {
			return nil, err
		}
		s = &source{program: prg}
	}
	if e.reload != nil {
		e.reload.record(file, stamp)
	}
	actual, _ := e.programs.LoadOrStore(file, s)
	return actual.(*source), nil
}
