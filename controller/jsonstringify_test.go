package controller

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// stringifyCases are serialized by the guarded JSON.stringify and by goja's
// own, which must agree to the byte (or on the error thrown).
var stringifyCases = []string{
	`JSON.stringify({a: 1, b: [1, "two", null, true, {c: undefined, d: function () {}}], e: "\u00e9\ud800"})`,
	`JSON.stringify([undefined, function () {}, Symbol("s"), NaN, Infinity, -0])`,
	`JSON.stringify({toJSON: function (k) { return {key: k, deep: {toJSON: function () { return [1, 2]; }}}; }})`,
	`JSON.stringify({d: new Date(0), n: new Number(3), s: new String("x"), b: new Boolean(false)})`,
	`JSON.stringify({a: 1, b: {a: 2, c: 3}}, function (k, v) { return k === "c" ? undefined : (typeof v === "number" ? v * 10 : v); })`,
	`JSON.stringify({a: 1, b: 2}, function (k, v) { return k === "" ? v : this.a + ":" + k; })`,
	`JSON.stringify({a: {b: 1, c: 2, a: 3}, c: 4, b: [{a: 1, x: 2}]}, ["c", "a", 1, "c"])`,
	`JSON.stringify(Object.create({inherited: 1, own: 0}, {own: {value: 2, enumerable: true}}), ["own", "inherited", "missing"])`,
	`JSON.stringify({a: {b: [1, {c: 2}]}}, null, 2)`,
	`JSON.stringify({a: {b: [1, {c: 2}]}}, null, "--")`,
	`JSON.stringify({a: [1]}, ["a"], "\t")`,
	`JSON.stringify({a: [1]}, [], 1)`,
	`JSON.stringify({get g() { return {h: 1}; }, m: new Map([[1, 2]])})`,
	`JSON.stringify(new Proxy({p: 1}, {}))`,
	`JSON.stringify({raw: JSON.rawJSON("12345678901234567890")})`,
	`JSON.stringify("plain")`,
	`JSON.stringify(undefined)`,
	`JSON.stringify(function () {})`,
	`JSON.stringify(Object.assign(Object.create(null), {x: [null]}))`,
	`var o = {}; o.self = o; JSON.stringify(o)`,
	`var a = [1]; a.push([a]); JSON.stringify(a)`,
	`JSON.stringify({n: 10n})`,
	`JSON.stringify({a: 1}, function () { throw new Error("from the replacer"); })`,
	`var shared = {s: 1}; JSON.stringify([shared, shared, {x: shared}])`,
	// What the serializer written in Go (jsonwrite.go) must match too.
	`JSON.stringify({"\ud800k": 1, "\ufffd": "\ufffd", "é\u2028": "\ud83d\ude00\udc00x\u0000\u001f\u007f"})`,
	`JSON.stringify([0.1, 1e21, 1e-7, 123e-20, -1.5e300, 123456789012345680000, 2**53, -(2**63), 5e-324, 1/3, -0.0])`,
	`JSON.stringify({a: [1, {b: new Uint8Array([1, 2])}, new Map()], c: new Int16Array(0)}, null, 3)`,
	`JSON.stringify({p: new Proxy([1, {q: 2}], {}), e: new Error("x"), r: /re/g, m: Math}, null, "ab")`,
	`var a = [1, , 3]; a.extra = 4; JSON.stringify([a, Object.assign([], {length: 2})])`,
	`var o = {b: 1, 2: "two", a: 2, 1: "one"}; o[Symbol("s")] = 3; JSON.stringify(o)`,
	`JSON.stringify(JSON.parse('{"__proto__": {"x": 1}, "y": [true, false, null]}'))`,
	`JSON.stringify({n: new Number(4.5), s: new String("s\n"), b: new Boolean(true)}, null, new Number(2))`,
	`JSON.stringify({a: {b: {}}, c: []}, null, new String("0123456789abc"))`,
	`JSON.stringify({a: 1}, null, 20)`,
	`JSON.stringify({a: 1}, null, -3)`,
	`JSON.stringify([1], null, 2.9)`,
	`BigInt.prototype.toJSON = function () { return this.toString(); }; JSON.stringify({n: 10n, m: Object(20n)})`,
	`JSON.stringify([Symbol("x"), Object(Symbol("y"))])`,
	`JSON.stringify({toJSON: function () { return undefined; }})`,
	`JSON.stringify([{toJSON: function (k) { return "at " + k; }}, {toJSON: 5}])`,
	`JSON.stringify([1, [2, [3]]], function (k, v) { return Array.isArray(v) ? v.concat(["+" + k]) : v; })`,
	`JSON.stringify({a: [{b: 1}]}, function (k, v) { return k === "a" ? new Map([[1, 2]]) : v; }, 1)`,
	`JSON.stringify({date: new Date(Date.UTC(2026, 10, 30, 12, 0, 0, 7))})`,
	`JSON.stringify({get boom() { throw new TypeError("getter"); }})`,
	`JSON.stringify({a: {toJSON: function () { throw new Error("toJSON"); }}})`,
	`JSON.stringify(Object.defineProperty({}, "hidden", {value: 1, enumerable: false}))`,
	`JSON.stringify([new String(""), "", {"": ""}], null, "\t")`,
	`JSON.stringify(Object.create(null))`,
	`class P { constructor() { this.x = 1; } get y() { return 2; } }; JSON.stringify(new P())`,
	`JSON.stringify((function () { return arguments; })(1, 2))`,
	`JSON.stringify({f: function () {}, g: () => 1, h: class {}})`,
	`var o = {}; o.a = {b: {c: o}}; JSON.stringify([o], null, 1)`,
	// An object goja serializes for us (a proxy) gets toJSON applied once,
	// and its toJSON read once, as the specification has it.
	`var n = 0; var p = new Proxy({x: 1, toJSON: function () { n++; return this; }}, {}); JSON.stringify({a: p}) + n`,
	`var g = 0; var p = new Proxy({y: 2}, {get: function (t, k) { if (k === "toJSON") g++; return t[k]; }}); JSON.stringify([p, {q: p}], null, 1) + g`,
	`var c = 0; var inner = new Proxy({z: 3, toJSON: function () { c++; return "inner"; }}, {}); JSON.stringify({a: {toJSON: function () { return inner; }}}) + c`,
	`var r = 0; JSON.stringify({a: new Proxy({b: 1, toJSON: function (k) { return {k: k}; }}, {})}, function (k, v) { r++; return v; }) + r`,
}

