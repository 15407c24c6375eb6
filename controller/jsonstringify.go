package controller

import (
	"errors"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/dop251/goja"
)

// guardJSONStringify replaces JSON.stringify with one that the timeout can
// stop and that cannot overflow the Go stack. goja's serializer is native
// recursion that never looks at Runtime.Interrupt: a 100,000-deep chain of
// arrays ran 14 s past any --js-timeout (its cycle check is quadratic in
// the depth), a few million levels would overflow the Go stack, which is
// fatal to the process, and [a, a] doubled sixty times grows its output
// until the machine runs out of memory.
//
// The replacement is jsonWrite, which stops once stopping reports that the
// call was interrupted (by --js-timeout, the memory guard or shutdown),
// throws a RangeError, as V8 does, past maxJSONDepth levels, or once the
// output must be longer than maxOutput characters (0: no limit), the
// longest string the memory limit lets a built-in make.
func guardJSONStringify(vm *goja.Runtime, stopping *atomic.Bool, maxOutput int64, props plainProps) (*jsonStringifier, error) {
	// Calling any script function while the runtime is interrupted yields
	// goja's own uncatchable InterruptedError, with its cause: thrown from
	// the serializer, it ends the call as the interruption would have.
	probe, err := vm.RunString("(function JSON_stringify() {})")
	if err != nil {
		return nil, err
	}
	interrupted, _ := goja.AssertFunction(probe)
	s := &jsonStringifier{vm: vm, stopping: stopping, interrupted: interrupted, maxOutput: maxOutput, props: props}
	_, err = replaceJSON(vm, "stringify", func(native goja.Callable) func(goja.FunctionCall) goja.Value {
		s.nativeStringify = native
		return s.stringify
	})
	return s, err
}

// jsonStringifier is a runtime's JSON.stringify.
type jsonStringifier struct {
	vm              *goja.Runtime
	stopping        *atomic.Bool
	interrupted     goja.Callable // raises the pending interruption
	maxOutput       int64
	nativeStringify goja.Callable // goja's own, for values jsonWrite leaves to it
	props           plainProps
	// names holds the keys of the objects being serialized, each
	// object's after its parent's, so that one array serves every call.
	names []string
}

// stringify is JSON.stringify(value, replacer, space).
func (s *jsonStringifier) stringify(c goja.FunctionCall) goja.Value {
	j := jsonWrite{s: s, spaceArg: c.Argument(2)}
	if r, ok := c.Argument(1).(*goja.Object); ok {
		if fn, ok := goja.AssertFunction(r); ok {
			j.replacer = fn
		} else if r.ClassName() == "Array" {
			j.keys = propertyList(r)
		}
	}
	j.gap = jsonGap(c.Argument(2))
	if !j.top(c.Argument(0)) {
		return goja.Undefined()
	}
	return s.vm.ToValue(string(j.buf))
}

// marshal is JSON.stringify for Go callers (response bodies, messages,
// logs), straight into bytes, with the script's guards: goja's
// Object.MarshalJSON would run the native serializer with none of them.
func (w *worker) marshal(v goja.Value) ([]byte, error) {
	return w.marshalTo(make([]byte, 0, 512), v)
}

// marshalTo is marshal appending to dst.
func (w *worker) marshalTo(dst []byte, v goja.Value) (out []byte, err error) {
	defer func() {
		if x := recover(); x != nil {
			stopped, ok := x.(*goja.InterruptedError)
			if !ok {
				panic(x)
			}
			out, err = nil, stopped
		}
	}()
	if exc := w.vm.Try(func() {
		j := jsonWrite{s: w.json, buf: dst, spaceArg: goja.Undefined()}
		if j.top(v) {
			out = j.buf
		} else {
			out = append(dst, "null"...)
		}
	}); exc != nil {
		return nil, exc
	}
	return out, nil
}

// checkStop raises the interruption that stopping reports.
func (s *jsonStringifier) checkStop() {
	if !s.stopping.Load() {
		return
	}
	if _, err := s.interrupted(goja.Undefined()); err != nil {
		panic(err)
	}
	panic(s.vm.NewGoError(errStringifyStopped))
}

// call runs a script function the serializer was given (toJSON, the
// replacer); what it throws goes on up.
func (s *jsonStringifier) call(fn goja.Callable, this goja.Value, args ...goja.Value) goja.Value {
	v, err := fn(this, args...)
	if err != nil {
		panic(err)
	}
	return v
}

// native is goja's serialization of o, which jsonWrite at depth has
// prepared, under the replacer guard below.
func (s *jsonStringifier) native(o *goja.Object, j *jsonWrite, depth int64) string {
	w := &stringifyWatch{js: s, depth: int(depth)}
	if s.maxOutput > 0 {
		w.maxOutput = max(1, s.maxOutput-(int64(len(j.buf))-j.wide))
	}
	w.user, w.keys = j.replacer, j.keys
	// toJSON was applied already, to what o came from: handed o itself,
	// goja would read o's toJSON and apply it a second time. It starts
	// from an object of ours whose toJSON answers o.
	start := s.vm.NewObject()
	_ = start.Set("toJSON", func(goja.FunctionCall) goja.Value { return o })
	v, err := s.nativeStringify(goja.Undefined(), start, s.vm.ToValue(w.visit), j.spaceArg)
	if err != nil {
		panic(err)
	}
	if goja.IsUndefined(v) {
		return "null"
	}
	return v.String()
}

