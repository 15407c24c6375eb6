package controller

import (
	"errors"
	"reflect"

	"github.com/dop251/goja"
)

// Async handlers. goja runs promise jobs (what follows an await, then
// callbacks) when the outermost call into the runtime returns, before the
// Callable hands its result back: by the time a handler's result reaches
// Go, every job that can run has run. duplex gives scripts no timers and
// no I/O callbacks, so a Promise still pending then never settles.

// promiseType is what Object.ExportType answers for a Promise. Comparing
// it costs a handler that returns a plain object one method call; Export
// would copy that object into a map.
var promiseType = reflect.TypeOf((*goja.Promise)(nil))

// errUnsettled is the failure of a handler whose Promise is still pending
// once the runtime has run every job it had.
var errUnsettled = errors.New("the handler's Promise never settled: duplex has no timers or I/O, so once the handler's code had run nothing was left that could settle it")

// promiseOf returns the Promise v is, nil for any other value. Only real
// Promises count: a thenable is an object like any other.
func promiseOf(v goja.Value) *goja.Promise {
	o, ok := v.(*goja.Object)
	if !ok || o.ExportType() != promiseType {
		return nil
	}
	p, _ := o.Export().(*goja.Promise)
	return p
}

// settle turns what a handler call returned into its outcome, as every
// call site of a handler takes it: a Promise's value once fulfilled, its
// rejection as the error a throw of the reason gives, errUnsettled while
// pending; any other result as it is. It must follow an outermost call,
// whose return ran the promise jobs. A handler that returns no Promise
// pays the check on the first line (BenchmarkSettle: about 5 ns).
func (w *worker) settle(v goja.Value, err error) (goja.Value, error) {
	if o, ok := v.(*goja.Object); ok && err == nil && o.ExportType() == promiseType {
		return w.outcome(o)
	}
	return v, err
}

// outcome is what the Promise o settled to, as settle takes it.
func (w *worker) outcome(o *goja.Object) (goja.Value, error) {
	p := o.Export().(*goja.Promise)
	switch p.State() {
	case goja.PromiseStateFulfilled:
		return p.Result(), nil
	case goja.PromiseStateRejected:
		return nil, w.rejection(p.Result())
	}
	return nil, errUnsettled
}

// rejection is the error a script's `throw reason` gives, a
// *goja.Exception: every report of a thrown error (describe, error pages,
// error/error.js's exception, event.error) then treats a rejection as a
// throw. For an Error the stack is where it was made, as for a throw.
func (w *worker) rejection(reason goja.Value) error {
	if reason == nil {
		reason = goja.Undefined()
	}
	throw, _ := goja.AssertFunction(w.vm.ToValue(func(goja.FunctionCall) goja.Value { panic(reason) }))
	_, err := throw(goja.Undefined())
	return err
}

// wedged reports whether a call that ended with err left the runtime
// unable to run promise jobs. After a timeout or a stack overflow that
// lands inside a job (code after an await), goja no longer runs the jobs
// of later calls when they return (it behaves as if a call were still
// under way), so every later await would "never settle". Only such
// uncatchable ends are checked, with an await that must settle at once.
func (w *worker) wedged(err error) bool {
	if err == nil {
		return false // before the targets below, which escape to the heap
	}
	var stopped *stoppedError
	var interrupted *goja.InterruptedError
	var overflow *goja.StackOverflowError
	if !errors.As(err, &stopped) && !errors.As(err, &interrupted) && !errors.As(err, &overflow) {
		return false
	}
	v, probeErr := w.vm.RunString("(async function () { await null; })()")
	if p := promiseOf(v); probeErr == nil && p != nil && p.State() == goja.PromiseStateFulfilled {
		return false
	}
	w.engine.log.Warn().Err(err).Msg("a call stopped inside awaited code left its runtime unable to run promise jobs; the runtime is replaced, and its module state with it")
	return true
}
