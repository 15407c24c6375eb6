package controller

import (
	"fmt"
	"strconv"

	"github.com/dop251/goja"
)

// maxJSONDepth bounds the nesting JSON.parse accepts. goja's parser recurses
// natively, outside SetMaxCallStackSize, and a Go stack overflow is fatal to
// the whole process: one 10 MB request body of "[[[[…" would kill the
// server. encoding/json stops at the same depth.
const maxJSONDepth = 10000

// guardJSONParse replaces JSON.parse with a version that refuses input
// nested deeper than maxJSONDepth before the native parser sees it.
func guardJSONParse(vm *goja.Runtime) (goja.Callable, error) {
	return replaceJSON(vm, "parse", func(parse goja.Callable) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			// The argument is converted once, and the native parser gets that
			// string: an object whose toString answers differently the second
			// time (shallow for the check, deep for the parse) must not slip
			// past the guard.
			text := c.Argument(0).ToString()
			args := append([]goja.Value{text}, c.Arguments[min(1, len(c.Arguments)):]...)
			if jsonDepth(text.String()) > maxJSONDepth {
				exc, err := vm.New(vm.Get("SyntaxError"), vm.ToValue("JSON nested deeper than "+strconv.Itoa(maxJSONDepth)+" levels"))
				if err != nil {
					panic(err)
				}
				panic(exc)
			}
			v, err := parse(goja.Undefined(), args...)
			if err != nil {
				panic(err)
			}
			return v
		}
	})
}

// replaceJSON swaps JSON[name] for what guard makes of the native
// function, and returns the guarded one as Go callers must keep it: a
// script may replace the global afterwards.
func replaceJSON(vm *goja.Runtime, name string, guard func(native goja.Callable) func(goja.FunctionCall) goja.Value) (goja.Callable, error) {
	jsonObj := vm.Get("JSON").ToObject(vm)
	native, ok := goja.AssertFunction(jsonObj.Get(name))
	if !ok {
		return nil, fmt.Errorf("controller: JSON.%s missing", name)
	}
	if err := jsonObj.Set(name, guard(native)); err != nil {
		return nil, err
	}
	safe, _ := goja.AssertFunction(jsonObj.Get(name))
	return safe, nil
}

// jsonDepth is the deepest bracket nesting in s, ignoring brackets inside
// strings; it stops counting once past the limit.
func jsonDepth(s string) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > maxJSONDepth {
					return deepest
				}
			}
		case ']', '}':
			depth--
		}
	}
	return deepest
}
