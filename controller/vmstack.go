package controller

import (
	"reflect"
	"unsafe"

	"github.com/dop251/goja"
)

// vmStackSize is how many values a worker's kept stack holds: more than a
// handler of the benchmark app or the bundled chat uses (a deeper call
// grows past it, as goja's own stack would).
const vmStackSize = 256

// vmStack keeps goja's value stack from one call to the next. goja drops
// its stack whenever control returns to Go (Runtime.leave sets vm.stack
// to nil), so every call from Go grew a new one from nothing, doubling:
// four to six allocations and 300 B to 1 KB for each event or request,
// a quarter of the bytes a WebSocket message allocated. goja has no option
// to keep it; Engine.exec hands the vm a kept slice before its task and
// clears it after, so that what the task left on it is not kept alive.
// Only the task's first call from Go runs on it (the handler, in a
// request or an event); goja drops it again when that call returns.
//
// One thing differs from goja's own stack: a Proxy's apply or construct
// trap gets its arguments as an array over the stack's slots (goja's
// proxy.go), which the clearing empties once the task is over. With
// goja's own stack the same array already changes as soon as the calling
// script pushes anything more; only a trap called straight from Go kept
// them after the call.
//
// As with plainProps, nothing is taken on trust: the fields are found
// through reflect when a runtime starts, and a probe call checks that goja
// drops the stack on return and runs on a stack handed to it. Any
// mismatch (a goja upgrade that changed either) leaves goja as it is.
type vmStack struct {
	stack *[]goja.Value // the runtime's vm.stack; nil: not kept
	buf   []goja.Value
}

func newVMStack(vm *goja.Runtime) vmStack {
	rt := reflect.TypeFor[goja.Runtime]()
	vmField, ok := rt.FieldByName("vm")
	if !ok || len(vmField.Index) != 1 || vmField.Type.Kind() != reflect.Pointer || vmField.Type.Elem().Kind() != reflect.Struct {
		return vmStack{}
	}
	stackField, ok := vmField.Type.Elem().FieldByName("stack")
	if !ok || len(stackField.Index) != 1 || stackField.Type.Kind() != reflect.Slice ||
		stackField.Type.Elem() != reflect.TypeFor[goja.Value]() {
		return vmStack{}
	}
	inner := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(vm), vmField.Offset))
	if inner == nil {
		return vmStack{}
	}
	s := vmStack{
		stack: (*[]goja.Value)(unsafe.Add(inner, stackField.Offset)),
		buf:   make([]goja.Value, vmStackSize),
	}
	if !s.probe(vm) {
		return vmStack{}
	}
	return s
}

// probe calls a function on a kept stack and checks that it ran there
// and that goja dropped the stack when it returned.
func (s *vmStack) probe(vm *goja.Runtime) bool {
	v, err := vm.RunString(`(function (f) { var a = 1, b = 2; return f(a, b); })`)
	if err != nil {
		return false
	}
	call, ok := goja.AssertFunction(v)
	if !ok || *s.stack != nil {
		return false
	}
	ran := false
	probe := vm.ToValue(func(goja.FunctionCall) goja.Value {
		ran = len(*s.stack) > 0 && unsafe.SliceData(*s.stack) == unsafe.SliceData(s.buf)
		return goja.Undefined()
	})
	if !s.prime() {
		return false
	}
	_, err = call(goja.Undefined(), probe)
	dropped := *s.stack == nil
	s.release()
	return err == nil && ran && dropped
}

// prime hands the runtime the kept stack for its next call from Go. It
// does nothing while the runtime holds a stack of its own: a call is
// running, or the last one was interrupted before goja dropped it.
func (s *vmStack) prime() bool {
	if s.stack == nil || *s.stack != nil {
		return false
	}
	*s.stack = s.buf[:0]
	return true
}

// release forgets what the call left on the kept stack, which the
// runtime no longer holds afterwards.
func (s *vmStack) release() {
	if s.stack == nil {
		return
	}
	if unsafe.SliceData(*s.stack) == unsafe.SliceData(s.buf) {
		// Left behind by an interrupted call: goja keeps what it holds,
		// in a copy of its own.
		*s.stack = append(make([]goja.Value, 0, cap(*s.stack)), *s.stack...)
	}
	clear(s.buf)
}
