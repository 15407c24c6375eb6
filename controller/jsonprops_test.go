package controller

import (
	"slices"
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"
)

// TestPlainPropsAgreeWithKeys: the in-place reading of an object's keys
// is on with this goja (a goja that moved the fields it reads fails here,
// not in production, where Keys would take over), and for every kind of
// object it either declines or gives exactly what Keys gives.
func TestPlainPropsAgreeWithKeys(t *testing.T) {
	vm := goja.New()
	p := newPlainProps(vm)
	if !p.ok {
		t.Fatal("the in-place key reading is off: goja's baseObject changed; see plainProps")
	}
	for _, tc := range []struct {
		src   string
		plain bool // must be read in place
	}{
		{`({a: 1, b: "x", c: {d: 2}})`, true},
		{`(function () { var o = {a: 1, b: 2, c: 3}; delete o.b; o.d = 4; return o; })()`, true},
		{`({"": 1, "-1": 2, "a b": 3, __proto__x: 4})`, true},
		{`JSON.parse('{"z": 1, "y": 2}')`, true},
		{`(function () { class A { constructor() { this.x = 1; this.y = 2; } get z() { return 3; } } return new A(); })()`, true},
		{`(function () { var o = Object.create(null); o.k = 1; return o; })()`, true},
		{`({b: 1, 2: "two", a: 2, 1: "one"})`, false},
		{`({"01": 1, a: 2})`, false},
		{`({é: 1, a: 2})`, false},
		{`(function () { var o = {a: 1}; Object.defineProperty(o, "h", {value: 2, enumerable: false}); return o; })()`, false},
		{`({a: 1, get g() { return 2; }})`, false},
		{`Object.freeze({a: 1, b: 2})`, false},
		{`[1, 2, 3]`, false},
		{`(function () {})`, false},
		{`new Error("e")`, false},
		{`new Proxy({a: 1}, {})`, false},
		{`new Map([[1, 2]])`, false},
	} {
		v, err := vm.RunString(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		o := v.ToObject(vm)
		got, ok := p.names(o, []string{"before"})
		if ok != tc.plain {
			t.Errorf("%s: read in place %v, want %v", tc.src, ok, tc.plain)
		}
		if got[0] != "before" {
			t.Errorf("%s: what was in the buffer before was overwritten: %q", tc.src, got)
		}
		if ok && !slices.Equal(got[1:], o.Keys()) {
			t.Errorf("%s: in place %q, Keys %q", tc.src, got[1:], o.Keys())
		}
		if !ok && len(got) != 1 {
			t.Errorf("%s: declined but left names behind: %q", tc.src, got)
		}
	}
}

// A replacer that changes the object being serialized sees the result
// the specification gives: keys taken first, values read as they come.
func TestPlainPropsReadValuesLate(t *testing.T) {
	vm := goja.New()
	if _, err := guardJSONStringify(vm, new(atomic.Bool), 0, newPlainProps(vm)); err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]string{
		`var o = {a: 1, b: 2, c: 3}; JSON.stringify(o, function (k, v) { if (k === "a") { delete o.b; o.d = 4; } return v; })`:                                                         `{"a":1,"c":3}`,
		`var o = {a: 1, b: 2}; JSON.stringify(o, function (k, v) { if (k === "a") { Object.defineProperty(o, "b", {get: function () { return 9; }, enumerable: true}); } return v; })`: `{"a":1,"b":9}`,
		`var o = {a: 1, b: 2}; JSON.stringify(o, function (k, v) { if (k === "a") { o.b = {x: [o.b]}; } return v; })`:                                                                  `{"a":1,"b":{"x":[2]}}`,
	} {
		got, err := vm.RunString(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got.String() != want {
			t.Errorf("%s\n got  %s\n want %s", src, got, want)
		}
	}
}

// Objects JSON.parse makes have their key list sized up front (presize);
// they behave as any other after: keys in order, added and deleted ones
// too, and the serializer reads them in place.
func TestParsedObjectsBehaveAfterPresize(t *testing.T) {
	e := newTestEngine(t, nil, 1)
	w := <-e.workers
	defer func() { e.workers <- w }()
	v, err := w.vm.RunString(`
		var o = JSON.parse('{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"a":10}');
		o.j = 11; delete o.c; o.k = 12;
		var inner = JSON.parse('{"x":{"y":1,"z":2}}').x; inner.w = 3;
		[Object.keys(o).join(","), JSON.stringify(o), JSON.stringify(inner)].join(" | ")`)
	if err != nil {
		t.Fatal(err)
	}
	want := `a,b,d,e,f,g,h,i,j,k | {"a":10,"b":2,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":11,"k":12} | {"y":1,"z":2,"w":3}`
	if v.String() != want {
		t.Fatalf("got  %s\nwant %s", v, want)
	}
}

// A stringify that throws midway leaves no keys behind in the shared
// list: a thousand of them would otherwise hold eight thousand.
func TestStringifyThrowLeavesNoKeys(t *testing.T) {
	vm := goja.New()
	s, err := guardJSONStringify(vm, new(atomic.Bool), 0, newPlainProps(vm))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vm.RunString(`
		for (var i = 0; i < 1000; i++) {
			var o = {a: 1, b: 2, c: {d: 3}}; o.c.self = o;
			try { JSON.stringify(o); throw new Error("no throw"); } catch (e) { if (!(e instanceof TypeError)) throw e; }
		}`); err != nil {
		t.Fatal(err)
	}
	if n := len(s.names); n != 0 {
		t.Fatalf("%d keys left in the list after the throws", n)
	}
}
