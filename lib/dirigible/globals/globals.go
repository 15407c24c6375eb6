// Package globals is Eclipse Dirigible's core/globals: one key-value store
// per application, shared by every module, runtime and session of it.
//
// Dirigible kept script objects in the store itself, so that a script could
// set an array and push to it afterwards, or push to an array it got, and
// every later get saw the change (its documentation's chat does both).
// duplex's runtimes cannot share objects, so the store holds plain data and
// writes back at the end of a call what the call changed in the objects it
// set or got. Two calls that change the same key at once: the later end
// wins, as with unsynchronised Java maps of script objects.
package globals

import (
	"errors"
	"reflect"
	"strconv"
	"sync"

	"github.com/dop251/goja"

	"duplex/lib"
)

// Store is one application's globals.
type Store struct {
	mu     sync.Mutex
	values map[string]any
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{values: map[string]any{}} }

func (s *Store) get(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	return v, ok
}

func (s *Store) set(key string, v any) {
	s.mu.Lock()
	s.values[key] = v
	s.mu.Unlock()
}

// Module is core/globals over a store.
type Module struct{ store *Store }

// New returns core/globals over store.
func New(store *Store) *Module { return &Module{store: store} }

// Path implements lib.Module.
func (m *Module) Path() string { return "core/globals" }

// callObjects are the objects one call set or got.
type callObjects struct {
	call *lib.Call
	live map[string]tracked
}

// tracked is an object the running call set or got: written back at its
// end if the call changed it.
type tracked struct {
	js   *goja.Object
	seen any // its data when the call set or got it
}

// Instantiate implements lib.Module.
func (m *Module) Instantiate(env *lib.Env) (goja.Value, error) {
	vm := env.VM
	// A runtime runs one call at a time (a call nested in it, such as
	// createWebsocket's onOpen, ends first), so the objects of the running
	// call are this instance's alone.
	var cur *callObjects
	current := func() *callObjects {
		if cur != nil && cur.call == env.Call() {
			return cur
		}
		return nil
	}
	track := func(key string, js *goja.Object, seen any) {
		call := env.Call()
		if call == nil {
			return
		}
		objs := current()
		if objs == nil {
			objs = &callObjects{call: call, live: map[string]tracked{}}
			cur = objs
			env.Defer(func() {
				for key, t := range objs.live {
					if now, err := toData(t.js, 0); err == nil && !reflect.DeepEqual(now, t.seen) {
						m.store.set(key, now)
					}
				}
				if cur == objs {
					cur = nil
				}
			})
		}
		objs.live[key] = tracked{js: js, seen: seen}
	}
	o := vm.NewObject()
	_ = o.Set("get", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		if objs := current(); objs != nil {
			if t, ok := objs.live[key]; ok {
				return t.js
			}
		}
		data, ok := m.store.get(key)
		if !ok {
			return goja.Null()
		}
		v := toValue(env, data)
		if obj, ok := v.(*goja.Object); ok && isContainer(data) {
			track(key, obj, data)
		}
		return v
	})
	_ = o.Set("set", func(c goja.FunctionCall) goja.Value {
		key, v := c.Argument(0).String(), c.Argument(1)
		data, err := toData(v, 0)
		if err != nil {
			panic(vm.NewTypeError("core/globals.set(%q): %s", key, err))
		}
		m.store.set(key, data)
		if obj, ok := v.(*goja.Object); ok && isContainer(data) {
			track(key, obj, data)
		} else if objs := current(); objs != nil {
			delete(objs.live, key)
		}
		return goja.Undefined()
	})
	return o, nil
}

// field is one property of a stored object; a slice keeps their order.
type field struct {
	key   string
	value any
}

func isContainer(data any) bool {
	switch data.(type) {
	case []any, []field:
		return true
	}
	return false
}

// maxDepth bounds how deep a stored value nests (and so a cycle).
const maxDepth = 64

var errTooDeep = errors.New("the value nests deeper than 64 levels (a cycle?)")

// toData copies v out of its runtime: primitives, arrays, plain objects
// and Portable objects; functions are left out, as JSON leaves them.
func toData(v goja.Value, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return v.Export(), nil
	}
	if p, ok := obj.Export().(lib.Portable); ok {
		return p.Detach(), nil
	}
	switch obj.ClassName() {
	case "Function":
		return nil, nil
	case "Array":
		n := int(obj.Get("length").ToInteger())
		out := make([]any, n)
		for i := range n {
			d, err := toData(obj.Get(strconv.Itoa(i)), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = d
		}
		return out, nil
	case "Object":
		keys := obj.Keys()
		out := make([]field, 0, len(keys))
		for _, k := range keys {
			d, err := toData(obj.Get(k), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, field{k, d})
		}
		return out, nil
	}
	// Dates, numbers and strings as objects, and the like: their value.
	return obj.Export(), nil
}

// toValue makes data an object of env's runtime.
func toValue(env *lib.Env, data any) goja.Value {
	vm := env.VM
	switch d := data.(type) {
	case nil:
		return goja.Null()
	case lib.Portable:
		return d.Value(env)
	case []any:
		items := make([]any, len(d))
		for i, x := range d {
			items[i] = toValue(env, x)
		}
		return vm.NewArray(items...)
	case []field:
		o := vm.NewObject()
		for _, f := range d {
			_ = o.Set(f.key, toValue(env, f.value))
		}
		return o
	}
	return vm.ToValue(data)
}