func runBoth(t *testing.T, src string) (native, guarded string) {
	t.Helper()
	return runBothLimited(t, src, 0)
}

// runBothLimited runs src with goja's JSON.stringify and with the guarded
// one, limited to maxOutput.
func runBothLimited(t *testing.T, src string, maxOutput int64) (native, guarded string) {
	t.Helper()
	return runIn(t, goja.New(), src), runGuarded(t, src, maxOutput)
}

// runGuarded runs src where JSON.stringify is guarded, with maxOutput.
func runGuarded(t *testing.T, src string, maxOutput int64) string {
	t.Helper()
	vm := goja.New()
	if _, err := guardJSONStringify(vm, new(atomic.Bool), maxOutput, newPlainProps(vm)); err != nil {
		t.Fatal(err)
	}
	return runIn(t, vm, src)
}

// runIn shows what src gives: its value, or what it throws.
func runIn(t *testing.T, vm *goja.Runtime, src string) string {
	t.Helper()
	v, err := vm.RunString(src)
	if err != nil {
		var exc *goja.Exception
		if errors.As(err, &exc) {
			return "throws " + exc.Value().String()
		}
		t.Fatalf("%s: %v", src, err)
	}
	if goja.IsUndefined(v) {
		return "undefined"
	}
	return v.String()
}

func TestJSONStringifyMatchesNative(t *testing.T) {
	for _, src := range stringifyCases {
		native, guarded := runBoth(t, src)
		if native != guarded {
			t.Errorf("%s\n native:  %s\n guarded: %s", src, native, guarded)
		}
	}
}

