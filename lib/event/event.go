// Package event is /lib/xp/event: Enonic XP's listener and send over the
// application's event bus (lib.Events). Listeners live in main.js; events
// may be sent from anywhere, and with distributed: true they reach the
// listeners of the application on every node of a cluster.
package event

import (
	"bytes"

	"github.com/dop251/goja"

	"duplex/lib"
)

// customPrefix is what XP's EventSenderHelper puts before a script's type:
// scripts cannot forge the platform's own events (node.*, application.*).
const customPrefix = "custom."

// Module is /lib/xp/event; it holds no state of its own.
type Module struct{}

// Path implements lib.Module.
func (Module) Path() string { return "/lib/xp/event" }

// Instantiate implements lib.Module.
func (Module) Instantiate(env *lib.Env) (goja.Value, error) {
	vm := env.VM
	o := vm.NewObject()
	_ = o.Set("listener", func(c goja.FunctionCall) goja.Value {
		p := lib.Params(vm, c.Argument(0), "event.listener")
		pattern, err := lib.TypePattern(lib.StringOf(p, "type"))
		if err != nil {
			panic(vm.NewTypeError("event.listener: type: %v", err))
		}
		callback, ok := goja.AssertFunction(p.Get("callback"))
		if !ok {
			panic(vm.NewTypeError("event.listener: callback must be a function"))
		}
		l := lib.Listener{Type: pattern, LocalOnly: isTrue(p.Get("localOnly")), Callback: callback}
		if err := env.Events.Listen(env, l); err != nil {
			panic(vm.NewGoError(err))
		}
		return goja.Undefined()
	})
	_ = o.Set("send", func(c goja.FunctionCall) goja.Value {
		p := lib.Params(vm, c.Argument(0), "event.send")
		typ := "test" // XP's default, kept for code that relies on it
		if v := p.Get("type"); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
			typ = v.String()
		}
		ev := lib.Event{Type: customPrefix + typ, Distributed: isTrue(p.Get("distributed")), Data: []byte("{}")}
		if d, ok := p.Get("data").(*goja.Object); ok {
			data, err := env.JSON(d)
			if err != nil {
				panic(err)
			}
			// XP keeps data only when it is an object (not an array, not
			// a value whose toJSON makes it something else).
			if bytes.HasPrefix(data, []byte("{")) {
				ev.Data = data
			}
		}
		if err := env.Events.Send(ev); err != nil {
			panic(vm.NewGoError(err))
		}
		return goja.Undefined()
	})
	return o, nil
}

// isTrue is XP's `=== true`: a missing property (nil) is not.
func isTrue(v goja.Value) bool {
	if v == nil {
		return false
	}
	b, ok := v.Export().(bool)
	return ok && b
}
