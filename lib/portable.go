package lib

import "github.com/dop251/goja"

// Portable is the Go side of a JavaScript object that may travel between
// runtimes: core/globals stores the Go value, and another runtime gets a
// new object for it. A WebSocket session stored by one connection's script
// and read back by another's still sends to its own connection.
//
// The object must be a goja dynamic object (Runtime.NewDynamicObject) whose
// DynamicObject implements Portable, so that Export finds it.
type Portable interface {
	// Value makes the object again in env's runtime.
	Value(env *Env) goja.Value
	// Detach returns the Portable to store: one that holds nothing of the
	// runtime it came from.
	Detach() Portable
}