// The output bound counts UTF-16 code units, as V8's string length
// does, and is exact: an output exactly as
// long as the limit passes, one key or string past it is refused.
func TestJSONStringifyOutputLimit(t *testing.T) {
	for _, src := range stringifyCases {
		native, _ := runBoth(t, src)
		if strings.HasPrefix(native, "throws ") {
			continue
		}
		if _, guarded := runBothLimited(t, src, int64(len(utf16.Encode([]rune(native))))); guarded != native {
			t.Errorf("%s limited to its own length:\n native:  %s\n guarded: %s", src, native, guarded)
		}
	}
	for _, src := range []string{
		// Small enough that, unguarded, they end (100 MB, 16 MB) and fail.
		`var a = ["y".repeat(100)]; for (var i = 0; i < 20; i++) { a = [a, a]; } JSON.stringify(a)`,
		`var o = {}; o["k".repeat(1000)] = 1; for (var i = 0; i < 14; i++) { o = {a: o, b: o}; } JSON.stringify(o)`,
		`JSON.stringify(["x".repeat(1000001)])`,
	} {
		if guarded := runGuarded(t, src, 1_000_000); guarded != "throws RangeError: Invalid string length" {
			t.Errorf("%s: %.80s, want V8's RangeError", src, guarded)
		}
	}
}

