package controller

import (
	"time"

	"github.com/dop251/goja"
)

// Single allocations a script may ask of a native built-in, as V8 bounds
// them: past these a RangeError that the script can catch, instead of one
// allocation the size of the machine (goja has no limits of its own, and
// 'x'.repeat(2**31) or new Array(1e8).fill(0) ended the process). A share
// of --js-max-memory, capped at V8's own limits.
type allocLimits struct {
	maxString int64 // UTF-16 code units
	maxArray  int64 // elements
	maxBytes  int64 // ArrayBuffer and typed array bytes
	// Native work that --js-timeout cannot interrupt, bounded so that the
	// call overruns its time by a small factor at most (measured on the
	// 2-core machine: goja sorts about 330,000 elements a second without a
	// comparator, and runs a global regexp replace over about 3 million
	// characters a second).
	maxSort  int64 // elements sorted without a comparator
	maxRegex int64 // characters a regexp method works through
}

// Native throughput, per second of --js-timeout.
const (
	sortPerSecond  = 300_000
	regexPerSecond = 3_000_000
)

const (
	v8MaxString = 1<<29 - 24
	v8MaxArray  = 1 << 27
)

func newAllocLimits(maxMemory int64, timeout time.Duration) allocLimits {
	share := maxMemory / 4 // one allocation may take a quarter
	seconds := max(1, timeout.Seconds())
	return allocLimits{
		maxString: min(v8MaxString, share/2), // two bytes a unit at worst
		maxArray:  min(v8MaxArray, share/16), // a goja value is 16 bytes
		maxBytes:  share,
		maxSort:   int64(sortPerSecond * seconds),
		maxRegex:  int64(regexPerSecond * seconds),
	}
}

// guardAllocations wraps the built-ins that turn a small argument into a
// large allocation, in one runtime. Allocations that grow step by step
// (a loop that pushes) are the memory guard's (memguard.go).
func guardAllocations(vm *goja.Runtime, l allocLimits) error {
	strProto := vm.Get("String").ToObject(vm).Get("prototype").ToObject(vm)
	arrayCtor := vm.Get("Array").ToObject(vm)
	arrayProto := arrayCtor.Get("prototype").ToObject(vm)
	thisLength := func(this goja.Value) int64 {
		if o, ok := this.(*goja.Object); ok {
			if n := o.Get("length"); n != nil {
				return n.ToInteger()
			}
		}
		return 0
	}
	const (
		badString = "Invalid string length"
		badArray  = "Invalid array length"
	)
	guards := []methodGuard{
		{strProto, "repeat", func(this goja.Value, args []goja.Value) string {
			n := int64(len(this.String()))
			if count := arg(args, 0).ToInteger(); n > 0 && count > l.maxString/n {
				return badString
			}
			return ""
		}},
		{strProto, "padStart", func(_ goja.Value, args []goja.Value) string {
			if arg(args, 0).ToInteger() > l.maxString {
				return badString
			}
			return ""
		}},
		{strProto, "padEnd", func(_ goja.Value, args []goja.Value) string {
			if arg(args, 0).ToInteger() > l.maxString {
				return badString
			}
			return ""
		}},
		{arrayProto, "join", func(this goja.Value, args []goja.Value) string {
			n, sep := thisLength(this), int64(1)
			if s := arg(args, 0); !goja.IsUndefined(s) {
				sep = int64(len(s.String()))
			}
			if n > l.maxArray || (sep > 0 && n > 1 && n-1 > l.maxString/sep) {
				return badString
			}
			return ""
		}},
		{arrayProto, "fill", func(this goja.Value, _ []goja.Value) string {
			if thisLength(this) > l.maxArray {
				return badArray
			}
			return ""
		}},
		{arrayProto, "map", func(this goja.Value, _ []goja.Value) string {
			if thisLength(this) > l.maxArray {
				return badArray
			}
			return ""
		}},
		{arrayProto, "sort", func(this goja.Value, args []goja.Value) string {
			// A comparator is JavaScript, which the timeout interrupts.
			if goja.IsUndefined(arg(args, 0)) && thisLength(this) > l.maxSort {
				return "Array too large to sort within --js-timeout without a comparator"
			}
			return ""
		}},
		{arrayCtor, "from", func(_ goja.Value, args []goja.Value) string {
			if thisLength(arg(args, 0)) > l.maxArray {
				return badArray
			}
			return ""
		}},
	}
	for _, name := range []string{"replace", "replaceAll", "split", "match", "matchAll", "search"} {
		guards = append(guards, methodGuard{strProto, name, func(this goja.Value, args []goja.Value) string {
			if o, ok := arg(args, 0).(*goja.Object); ok && o.ClassName() == "RegExp" && int64(len(this.String())) > l.maxRegex {
				return "String too long for a regular expression within --js-timeout"
			}
			return ""
		}})
	}
	for _, g := range guards {
		if err := wrapMethod(vm, g.on, g.name, g.check); err != nil {
			return err
		}
	}
	// Buffers are made by constructors: each global becomes a native
	// constructor that checks the size and then makes the original, with
	// the original's prototype (so instanceof holds) and static members.
	for _, name := range []string{"ArrayBuffer", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
		"Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"} {
		if err := wrapBufferConstructor(vm, name, l.maxBytes); err != nil {
			return err
		}
	}
	return nil
}

