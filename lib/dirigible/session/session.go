// Package session is Eclipse Dirigible 2's net/websocket: the WebSocket
// session of the service channel request being run (getSession) and every
// open session of the channel (getOpenSessions).
package session

import (
	"github.com/dop251/goja"

	"duplex/lib"
	ws "duplex/websocket"
)

// Module is net/websocket.
type Module struct{}

// Path implements lib.Module.
func (Module) Path() string { return "net/websocket" }

// Instantiate implements lib.Module. Outside a channel request getSession
// is null and getOpenSessions empty.
func (Module) Instantiate(env *lib.Env) (goja.Value, error) {
	vm := env.VM
	o := vm.NewObject()
	current := func() *ws.Session {
		if call := env.Call(); call != nil {
			return call.Session
		}
		return nil
	}
	_ = o.Set("getSession", func(goja.FunctionCall) goja.Value {
		s := current()
		if s == nil {
			return goja.Null()
		}
		return Handle{Hub: s.Hub(), ID: s.ID()}.Value(env)
	})
	_ = o.Set("getOpenSessions", func(goja.FunctionCall) goja.Value {
		s := current()
		if s == nil {
			return vm.NewArray()
		}
		all := s.Hub().Sessions()
		out := make([]any, len(all))
		for i, other := range all {
			out[i] = Handle{Hub: other.Hub(), ID: other.ID()}.Value(env)
		}
		return vm.NewArray(out...)
	})
	return o, nil
}

// Handle names a session by its hub and id rather than holding it, so
// that a handle kept in core/globals pins no closed connection's memory.
// It is the Go side of Dirigible's WebsocketSession and travels between
// runtimes (lib.Portable).
type Handle struct {
	Hub *ws.Hub
	ID  string
}

// Value implements lib.Portable: a WebsocketSession object in env's
// runtime.
func (h Handle) Value(env *lib.Env) goja.Value {
	vm := env.VM
	methods := map[string]goja.Value{
		"sendText":      vm.ToValue(func(c goja.FunctionCall) goja.Value { return h.send(env, c) }),
		"sendTextAsync": vm.ToValue(func(c goja.FunctionCall) goja.Value { return h.send(env, c) }),
		// Dirigible's getId lacked its return; this one answers.
		"getId": vm.ToValue(func(goja.FunctionCall) goja.Value { return vm.ToValue(h.ID) }),
		"close": vm.ToValue(func(goja.FunctionCall) goja.Value {
			h.Hub.Close(h.ID, ws.StatusNormal, "")
			return goja.Undefined()
		}),
	}
	return vm.NewDynamicObject(&object{Handle: h, methods: methods})
}

// Detach implements lib.Portable: a Handle holds no runtime's values.
func (h Handle) Detach() lib.Portable { return h }

// send queues text to the session; the messages a handler sends to its own
// session go out after the handler returns, in order, before a close it
// asked for.
func (h Handle) send(env *lib.Env, c goja.FunctionCall) goja.Value {
	var current *ws.Session
	if call := env.Call(); call != nil {
		current = call.Session
	}
	if !h.Hub.SendFrom(current, h.ID, []byte(c.Argument(0).String()), false) {
		panic(env.VM.NewGoError(&ClosedError{ID: h.ID}))
	}
	return goja.Undefined()
}

// ClosedError is what sending to a session that is gone throws, as
// Dirigible's closed Session did.
type ClosedError struct{ ID string }

func (e *ClosedError) Error() string { return "WebSocket session " + e.ID + " is closed" }

// object is a WebsocketSession as goja sees it: read-only methods.
type object struct {
	Handle
	methods map[string]goja.Value
}

// Detach implements lib.Portable: the handle without this runtime's
// functions.
func (o *object) Detach() lib.Portable { return o.Handle }

func (o *object) Get(key string) goja.Value   { return o.methods[key] }
func (o *object) Set(string, goja.Value) bool { return false }
func (o *object) Has(key string) bool {
	_, ok := o.methods[key]
	return ok
}
func (o *object) Delete(string) bool { return false }
func (o *object) Keys() []string {
	return []string{"sendText", "sendTextAsync", "getId", "close"}
}