// A chain of arrays 100,000 deep: goja's serializer took 14 s over it,
// deaf to --js-timeout (its cycle check is quadratic in the depth), and a
// few million levels overflow the Go stack, which ends the process.
func TestJSONStringifyRefusesDeepNesting(t *testing.T) {
	vm := goja.New()
	if _, err := guardJSONStringify(vm, new(atomic.Bool), 0, newPlainProps(vm)); err != nil {
		t.Fatal(err)
	}
	v, err := vm.RunString(`
		var a = [];
		for (var i = 0; i < 100000; i++) { a = [a]; }
		var caught;
		try { JSON.stringify(a); } catch (e) { caught = e; }
		String(caught instanceof RangeError) + " " + (caught && caught.message);`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.String(); !strings.HasPrefix(got, "true ") || !strings.Contains(got, "nested deeper than 10000") {
		t.Fatalf("got %q, want a RangeError naming the depth limit", got)
	}
	// As deep as the limit allows still serializes.
	v, err = vm.RunString(`var b = 0; for (var i = 0; i < 9999; i++) { b = [b]; } JSON.stringify(b).length`)
	if err != nil || v.ToInteger() != 2*9999+1 {
		t.Fatalf("9,999 levels: %v %v", v, err)
	}
}

// [a, a] doubled: small to build, its serialization grows without end. An
// interruption must stop it inside the serializer, not after it returns
// (which, unguarded, is after it has run out of memory).
func TestJSONStringifyStopsWhenInterrupted(t *testing.T) {
	vm := goja.New()
	var stopping atomic.Bool
	if _, err := guardJSONStringify(vm, &stopping, 0, newPlainProps(vm)); err != nil {
		t.Fatal(err)
	}
	if _, err := vm.RunString(`var a = [1]; for (var i = 0; i < 24; i++) { a = [a, a]; }`); err != nil {
		t.Fatal(err)
	}
	cause := errors.New("test timeout")
	stop := time.AfterFunc(50*time.Millisecond, func() {
		vm.Interrupt(cause)
		stopping.Store(true)
	})
	defer stop.Stop()
	_, err := vm.RunString(`try { JSON.stringify(a); } catch (e) { "caught " + e; }`)
	var interrupted *goja.InterruptedError
	if !errors.As(err, &interrupted) || interrupted.Value() != cause {
		t.Fatalf("got %v, want the uncatchable interruption with its cause", err)
	}
	if !strings.Contains(interrupted.String(), "JSON_stringify") {
		t.Fatalf("interrupted at %q, want inside JSON.stringify", interrupted.String())
	}
}

// Through the engine: the timeout stops a serialization that would never
// end, the request gets its 500, and the runtime serves the next one.
func TestJSONStringifyTimeoutThroughEngine(t *testing.T) {
	files := fstest.MapFS{
		"services/j/j.js": {Data: []byte(`exports.get = function (req) {
			if (req.params.small) { return { body: JSON.stringify({ok: [1, 2]}) }; }
			var a = [1];
			for (var i = 0; i < (req.params.body ? 24 : 40); i++) { a = [a, a]; }
			if (req.params.body) { return { body: a }; } // serialized by Go
			if (req.params.deep) {
				var d = []; for (var j = 0; j < 100000; j++) { d = [d]; }
				return { body: d };
			}
			return { body: JSON.stringify(a).length };
		};`)},
	}
	e := newEngineWith(t, Options{FS: files, Workers: 1, Timeout: 300 * time.Millisecond})
	// The depth limit needs no timeout: a long one, so that building the
	// chain (slow under the race detector) is not what stops the call.
	patient := newEngineWith(t, Options{FS: files, Workers: 1, Timeout: time.Minute})
	serve := func(query string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.Serve(rec, httptest.NewRequest(http.MethodGet, "/"+query, nil), Target{Script: "/services/j/j.js"})
		return rec
	}
	if rec := serve(""); rec.Code != http.StatusInternalServerError || e.Stats().Errors["timeout"] != 1 {
		t.Fatalf("got %d %q, timeouts %d; want 500 from the timeout", rec.Code, rec.Body, e.Stats().Errors["timeout"])
	}
	if rec := serve("?small=1"); rec.Body.String() != `{"ok":[1,2]}` {
		t.Fatalf("next call: %d %q", rec.Code, rec.Body)
	}
	// A body object is serialized by the engine, inside the call's time.
	if rec := serve("?body=1"); rec.Code != http.StatusInternalServerError || e.Stats().Errors["timeout"] != 2 {
		t.Fatalf("body: got %d (%d bytes), timeouts %d; want 500 from the timeout", rec.Code, rec.Body.Len(), e.Stats().Errors["timeout"])
	}
	rec := httptest.NewRecorder()
	patient.Serve(rec, httptest.NewRequest(http.MethodGet, "/?deep=1", nil), Target{Script: "/services/j/j.js"})
	if rec.Code != http.StatusInternalServerError || patient.Stats().Errors["timeout"] != 0 {
		t.Fatalf("deep body: got %d (%d bytes), timeouts %d; want 500 from the depth limit", rec.Code, rec.Body.Len(), patient.Stats().Errors["timeout"])
	}
}

// BenchmarkJSONStringify compares the guarded serializer with goja's on a
// typical response: 100 small records.
func BenchmarkJSONStringify(b *testing.B) {
	src := `var rows = []; for (var i = 0; i < 100; i++) { rows.push({id: i, name: "user" + i, tags: ["a", "b"], active: i % 2 === 0}); }
		(function () { return JSON.stringify(rows); })`
	for _, guarded := range []bool{false, true} {
		name := "native"
		if guarded {
			name = "guarded"
		}
		b.Run(name, func(b *testing.B) {
			vm := goja.New()
			if guarded {
				if _, err := guardJSONStringify(vm, new(atomic.Bool), 0, newPlainProps(vm)); err != nil {
					b.Fatal(err)
				}
			}
			v, err := vm.RunString(src)
			if err != nil {
				b.Fatal(err)
			}
			fn, _ := goja.AssertFunction(v)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := fn(goja.Undefined()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzJSONStringify compares the serializer with goja's own over any JSON
// document (strings with every escape, numbers of every form, nesting),
// with each kind of replacer and space argument.
func FuzzJSONStringify(f *testing.F) {
	for _, seed := range []string{
		`{"a":[1,2.5,-0,1e300,"\ud800","\u0000"],"b":{"c":null,"d":true}}`,
		`[0.1,1e21,1e-7,5e-324,123456789012345680000]`,
		`"\u2028\ufffd\udfff\ud83d\ude00"`,
		`{"__proto__":1,"2":0,"1":[]}`,
	} {
		for mode := range byte(6) {
			f.Add(seed, mode)
		}
	}
	// Each replacer, then each space argument. With a space the expected
	// text is goja's compact one indented by encoding/json, which lays
	// JSON out as the specification does: goja's own indentation goes
	// wrong after an empty array (TestJSONStringifyIndentAfterEmptyArray).
	replacers := []string{"null", `["a", "b", "1"]`,
		`function (k, v) { return typeof v === "number" ? v / 3 : v; }`,
		`function (k, v) { return k === "a" ? undefined : v; }`}
	spaces := []string{"", "2", "'\\t-'"}
	native, ours := goja.New(), goja.New()
	if _, err := guardJSONStringify(ours, new(atomic.Bool), 0, newPlainProps(ours)); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc string, mode byte) {
		if !json.Valid([]byte(doc)) || strings.Count(doc, "[")+strings.Count(doc, "{") > 200 {
			return
		}
		replacer := replacers[int(mode)%len(replacers)]
		space := spaces[int(mode)/len(replacers)%len(spaces)]
		value := "JSON.parse(" + strconv.Quote(doc) + ")"
		want := runIn(t, native, "JSON.stringify("+value+", "+replacer+")")
		got := runIn(t, ours, "JSON.stringify("+value+", "+replacer+", "+cmp.Or(space, "undefined")+")")
		if space != "" && !strings.HasPrefix(want, "throws ") && want != "undefined" {
			gap := runIn(t, native, "JSON.stringify({a: [1]}, null, "+space+")")
			gap = strings.TrimSuffix(strings.TrimPrefix(gap, "{\n"), "\"a\": [\n")
			gap = gap[:strings.Index(gap, `"a"`)]
			var indented bytes.Buffer
			if err := json.Indent(&indented, []byte(want), "", gap); err != nil {
				t.Fatal(err)
			}
			want = indented.String()
		}
		if want != got {
			t.Fatalf("%s with %s and %q\n native: %s\n ours:   %s", value, replacer, space, want, got)
		}
	})
}

// A Go string with invalid UTF-8 (a header, a query parameter) reaches
// scripts with its bytes as they were; serialized, each is U+FFFD, as goja's
// serializer has it, so that the output is UTF-8 a WebSocket may carry.
func TestJSONStringifyInvalidUTF8(t *testing.T) {
	vm := goja.New()
	s, err := guardJSONStringify(vm, new(atomic.Bool), 0, newPlainProps(vm))
	if err != nil {
		t.Fatal(err)
	}
	w := &worker{vm: vm, json: s}
	for _, c := range []struct {
		v    any
		want string
	}{
		{"a\xffb\xc0", "\"a\uFFFDb\uFFFD\""},
		{map[string]any{"k": []string{"\xed\xa0\x80é"}}, "{\"k\":[\"\uFFFD\uFFFD\uFFFDé\"]}"},
	} {
		native, err := guardedNativeJSON(vm, vm.ToValue(c.v))
		if err != nil || native != c.want {
			t.Fatalf("%q: goja's serializer gives %q %v, want %q", c.v, native, err, c.want)
		}
		got, err := w.marshal(vm.ToValue(c.v))
		if err != nil || string(got) != c.want || !utf8.Valid(got) {
			t.Errorf("%q: got %q %v, want %q", c.v, got, err, c.want)
		}
	}
}

// guardedNativeJSON is goja's own JSON.stringify of v.
func guardedNativeJSON(vm *goja.Runtime, v goja.Value) (string, error) {
	fn, _ := goja.AssertFunction(goja.New().Get("JSON").ToObject(vm).Get("stringify"))
	out, err := fn(goja.Undefined(), v)
	if err != nil {
		return "", err
	}
	return out.String(), nil
}

// goja's serializer leaves its indentation one step deeper after an empty
// array; V8 and the specification do not.
func TestJSONStringifyIndentAfterEmptyArray(t *testing.T) {
	got := runGuarded(t, `JSON.stringify({a: [], b: {c: [[]]}}, null, 1)`, 0)
	if want := "{\n \"a\": [],\n \"b\": {\n  \"c\": [\n   []\n  ]\n }\n}"; got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
