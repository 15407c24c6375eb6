// Package libtest runs built-in modules in a bare goja runtime, without an
// engine or a server, so that each module's tests see only the module.
package libtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"duplex/lib"
)

// Runtime is one runtime with some modules, and the call it is running.
type Runtime struct {
	t       testing.TB
	VM      *goja.Runtime
	Env     *lib.Env
	Current *lib.Call // what env.Call() returns; nil between calls
	// Deadline is what env.Deadline() answers.
	Deadline time.Time
	libs     *lib.Registry
	cache    map[string]goja.Value
	deferred []func()
}

// New returns a runtime where `require(path)` reaches mods only.
func New(t testing.TB, mods ...lib.Module) *Runtime {
	r := &Runtime{t: t, VM: goja.New(), libs: lib.NewRegistry(mods...), cache: map[string]goja.Value{}}
	r.Env = &lib.Env{
		VM: r.VM, Log: zerolog.Nop(),
		Call:     func() *lib.Call { return r.Current },
		Require:  r.require,
		Defer:    func(fn func()) { r.deferred = append(r.deferred, fn) },
		Deadline: func() time.Time { return r.Deadline },
		JSON: func(v goja.Value) ([]byte, error) {
			if o, ok := v.(*goja.Object); ok {
				return o.MarshalJSON()
			}
			return []byte(v.String()), nil
		},
	}
	_ = r.VM.Set("require", func(c goja.FunctionCall) goja.Value {
		v, err := r.require(c.Argument(0).String())
		if err != nil {
			panic(r.VM.NewGoError(err))
		}
		return v
	})
	return r
}

func (r *Runtime) require(p string) (goja.Value, error) {
	if v, ok := r.cache[p]; ok {
		return v, nil
	}
	m, ok := r.libs.Lookup(p)
	if !ok {
		return nil, fmt.Errorf("no module %s", p)
	}
	v, err := m.Instantiate(r.Env)
	if err != nil {
		return nil, err
	}
	r.cache[p] = v
	return v, nil
}

// Call runs src as one call (call may be nil: a fresh one) and returns its
// completion value; what the call deferred runs at its end, as the engine
// does. A script error fails the test.
func (r *Runtime) Call(call *lib.Call, src string) goja.Value {
	r.t.Helper()
	v, err := r.TryCall(call, src)
	if err != nil {
		r.t.Fatalf("%s: %v", src, err)
	}
	return v
}

// TryCall is Call that returns the script's error.
func (r *Runtime) TryCall(call *lib.Call, src string) (goja.Value, error) {
	if call == nil {
		call = &lib.Call{}
	}
	r.Current = call
	defer func() {
		for i := len(r.deferred) - 1; i >= 0; i-- {
			r.deferred[i]()
		}
		r.deferred = nil
		r.Current = nil
	}()
	return r.VM.RunString(src)
}