// jsonGap is the indentation the space argument asks for, as goja reads
// it: a number of spaces up to ten, or a string's first ten characters.
func jsonGap(space goja.Value) string {
	if o, ok := space.(*goja.Object); ok {
		switch o.ClassName() {
		case "Number":
			space = o.ToNumber()
		case "String":
			space = o.ToString()
		}
	}
	switch t := space.ExportType(); {
	case goja.IsUndefined(space) || goja.IsNull(space):
		return ""
	case t == typeInt64 || t == typeFloat64:
		n := min(int64(space.ToFloat()), 10)
		if n < 1 {
			return ""
		}
		return strings.Repeat(" ", int(n))
	}
	if str, ok := space.(goja.String); ok {
		if str.Length() > 10 {
			str = str.Substring(0, 10)
		}
		return str.String()
	}
	return ""
}

var errStringifyStopped = errors.New("JSON.stringify stopped: the call was interrupted")

func deepStringifyMessage() string {
	return "Maximum call stack size exceeded: JSON.stringify nested deeper than " + strconv.Itoa(maxJSONDepth) + " levels"
}

// stringifyWatch follows goja's serializer, where jsonWrite hands it a
// value, from the replacer it is given.
type stringifyWatch struct {
	js   *jsonStringifier
	user goja.Callable // the script's own replacer function, if any
	keys []string      // the script's property list, if it gave one
	// path is the chain of objects from the top to the one being
	// serialized. The replacer sees no "leave", but it needs none: the
	// serializer goes depth first, so a value's holder is on the path and
	// everything above the holder is done.
	path []pathStep
	// size is a lower bound on the output so far, refused past maxOutput
	// (V8 throws the same RangeError past its longest string).
	size, maxOutput int64
	// depth is how deep in the whole serialization the value handed over
	// sits.
	depth int
}

func (s *stringifyWatch) visit(c goja.FunctionCall) goja.Value {
	s.js.checkStop()
	holder, _ := c.This.(*goja.Object)
	key, value := c.Argument(0), c.Argument(1)
	// The value handed over (the path is empty) went through the
	// script's replacer already, in jsonWrite.
	if s.user != nil && len(s.path) > 0 {
		v, err := s.user(c.This, key, value)
		if err != nil {
			panic(err)
		}
		value = v
	}
	s.climbTo(holder)
	n, o := textAtLeast(value)
	if inArray := s.path[len(s.path)-1].array; inArray && n == 0 {
		n = 4 // null
	} else if !inArray && n > 0 {
		if k, ok := key.(goja.String); ok {
			n += int64(k.Length()) + 3 // "key":
		}
	}
	if s.size += n; s.maxOutput > 0 && s.size > s.maxOutput {
		panic(rangeError(s.js.vm, "Invalid string length"))
	}
	if o == nil {
		return value
	}
	if s.depth+len(s.path) > maxJSONDepth {
		panic(rangeError(s.js.vm, deepStringifyMessage()))
	}
	if s.keys != nil && takesPropertyList(o) {
		o = s.pick(o)
	}
	s.path = append(s.path, pathStep{o, o.ClassName() == "Array"})
	return o
}

// textAtLeast is a lower bound on the characters value adds to the output,
// commas, keys and indentation aside (0: omitted), and the object the
// serializer will walk into, if any.
func textAtLeast(value goja.Value) (int64, *goja.Object) {
	switch v := value.(type) {
	case goja.String:
		return int64(v.Length()) + 2, nil
	case *goja.Object:
		if _, fn := goja.AssertFunction(v); fn {
			return 0, nil
		}
		return 2, v
	}
	switch {
	case value == nil || goja.IsUndefined(value):
		return 0, nil
	case goja.IsNull(value):
		return 4, nil
	}
	if _, ok := value.Export().(bool); ok {
		return 4, nil
	}
	if _, ok := value.(*goja.Symbol); ok {
		return 0, nil
	}
	return 1, nil // a number
}

// climbTo drops from the path what lies above holder. The first holder is
// the serializer's own wrapper of the value, which starts the path; its key
// is not written, as no array's is.
func (s *stringifyWatch) climbTo(holder *goja.Object) {
	for i := len(s.path) - 1; i >= 0; i-- {
		if s.path[i].obj == holder {
			s.path = s.path[:i+1]
			return
		}
	}
	s.path = append(s.path[:0], pathStep{holder, true})
}

type pathStep struct {
	obj   *goja.Object
	array bool // its keys are not written
}

// pick applies a property list the way the native serializer would have:
// the listed keys, in their order, read with [[Get]] (so inherited ones
// count and getters run once). A property list and a replacer function
// cannot be given to the native serializer together.
func (s *stringifyWatch) pick(o *goja.Object) *goja.Object {
	out := s.js.vm.NewObject()
	for _, k := range s.keys {
		if v := o.Get(k); v != nil {
			_ = out.Set(k, v)
		}
	}
	return out
}

// propertyList reads a replacer array as the specification does: strings
// and numbers (and their wrapper objects), each name once, in order.
func propertyList(arr *goja.Object) []string {
	n := arr.Get("length").ToInteger()
	keys := make([]string, 0, min(n, 1024))
	seen := map[string]bool{}
	for i := int64(0); i < n; i++ {
		v := arr.Get(strconv.FormatInt(i, 10))
		switch v.Export().(type) {
		case string, int64, float64:
		default:
			o, ok := v.(*goja.Object)
			if !ok || (o.ClassName() != "String" && o.ClassName() != "Number") {
				continue
			}
		}
		name := v.String()
		if !seen[name] {
			seen[name] = true
			keys = append(keys, name)
		}
	}
	return keys
}

// takesPropertyList tells the objects the native serializer walks by their
// keys (where a property list would have applied): not arrays, functions or
// the wrappers of primitives, which it serializes as their values.
func takesPropertyList(o *goja.Object) bool {
	switch o.ClassName() {
	case "Array", "Function", "Number", "String", "Boolean", "BigInt", "Symbol", "RawJSON":
		return false
	}
	return true
}
