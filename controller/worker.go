package controller

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync/atomic"

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
	resolved  map[string]string
	call      *lib.Call
	env       *lib.Env
	jsonParse goja.Callable
	bridge    *goja.Object // the `__` every module gets
	// generation is the dev-mode reload generation the caches belong to.
	generation uint64
	// busy is set while a call runs, so that Abort interrupts only those.
	busy     atomic.Bool
	watchdog watchdog
}

// forget drops every evaluated module, so that the next require runs the
// files as they are now (dev mode).
func (w *worker) forget(generation uint64) {
	w.modules = map[string]*goja.Object{}
	w.resolved = map[string]string{}
	w.generation = generation
}

var errNoJSONParse = errors.New("controller: JSON.parse missing")

// source is a compiled module, shared by all runtimes of an engine.
type source struct {
	program *goja.Program // nil for JSON
	json    string
}

// moduleWrapper mirrors XP's ScriptExecutorImpl so that scripts see the same
// free variables; the source starts on the wrapper's line so that line
// numbers in stack traces match the file.
const moduleWrapperHead = "(function(log, require, resolve, __, exports, module) { "

func newWorker(e *Engine) (*worker, error) {
	vm := goja.New()
	vm.SetMaxCallStackSize(e.opts.MaxCallStack)
	w := &worker{engine: e, vm: vm, modules: map[string]*goja.Object{}, libs: map[string]goja.Value{}, resolved: map[string]string{}}
	w.env = &lib.Env{VM: vm, Log: e.log, Call: func() *lib.Call { return w.call }}
	parse, err := guardJSONParse(vm)
	if err != nil {
		return nil, err
	}
	w.jsonParse = parse
	if err := vm.Set("app", w.appObject()); err != nil {
		return nil, err
	}
	// Scripts written for XP run in one global per app; `log` and `resolve`
	// are also globals there for code outside modules (rare, but cheap).
	if err := vm.Set("log", w.logObject("/")); err != nil {
		return nil, err
	}
	w.bridge = w.bridgeObject()
	return w, nil
}

func (w *worker) appObject() *goja.Object {
	info := w.engine.opts.App
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

// bridgeObject is a small stand-in for XP's Java bridge `__`: libraries
// written for XP call its conversion helpers, which are identities here.
func (w *worker) bridgeObject() *goja.Object {
	o := w.vm.NewObject()
	identity := func(c goja.FunctionCall) goja.Value { return c.Argument(0) }
	for _, name := range []string{"toNativeObject", "toScriptValue", "nullOrValue"} {
		_ = o.Set(name, identity)
	}
	_ = o.Set("newBean", func(c goja.FunctionCall) goja.Value {
		panic(w.vm.NewTypeError("__.newBean(%s): Java beans do not exist in duplex", c.Argument(0).String()))
	})
	_ = o.Set("disposer", func(goja.FunctionCall) goja.Value { return goja.Undefined() })
	return o
}

// require loads the module that spec names, as seen from the module in dir.
func (w *worker) require(dir, spec string) (goja.Value, error) {
	p, err := joinModulePath(dir, spec)
	if err != nil {
		return nil, fmt.Errorf("require(%q): %w", spec, err)
	}
	if v, ok := w.libs[p]; ok {
		return v, nil
	}
	if m, ok := w.engine.opts.Libs.Lookup(p); ok {
		v, err := m.Instantiate(w.env)
		if err != nil {
			return nil, fmt.Errorf("require(%q): %w", spec, err)
		}
		w.libs[p] = v
		return v, nil
	}
	file, ok := w.resolved[p]
	if !ok {
		file, err = findModule(w.engine.opts.FS, p)
		if err != nil {
			return nil, fmt.Errorf("require(%q): %w", spec, err)
		}
		w.resolved[p] = file
	}
	return w.load(file)
}

// load evaluates the module in file once per runtime.
func (w *worker) load(file string) (goja.Value, error) {
	if m, ok := w.modules[file]; ok {
		return m.Get("exports"), nil
	}
	src, err := w.engine.compile(file)
	if err != nil {
		return nil, err
	}
	if src.program == nil {
		v, err := w.jsonParse(goja.Undefined(), w.vm.ToValue(src.json))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		module := w.vm.NewObject()
		_ = module.Set("exports", v)
		w.modules[file] = module
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
	w.modules[file] = module
	dir := path.Dir(file)
	_, err = fn(exports,
		w.logObject(file),
		w.vm.ToValue(w.requireFunc(dir)),
		w.vm.ToValue(w.resolveFunc(dir)),
		w.bridge,
		exports,
		module,
	)
	if err != nil {
		delete(w.modules, file)
		return nil, err
	}
	return module.Get("exports"), nil
}

func (w *worker) requireFunc(dir string) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value {
		if len(c.Arguments) != 1 {
			panic(w.vm.NewTypeError("require(..) must have one parameter"))
		}
		v, err := w.require(dir, c.Argument(0).String())
		if err != nil {
			var jsErr *goja.Exception
			if errors.As(err, &jsErr) {
				panic(jsErr)
			}
			var stopped *goja.InterruptedError
			if errors.As(err, &stopped) {
				panic(stopped)
			}
			panic(w.vm.NewGoError(err))
		}
		return v
	}
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
	data, err := fs.ReadFile(e.opts.FS, file[1:])
	if err != nil {
		return nil, err
	}
	var s *source
	if strings.HasSuffix(file, ".json") {
		s = &source{json: string(data)}
	} else {
		prg, err := goja.Compile(file, moduleWrapperHead+string(data)+"\n})", true)
		if err != nil {
			return nil, err
		}
		s = &source{program: prg}
	}
	if e.reload != nil {
		e.reload.remember(e.opts.FS, file)
	}
	actual, _ := e.programs.LoadOrStore(file, s)
	return actual.(*source), nil
}