// methodGuard checks the arguments of one built-in method before it runs:
// a non-empty answer is the RangeError's message.
type methodGuard struct {
	on    *goja.Object
	name  string
	check func(this goja.Value, args []goja.Value) string
}

func isNumber(v goja.Value) bool {
	switch v.Export().(type) {
	case int64, float64:
		return true
	}
	return false
}

func arg(args []goja.Value, i int) goja.Value {
	if i < len(args) {
		return args[i]
	}
	return goja.Undefined()
}

// rangeError is a RangeError of the runtime, to throw, as V8 throws for
// these.
func rangeError(vm *goja.Runtime, msg string) *goja.Object {
	exc, err := vm.New(vm.Get("RangeError"), vm.ToValue(msg))
	if err != nil {
		panic(err)
	}
	return exc
}

// wrapMethod replaces on[name] with a function that runs check first: a
// non-empty answer is thrown as a RangeError.
func wrapMethod(vm *goja.Runtime, on *goja.Object, name string, check func(goja.Value, []goja.Value) string) error {
	orig, ok := goja.AssertFunction(on.Get(name))
	if !ok {
		return nil
	}
	return on.DefineDataProperty(name, vm.ToValue(func(c goja.FunctionCall) goja.Value {
		if msg := check(c.This, c.Arguments); msg != "" {
			panic(rangeError(vm, msg))
		}
		v, err := orig(c.This, c.Arguments...)
		if err != nil {
			panic(err)
		}
		return v
	}), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// wrapBufferConstructor replaces the global constructor name with one that
// refuses a length of more than maxBytes bytes.
func wrapBufferConstructor(vm *goja.Runtime, name string, maxBytes int64) error {
	orig, ok := vm.Get(name).(*goja.Object)
	if !ok {
		return nil
	}
	per := int64(1)
	if b := orig.Get("BYTES_PER_ELEMENT"); b != nil {
		per = max(1, b.ToInteger())
	}
	wrapper := vm.ToValue(func(c goja.ConstructorCall) *goja.Object {
		if n := arg(c.Arguments, 0); isNumber(n) && n.ToInteger() > maxBytes/per {
			panic(rangeError(vm, "Array buffer allocation failed"))
		}
		o, err := vm.New(orig, c.Arguments...)
		if err != nil {
			panic(err)
		}
		return o
	}).(*goja.Object)
	for _, key := range orig.Keys() {
		_ = wrapper.Set(key, orig.Get(key))
	}
	for _, key := range []string{"prototype", "BYTES_PER_ELEMENT", "from", "of", "isView"} {
		if v := orig.Get(key); v != nil {
			if err := wrapper.DefineDataProperty(key, v, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
				return err
			}
		}
	}
	return vm.Set(name, wrapper)
}
