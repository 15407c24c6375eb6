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
