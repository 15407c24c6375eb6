// Package websocket is /lib/xp/websocket: Enonic XP's five functions over a
// duplex hub, plus close and getGroupMembers, which XP users asked for.
package websocket

import (
	"unsafe"

	"github.com/dop251/goja"

	"duplex/lib"
	ws "duplex/websocket"
)

// Module serves one application's hub to its scripts.
type Module struct {
	hub *ws.Hub
}

// sessions is what the functions act through: the hub, whose groups span
// the cluster, or its node-only view (ws.ThisNode).
type sessions interface {
	SendFrom(current *ws.Session, id string, data []byte, binary bool) bool
	SendToGroup(group string, data []byte, binary bool) int
	AddToGroup(group, id string) bool
	RemoveFromGroup(group, id string) bool
	GroupSize(group string) int
	GroupMembers(group string) []string
	Close(id string, code int, reason string) bool
}

// on is the hub as the current call may use it: while a listener handles
// an event that every node handles (lib.Call.ThisNodeOnly), this node's
// sessions only, as in Enonic XP, so that each socket hears it once.
func (m *Module) on(env *lib.Env) sessions {
	if call := env.Call(); call != nil && call.ThisNodeOnly {
		return m.hub.ThisNode()
	}
	return m.hub
}

// New returns the module for the application whose sessions hub holds.
func New(hub *ws.Hub) *Module { return &Module{hub: hub} }

// Path implements lib.Module.
func (m *Module) Path() string { return "/lib/xp/websocket" }

// Instantiate implements lib.Module. Unknown ids and groups are no-ops (or
// 0), never errors: XP's semantics, which chat code relies on when a peer
// has just left.
func (m *Module) Instantiate(env *lib.Env) (goja.Value, error) {
	vm := env.VM
	o := vm.NewObject()
	set := func(name string, fn func(goja.FunctionCall) goja.Value) {
		_ = o.Set(name, fn)
	}
	set("send", func(c goja.FunctionCall) goja.Value {
		data, binary := payload(env, c.Argument(1))
		var current *ws.Session
		if call := env.Call(); call != nil {
			current = call.Session
		}
		m.on(env).SendFrom(current, c.Argument(0).String(), data, binary)
		return goja.Undefined()
	})
	set("sendToGroup", func(c goja.FunctionCall) goja.Value {
		data, binary := payload(env, c.Argument(1))
		m.on(env).SendToGroup(c.Argument(0).String(), data, binary)
		return goja.Undefined()
	})
	set("addToGroup", func(c goja.FunctionCall) goja.Value {
		m.on(env).AddToGroup(c.Argument(0).String(), c.Argument(1).String())
		return goja.Undefined()
	})
	set("removeFromGroup", func(c goja.FunctionCall) goja.Value {
		m.on(env).RemoveFromGroup(c.Argument(0).String(), c.Argument(1).String())
		return goja.Undefined()
	})
	set("getGroupSize", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(m.on(env).GroupSize(c.Argument(0).String()))
	})
	set("getGroupMembers", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(m.on(env).GroupMembers(c.Argument(0).String()))
	})
	set("close", func(c goja.FunctionCall) goja.Value {
		code := 1000
		if v := c.Argument(1); !goja.IsUndefined(v) && !goja.IsNull(v) {
			code = int(v.ToInteger())
		}
		reason := ""
		if v := c.Argument(2); !goja.IsUndefined(v) && !goja.IsNull(v) {
			reason = v.String()
		}
		m.on(env).Close(c.Argument(0).String(), code, reason)
		return goja.Undefined()
	})
	return o, nil
}

// payload turns a script's message into frame bytes: strings go as text,
// ArrayBuffers and typed arrays as binary, other objects as JSON text (XP
// would send their toString(), which is never what anyone meant).
// A value JSON cannot take (a cycle, nesting past the limit) throws, rather
// than sending its toString().
//
// The bytes may be the script's own (an ArrayBuffer's) or a string's:
// the hub only reads them, copying them into the frame before it returns.
func payload(env *lib.Env, v goja.Value) ([]byte, bool) {
	if s, ok := v.(goja.String); ok {
		// Neither Export, which boxes the string, nor a copy: two
		// allocations per message.
		str := s.String()
		return unsafe.Slice(unsafe.StringData(str), len(str)), false
	}
	switch x := v.Export().(type) {
	case string:
		return []byte(x), false
	case goja.ArrayBuffer:
		return x.Bytes(), true
	case []byte:
		return x, true
	}
	if o, ok := v.(*goja.Object); ok {
		// A typed array or DataView: its bytes. A plain object has no
		// "buffer" (Get answers nil, which must not be dereferenced).
		if b := o.Get("buffer"); b != nil {
			if buf, ok := b.Export().(goja.ArrayBuffer); ok && o.Get("byteLength") != nil && o.Get("byteOffset") != nil {
				start := o.Get("byteOffset").ToInteger()
				return buf.Bytes()[start : start+o.Get("byteLength").ToInteger()], true
			}
		}
		data, err := env.JSON(o)
		if err != nil {
			panic(err)
		}
		return data, false
	}
	if goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, false
	}
	return []byte(v.String()), false
}
