package controller

import (
	"maps"
	"slices"

	"github.com/dop251/goja"
)

// bridgeObject is a small stand-in for XP's Java bridge `__`: libraries
// written for XP call its conversion helpers, which are identities here,
// and main.js registers with disposer what runs when the app stops.
func (w *worker) bridgeObject() *goja.Object {
	o := w.vm.NewObject()
	identity := func(c goja.FunctionCall) goja.Value { return c.Argument(0) }
	for _, name := range []string{"toNativeObject", "toScriptValue", "nullOrValue"} {
		_ = o.Set(name, identity)
	}
	_ = o.Set("newBean", func(c goja.FunctionCall) goja.Value {
		panic(w.vm.NewTypeError("__.newBean(%s): Java beans do not exist in duplex", c.Argument(0).String()))
	})
	_ = o.Set("disposer", func(c goja.FunctionCall) goja.Value {
		fn, ok := goja.AssertFunction(c.Argument(0))
		if !ok {
			panic(w.vm.NewTypeError("__.disposer: expects a function"))
		}
		// One per script, as XP keys them by the script's resource: a
		// controller that registers one per request replaces it, rather
		// than piling them up.
		if w.disposers == nil {
			w.disposers = map[string]goja.Callable{}
		}
		w.disposers[w.callerScript()] = fn
		return goja.Undefined()
	})
	return o
}

// callerScript is the file of the script that called the native function
// now running.
func (w *worker) callerScript() string {
	f, ok := w.callerFrame()
	if !ok {
		return ""
	}
	return f.Position().Filename
}

// dispose runs the disposers registered so far, in the order of their
// scripts' names, and forgets them. One that throws is logged and does not
// keep the others from running. It runs inside a call (its time limit
// holds) or on a runtime no call uses.
func (w *worker) dispose() {
	if len(w.disposers) == 0 {
		return
	}
	all := w.disposers
	w.disposers = nil
	for _, script := range slices.Sorted(maps.Keys(all)) {
		if _, err := w.settle(all[script](goja.Undefined())); err != nil {
			w.engine.log.Error().Str("script", script).Str("error", describe(err).message).Msg("disposer failed")
		}
	}
}
