package controller

import (
	"fmt"

	"github.com/dop251/goja"
)

// maxJSONDepth bounds the nesting JSON.parse accepts, as encoding/json
// does. The parser (jsonparse.go) recurses once a level: unbounded, one
// 10 MB request body of "[[[[…" would take a gigabyte of Go stack, and a
// Go stack overflow is fatal to the whole process.
const maxJSONDepth = 10000

// guardJSONParse replaces JSON.parse with our parser (jsonparse.go), which
// refuses input nested deeper than maxJSONDepth.
func guardJSONParse(vm *goja.Runtime, props plainProps) (goja.Callable, error) {
	p, err := newJSONParser(vm, props)
	if err != nil {
		return nil, err
	}
	return replaceJSON(vm, "parse", func(goja.Callable) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			// The argument is converted once: an object whose toString
			// answers differently the second time must not be read twice.
			text, _ := c.Argument(0).ToString().(goja.String)
			return p.Parse(text, c.Argument(1))
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
