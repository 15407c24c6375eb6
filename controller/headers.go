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
//
// The request's headers are read where they are, in the request, until a
// script enumerates or changes the object: most handlers read a header or
// two, and copying all of them cost a tenth of a GET's allocations.
type headerObject struct {
	vm *goja.Runtime
	r  *http.Request
	// names and vals are the object once made (built is set): shown
	// names, sorted without regard to case, and values by lower-case name.
	built bool
	names []string
	vals  map[string]goja.Value
}

func newHeaderObject(vm *goja.Runtime, r *http.Request) *goja.Object {
	return vm.NewDynamicObject(&headerObject{vm: vm, r: r})
}

// build makes the object from the request's headers, before the first
// change or enumeration.
func (h *headerObject) build() {
	if h.built {
		return
	}
	h.built = true
	h.vals = make(map[string]goja.Value, len(h.r.Header)+1)
	if h.r.Host != "" {
		h.put("Host", h.vm.ToValue(h.r.Host))
	}
	for name, values := range h.r.Header {
		if len(values) > 0 {
			h.put(name, h.vm.ToValue(values[0]))
		}
	}
}

// lookup is the request's own header called key, in any case.
func (h *headerObject) lookup(key string) (string, bool) {
	if strings.EqualFold(key, "host") {
		return h.r.Host, h.r.Host != ""
	}
	if values := h.r.Header[key]; len(values) > 0 {
		return values[0], true
	}
	for name, values := range h.r.Header {
		if len(values) > 0 && strings.EqualFold(name, key) {
			return values[0], true
		}
	}
	return "", false
}

func (h *headerObject) Get(key string) goja.Value {
	if h.built {
		return h.vals[strings.ToLower(key)]
	}
	if v, ok := h.lookup(key); ok {
		return h.vm.ToValue(v)
	}
	return nil
}

func (h *headerObject) Has(key string) bool {
	if !h.built {
		_, ok := h.lookup(key)
		return ok
	}
	_, ok := h.vals[strings.ToLower(key)]
	return ok
}

func (h *headerObject) Set(key string, v goja.Value) bool {
	h.build()
	h.put(key, v)
	return true
}

func (h *headerObject) put(key string, v goja.Value) {
	lower := strings.ToLower(key)
	if _, ok := h.vals[lower]; !ok {
		i, _ := slices.BinarySearchFunc(h.names, lower, func(name, target string) int {
			return strings.Compare(strings.ToLower(name), target)
		})
		h.names = slices.Insert(h.names, i, key)
	}
	h.vals[lower] = v
}

func (h *headerObject) Delete(key string) bool {
	h.build()
	lower := strings.ToLower(key)
	delete(h.vals, lower)
	h.names = slices.DeleteFunc(h.names, func(name string) bool { return strings.ToLower(name) == lower })
	return true
}

func (h *headerObject) Keys() []string {
	h.build()
	return h.names
}
