package controller

import (
	"os"
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"
)

// BenchmarkStringify serializes the bodies of the bench's two HTTP
// handlers three ways: jsonWrite (what JSON.stringify and response bodies
// use), goja's serializer under the replacer guard that came before it,
// and goja's serializer with no guard at all.
func BenchmarkStringify(b *testing.B) {
	order, err := os.ReadFile("../bench/order.json")
	if err != nil {
		b.Fatal(err)
	}
	bodies := map[string]string{
		"hello": `var items = [];
			for (var i = 1; i <= 5; i++) { items.push({ id: i, name: 'item ' + i, price: i * 100, active: i % 2 === 1 }); }
			({ message: 'Hello bench', agent: 'duplex-bench', items: items })`,
		"order": "(" + string(order) + ")",
	}
	for _, name := range []string{"hello", "order"} {
		vm := goja.New()
		s, err := guardJSONStringify(vm, new(atomic.Bool), 0, newPlainProps(vm))
		if err != nil {
			b.Fatal(err)
		}
		v, err := vm.RunString(bodies[name])
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/ours", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				j := jsonWrite{s: s, spaceArg: goja.Undefined()}
				if !j.top(v) {
					b.Fatal("undefined")
				}
			}
		})
		b.Run(name+"/guarded-native", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.native(v.(*goja.Object), &jsonWrite{s: s, spaceArg: goja.Undefined()}, 0)
			}
		})
		b.Run(name+"/bare-native", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.(*goja.Object).MarshalJSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
