package controller

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"
	"unsafe"

	"github.com/dop251/goja"

	"duplex/lib"
)

// newKeptStack is a runtime whose stack is kept, or the test fails.
func newKeptStack(t *testing.T) (*goja.Runtime, *vmStack) {
	t.Helper()
	vm := goja.New()
	s := newVMStack(vm)
	if s.stack == nil {
		t.Fatal("the kept stack is off: goja's vm changed; see vmStack")
	}
	return vm, &s
}

// kept runs fn on s's kept stack, as Engine.exec does.
func kept(s *vmStack, fn func()) {
	s.prime()
	defer s.release()
	fn()
}

func mustFn(t *testing.T, vm *goja.Runtime, src string) goja.Callable {
	t.Helper()
	v, err := vm.RunString(src)
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		t.Fatalf("%s is not a function", src)
	}
	return fn
}

// TestVMStackKept: with this goja the stack is kept (a goja that changed
// what vmStack relies on fails here, not in production, where goja would
// simply grow its own again), a call on it allocates less than one
// without, and deep calls that outgrow it still answer right.
func TestVMStackKept(t *testing.T) {
	vm, s := newKeptStack(t)
	depth := mustFn(t, vm, `(function d(n) { return n > 0 ? d(n - 1) + 1 : 0; })`)
	call := func(n int) int64 {
		v, err := depth(goja.Undefined(), vm.ToValue(n))
		if err != nil {
			t.Fatal(err)
		}
		return v.ToInteger()
	}
	without := testing.AllocsPerRun(200, func() { call(10) })
	with := testing.AllocsPerRun(200, func() { kept(s, func() { call(10) }) })
	if with >= without {
		t.Errorf("a call on the kept stack made %v allocations, %v without it", with, without)
	}
	for _, n := range []int{0, 10, vmStackSize} {
		var got int64
		kept(s, func() { got = call(n) })
		if got != int64(n) {
			t.Errorf("depth %d answered %d", n, got)
		}
	}
}

// TestVMStackKeepsNothing: what a call left on the kept stack is cleared
// when it returns, so a large value handed to a handler is not kept alive
// by an idle runtime.
func TestVMStackKeepsNothing(t *testing.T) {
	vm, s := newKeptStack(t)
	echo := mustFn(t, vm, `(function (o) { var x = [o, o]; return x.length; })`)
	kept(s, func() {
		if _, err := echo(goja.Undefined(), vm.NewObject()); err != nil {
			t.Fatal(err)
		}
	})
	for i, v := range s.buf {
		if v != nil {
			t.Fatalf("the kept stack still holds %v at %d after the call", v, i)
		}
	}
}

// TestVMStackAfterInterrupt: a call that is interrupted leaves goja its
// stack in a copy of its own; the kept one is cleared, and the runtime
// answers the next call.
func TestVMStackAfterInterrupt(t *testing.T) {
	vm, s := newKeptStack(t)
	if err := vm.Set("stop", func() { vm.Interrupt("stopped") }); err != nil {
		t.Fatal(err)
	}
	spin := mustFn(t, vm, `(function () { var a = 1; stop(); for (;;) { a++; } })`)
	kept(s, func() {
		_, err := spin(goja.Undefined())
		if _, ok := err.(*goja.InterruptedError); !ok {
			t.Fatalf("want an interrupt, got %v", err)
		}
	})
	vm.ClearInterrupt()
	if *s.stack != nil && unsafe.SliceData(*s.stack) == unsafe.SliceData(s.buf) {
		t.Fatal("the runtime still runs on the kept stack between calls")
	}
	for i, v := range s.buf {
		if v != nil {
			t.Fatalf("the kept stack still holds %v at %d", v, i)
		}
	}
	add := mustFn(t, vm, `(function (a, b) { return a + b; })`)
	kept(s, func() {
		v, err := add(goja.Undefined(), vm.ToValue(2), vm.ToValue(3))
		if err != nil || v.ToInteger() != 5 {
			t.Fatalf("after the interrupt: %v, %v", v, err)
		}
	})
}

// TestEngineRunsCallsOnTheKeptStack: every worker keeps a stack, a task
// of the engine runs on it, and nothing is left on it afterwards.
func TestEngineRunsCallsOnTheKeptStack(t *testing.T) {
	e := newTestEngine(t, fstest.MapFS{"x.js": {Data: []byte("")}}, 1)
	var w *worker
	err := e.run(context.Background(), lib.NewCall(nil, nil, nil), func(wk *worker) error {
		w = wk
		if wk.stack.stack == nil {
			return errors.New("the worker keeps no stack")
		}
		if *wk.stack.stack == nil || unsafe.SliceData(*wk.stack.stack) != unsafe.SliceData(wk.stack.buf) {
			return errors.New("the task does not run on the kept stack")
		}
		fn := mustFn(t, wk.vm, `(function (o) { return [o, o].length; })`)
		_, err := fn(goja.Undefined(), wk.vm.NewObject())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range w.stack.buf {
		if v != nil {
			t.Fatalf("the kept stack still holds %v at %d after the task", v, i)
		}
	}
}
