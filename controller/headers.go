package controller

import (
	"net/http"
	"slices"
	"strings"

	"github.com/dop251/goja"
)

// headerObject is req.headers. XP backs it with a case-insensitive TreeMap
// (PortalRequestMapper), so req.headers['content-type'] and
// req.headers['Content-Type'] are one header, and its keys come sorted
// without regard to case; scripts ported from XP, and clients such as
// Node's fetch that send lower-case names, rely on that. Names are shown as
// net/http keeps them (canonical case: the case sent is not kept). Scripts
// may add, replace and delete entries as on a plain object.
type headerObject struct {
	names []string              // shown names, sorted without regard to case
	vals  map[string]goja.Value // by lower-case name
}

func newHeaderObject(vm *goja.Runtime, r *http.Request) *goja.Object {
	h := &headerObject{vals: make(map[string]goja.Value, len(r.Header)+1)}
	if r.Host != "" {
		h.Set("Host", vm.ToValue(r.Host))
	}
	for name, values := range r.Header {
		if len(values) > 0 {
			h.Set(name, vm.ToValue(values[0]))
		}
	}
	return vm.NewDynamicObject(h)
}

func (h *headerObject) Get(key string) goja.Value { return h.vals[strings.ToLower(key)] }

func (h *headerObject) Has(key string) bool {
	_, ok := h.vals[strings.ToLower(key)]
	return ok
}

func (h *headerObject) Set(key string, v goja.Value) bool {
	lower := strings.ToLower(key)
	if _, ok := h.vals[lower]; !ok {
		i, _ := slices.BinarySearchFunc(h.names, lower, func(name, target string) int {
			return strings.Compare(strings.ToLower(name), target)
		})
		h.names = slices.Insert(h.names, i, key)
	}
	h.vals[lower] = v
	return true
}

func (h *headerObject) Delete(key string) bool {
	lower := strings.ToLower(key)
	delete(h.vals, lower)
	h.names = slices.DeleteFunc(h.names, func(name string) bool { return strings.ToLower(name) == lower })
	return true
}

func (h *headerObject) Keys() []string { return h.names }
