package controller

import (
	"testing"
	"testing/fstest"

	"github.com/dop251/goja"
)

// BenchmarkSettle is what awaiting costs a handler that returns no
// Promise, paid on every call: a plain response object (one method
// call besides the type assertion) and undefined (a webSocketEvent).
func BenchmarkSettle(b *testing.B) {
	e := newTestEngine(b, fstest.MapFS{"x.js": {Data: []byte("")}}, 1)
	wk := <-e.workers
	response, err := wk.vm.RunString(`({ body: "hi", status: 200, headers: { a: "b" } })`)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		v    goja.Value
	}{{"object", response}, {"undefined", goja.Undefined()}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v, err := wk.settle(c.v, nil); v != c.v || err != nil {
					b.Fatal(v, err)
				}
			}
		})
	}
}
