// Package websockets is Eclipse Dirigible's WebSocket API, net/websockets
// (also net/v4/websockets, and the websockets of sdk/net): outbound clients
// whose events go to a handler module, and the description of the event a
// handler module is running for (getMethod, getMessage, getError).
package websockets

import (
	"errors"

	"github.com/dop251/goja"

	"duplex/lib"
)

// Path is the module's import path; Modules registers its aliases.
const Path = "net/websockets"

// Modules returns net/websockets and its aliases over clients: one object
// per runtime under every name.
func Modules(clients *Clients) []lib.Module {
	return []lib.Module{
		&module{clients: clients},
		lib.Alias("net/v4/websockets", Path),
		sdkNet{},
	}
}

type module struct{ clients *Clients }

func (m *module) Path() string { return Path }

func (m *module) Instantiate(env *lib.Env) (goja.Value, error) {
	vm := env.VM
	o := vm.NewObject()
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { _ = o.Set(name, fn) }
	set("createWebsocket", func(c goja.FunctionCall) goja.Value {
		uri, handler := c.Argument(0), c.Argument(1)
		if goja.IsUndefined(uri) || goja.IsNull(uri) || goja.IsUndefined(handler) || goja.IsNull(handler) {
			panic(vm.NewTypeError("createWebsocket(uri, handler): both are required"))
		}
		// The third argument, the engine, is always JavaScript here.
		cl, err := m.clients.connect(uri.String(), handler.String(), env)
		if err != nil {
			var stopped *goja.InterruptedError
			if errors.As(err, &stopped) {
				panic(stopped)
			}
			panic(vm.NewGoError(errors.New("createWebsocket(" + uri.String() + "): " + err.Error())))
		}
		return m.clientObject(env, cl)
	})
	set("getClients", func(goja.FunctionCall) goja.Value {
		list := m.clients.list()
		out := make([]any, len(list))
		for i, cl := range list {
			out[i] = map[string]any{"id": cl.id, "uri": cl.uri, "handler": cl.handler}
		}
		return vm.ToValue(out)
	})
	find := func(match func(*client) bool) goja.Value {
		for _, cl := range m.clients.list() {
			if match(cl) {
				return m.clientObject(env, cl)
			}
		}
		return goja.Null()
	}
	set("getClient", func(c goja.FunctionCall) goja.Value {
		id := c.Argument(0).String()
		return find(func(cl *client) bool { return cl.id == id })
	})
	set("getClientByHandler", func(c goja.FunctionCall) goja.Value {
		handler := c.Argument(0).String()
		return find(func(cl *client) bool { return cl.handler == handler })
	})
	context := func(key string) goja.Value {
		if call := env.Call(); call != nil {
			if v, ok := call.Context[key]; ok {
				return vm.ToValue(v)
			}
		}
		return goja.Null()
	}
	method := func() string {
		if call := env.Call(); call != nil {
			s, _ := call.Context["method"].(string)
			return s
		}
		return ""
	}
	set("getMessage", func(goja.FunctionCall) goja.Value { return context("message") })
	set("getError", func(goja.FunctionCall) goja.Value { return context("error") })
	set("getMethod", func(goja.FunctionCall) goja.Value { return context("method") })
	for name, want := range map[string]string{"isOnOpen": lib.MethodOpen, "isOnMessage": lib.MethodMessage, "isOnError": lib.MethodError, "isOnClose": lib.MethodClose} {
		set(name, func(goja.FunctionCall) goja.Value { return vm.ToValue(method() == want) })
	}
	return o, nil
}

// clientObject is Dirigible's WebsocketClient for cl in env's runtime.
func (m *module) clientObject(env *lib.Env, cl *client) goja.Value {
	vm := env.VM
	o := vm.NewObject()
	_ = o.Set("id", cl.id)
	_ = o.Set("uri", cl.uri)
	_ = o.Set("handler", cl.handler)
	_ = o.Set("engine", "javascript")
	_ = o.Set("send", func(c goja.FunctionCall) goja.Value {
		if err := cl.conn.Send([]byte(c.Argument(0).String())); err != nil {
			panic(vm.NewGoError(errors.New("WebsocketClient.send: " + err.Error())))
		}
		return goja.Undefined()
	})
	_ = o.Set("close", func(goja.FunctionCall) goja.Value {
		m.clients.close(cl)
		return goja.Undefined()
	})
	return o
}

// sdkNet is sdk/net, the newest Dirigible's ES module, whose websockets
// export is this module.
type sdkNet struct{}

func (sdkNet) Path() string { return "sdk/net" }

func (sdkNet) Instantiate(env *lib.Env) (goja.Value, error) {
	ws, err := env.Require(Path)
	if err != nil {
		return nil, err
	}
	o := env.VM.NewObject()
	_ = o.Set("websockets", ws)
	return o, nil
}
