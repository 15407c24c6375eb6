package lib

import "github.com/dop251/goja"

// StringOf is o[key] as a string: "" when it is absent, undefined or null,
// as the options objects of XP's libraries read.
func StringOf(o *goja.Object, key string) string {
	v := o.Get(key)
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return v.String()
}

// Params is the one argument of an XP library function that takes an
// object of parameters (portal.serviceUrl, event.send); anything else is
// the TypeError the script sees, naming fn.
func Params(vm *goja.Runtime, v goja.Value, fn string) *goja.Object {
	o, ok := v.(*goja.Object)
	if !ok {
		panic(vm.NewTypeError("%s: expects an object of parameters", fn))
	}
	return o
}
