// Package execcontext is Eclipse Dirigible's core/context: get and set on
// the execution context of the running call. On the service channel
// (ws://host/service/js) it holds the request's params.
package execcontext

import (
	"github.com/dop251/goja"

	"duplex/lib"
)

// Module is core/context.
type Module struct{}

// Path implements lib.Module.
func (Module) Path() string { return "core/context" }

// Instantiate implements lib.Module. get of an unknown key is null, as
// Java's Map.get answers.
func (Module) Instantiate(env *lib.Env) (goja.Value, error) {
	vm := env.VM
	o := vm.NewObject()
	_ = o.Set("get", func(c goja.FunctionCall) goja.Value {
		if call := env.Call(); call != nil {
			if v, ok := call.Context[c.Argument(0).String()]; ok {
				return vm.ToValue(v)
			}
		}
		return goja.Null()
	})
	_ = o.Set("set", func(c goja.FunctionCall) goja.Value {
		call := env.Call()
		if call == nil {
			return goja.Undefined()
		}
		if call.Context == nil {
			call.Context = map[string]any{}
		}
		call.Context[c.Argument(0).String()] = c.Argument(1).Export()
		return goja.Undefined()
	})
	return o, nil
}
