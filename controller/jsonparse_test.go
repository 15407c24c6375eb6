package controller

import (
	"encoding/json"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// jsonCases are compared with goja's native JSON.parse: valid JSON of every
// shape, and what RFC 8259 refuses.
var jsonCases = []string{
	// Valid.
	`0`, `-0`, `1`, `-1`, `255`, `256`, `-256`, `123456789012345`, `1234567890123456`, `-1234567890123456`,
	`9007199254740991`, `9007199254740992`, `9007199254740993`, `123456789012345678901234567890`,
	`1.5`, `-1.5`, `1.0`, `-0.0`, `0.1`, `1e2`, `1E2`, `1e+2`, `1e-2`, `-1e-2`, `1.5e3`, `0e0`, `-0e0`, `0.000001`, `1e-7`,
	`1e308`, `1.7976931348623157e308`, `5e-324`, `1e-400`, `-1e-400`, `2.2250738585072014e-308`,
	`true`, `false`, `null`, `""`, `"a"`, `"hello world"`, `"0123456789abcdefghijklmnopqrstuvwxyz"`,
	`"\""`, `"\\"`, `"\/"`, `"\b\f\n\r\t"`, `"\u0000"`, `"\u001f"`, `"\u0041"`, `"\u00e9"`, `"\u00E9"`, `"\u20ac"`,
	`"\ud83d\ude00"`, `"\uD83D\uDE00x"`, `"é"`, `"日本語"`, `"😀"`, `"a\u0000b"`, "\"\x7f\"", `"\ufeff"`, `"\uffff"`, `"�"`,
	`"\ud800"`, `"\udc00"`, `"\ud800\u0041"`, `"\ude00\ud83d"`, `"\ud800\ud800"`, `"x\ud83d"`, `"\ud83d\\"`,
	`[]`, `[ ]`, `[1]`, `[1,2,3]`, `[[]]`, `[[[1]],[2]]`, `[1,"a",true,null,{},[]]`, ` [ 1 , 2 ] `, "\t\n\r [1]\r\n\t",
	`{}`, `{ }`, `{"a":1}`, `{"a":1,"b":2}`, `{"a":{"b":{"c":[1,{"d":null}]}}}`, `{"":1}`, `{" ":1}`,
	`{"a":1,"b":2,"a":3}`, `{"a":{"x":1},"a":[2]}`, `{"__proto__":1}`, `{"__proto__":{"x":1},"y":2}`, `{"constructor":1,"toString":2,"hasOwnProperty":3}`,
	`{"2":"b","1":"a","x":0,"0":"z"}`, `{"4294967295":1,"4294967294":2,"-1":3,"01":4}`,
	`{"é":1,"日本":2}`, `{"\u00e9":1}`, `{"a\nb":1}`, `{"\ud83d\ude00":1}`, `{"a":"\ud800"}`,
	`[{"id":1,"name":"a"},{"id":2,"name":"b"},{"id":3,"name":"c"}]`,
	` {"a" : [ 1 , { "b" : "c" } ] , "d" : -1.5e-3 } `,
	// Invalid.
	``, ` `, `[`, `]`, `{`, `}`, `[1,]`, `[,1]`, `[1 2]`, `[1,,2]`, `{"a":1,}`, `{,}`, `{"a" 1}`, `{"a"}`, `{a:1}`, `{'a':1}`,
	`{"a":1 "b":2}`, `{1:2}`, `[1:2]`, `{"a":1]`, `[1}`, `'a'`, `"a`, `"a\"`, `"\x"`, `"\u12"`, `"\u12g4"`, `"\U0041"`,
	"\"\x01\"", "\"\n\"", "\"\t\"", "\"\x1f\"", `01`, `-01`, `00`, `1.`, `.5`, `-.5`, `1e`, `1e+`, `1e-`, `-`, `+1`, `--1`,
	`0x10`, `Infinity`, `-Infinity`, `NaN`, `undefined`, `tru`, `True`, `nul`, `nulll`, `falsey`, `1 2`, `[] []`, `{}x`, `"a"b`,
	"\f1", "\v1", "\u00a01", "\ufeff1", "1\u2028", `/*c*/1`, `1//c`, `[1]/**/`, "\x00", "1\x00", `"\`,
	"[\"\xff\"]", "\xff", "[1,\xff]", "\"\xc3\"", "{\"\xff\":1}",
}

func nativeRuntime() *goja.Runtime { return goja.New() }

func ourRuntime(t testing.TB) *goja.Runtime {
	vm := goja.New()
	if _, err := guardJSONParse(vm, newPlainProps(vm)); err != nil {
		t.Fatal(err)
	}
	return vm
}

// parseIn runs JSON.parse(text) in vm: its result described, or its error.
func parseIn(vm *goja.Runtime, text string) (string, error) {
	return parseValueIn(vm, vm.ToValue(text))
}

func parseValueIn(vm *goja.Runtime, text goja.Value) (string, error) {
	parse, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("parse"))
	v, err := parse(goja.Undefined(), text)
	if err != nil {
		return "", err
	}
	return describeJSON(vm, v), nil
}

// describeJSON writes down everything a script could tell apart in a
// parsed value (strings as Go sees them: lone surrogates as U+FFFD, as
// goja's native parser makes them), plus goja's own choice of integer or
// float, plus what JSON.stringify says.
func describeJSON(vm *goja.Runtime, v goja.Value) string {
	var b strings.Builder
	objectEntries, _ := goja.AssertFunction(vm.Get("Object").ToObject(vm).Get("entries"))
	var walk func(v goja.Value)
	walk = func(v goja.Value) {
		switch {
		case v == nil || goja.IsUndefined(v):
			b.WriteString("undefined")
		case goja.IsNull(v):
			b.WriteString("null")
		default:
			if o, ok := v.(*goja.Object); ok {
				if o.Prototype() != vm.NewObject().Prototype() && o.ClassName() != "Array" {
					b.WriteString("!proto")
				}
				if o.ClassName() == "Array" {
					b.WriteByte('[')
					n := o.Get("length").ToInteger()
					for i := int64(0); i < n; i++ {
						walk(o.Get(strconv.FormatInt(i, 10)))
						b.WriteByte(',')
					}
					b.WriteByte(']')
					return
				}
				b.WriteByte('{')
				// Entries, not Keys and Get: a key with a lone surrogate
				// is not a Go string.
				entries, err := objectEntries(goja.Undefined(), o)
				if err != nil {
					panic(err)
				}
				list := entries.(*goja.Object)
				for i := int64(0); i < list.Get("length").ToInteger(); i++ {
					kv := list.Get(strconv.FormatInt(i, 10)).(*goja.Object)
					b.WriteString(strconv.Quote(kv.Get("0").String()) + ":")
					walk(kv.Get("1"))
					b.WriteByte(',')
				}
				b.WriteByte('}')
				return
			}
			switch x := v.Export().(type) {
			case int64:
				b.WriteString("i" + strconv.FormatInt(x, 10))
			case float64:
				b.WriteString("f" + strconv.FormatFloat(x, 'g', -1, 64))
				if x == 0 && math.Signbit(x) {
					b.WriteString("(-0)")
				}
			case string:
				b.WriteString(strconv.Quote(x))
			case bool:
				b.WriteString(strconv.FormatBool(x))
			default:
				b.WriteString("?" + v.String())
			}
		}
	}
	walk(v)
	stringify, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("stringify"))
	s, err := stringify(goja.Undefined(), v)
	if err != nil {
		panic(err)
	}
	// Well-formed JSON.stringify escapes lone surrogates; goja's native
	// parser never makes any (U+FFFD instead).
	b.WriteString(" " + loneEscape.ReplaceAllString(s.String(), "\uFFFD"))
	return b.String()
}

var loneEscape = regexp.MustCompile(`\\ud[89a-f][0-9a-f]{2}`)

func isSyntaxError(err error) bool {
	ex, ok := err.(*goja.Exception)
	if !ok {
		return false
	}
	o, ok := ex.Value().(*goja.Object)
	return ok && o.Get("name").String() == "SyntaxError"
}

func TestJSONParseMatchesNative(t *testing.T) {
	ours, native := ourRuntime(t), nativeRuntime()
	for _, text := range jsonCases {
		want, wantErr := parseIn(native, text)
		got, gotErr := parseIn(ours, text)
		switch {
		case wantErr != nil && gotErr != nil:
			if !isSyntaxError(gotErr) {
				t.Errorf("%q: %v, want a SyntaxError", text, gotErr)
			}
		case wantErr != nil:
			t.Errorf("%q: %s, want an error as native's %v", text, got, wantErr)
		case gotErr != nil:
			t.Errorf("%q: %v, want %s", text, gotErr, want)
		case got != want:
			t.Errorf("%q:\n got %s\nwant %s", text, got, want)
		}
	}
}

// TestJSONParseNumbersPastRange: goja's native parser refuses them; the
// spec makes them what the JavaScript literal would be.
func TestJSONParseNumbersPastRange(t *testing.T) {
	ours := ourRuntime(t)
	for text, want := range map[string]string{
		`1e400`:    "f+Inf null",
		`-1e400`:   "f-Inf null",
		`[1E999]`:  "[f+Inf,] [null]",
		`-1e-400`:  "f-0(-0) 0",
		`1e-99999`: "i0 0",
	} {
		if got, err := parseIn(ours, text); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", text, got, err, want)
		}
	}
}

func runJS(t *testing.T, vm *goja.Runtime, src string) goja.Value {
	t.Helper()
	v, err := vm.RunString(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return v
}

func TestJSONParseProtoIsOwnProperty(t *testing.T) {
	vm := ourRuntime(t)
	got := runJS(t, vm, `
		Object.defineProperty(Object.prototype, "trap", { set: function () { throw new Error("setter ran"); }, configurable: true });
		var o = JSON.parse('{"__proto__": {"x": 1}, "a": 2, "trap": 3, "__proto__": {"y": 4}}');
		[Object.getPrototypeOf(o) === Object.prototype, o.hasOwnProperty("__proto__"), o.x, o.__proto__.y,
		 Object.keys(o).join(), o.trap, Object.getOwnPropertyDescriptor(o, "__proto__").enumerable,
		 JSON.stringify(o)].join(" ")`).String()
	want := `true true  4 __proto__,a,trap 3 true {"__proto__":{"y":4},"a":2,"trap":3}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestJSONParseLoneSurrogates(t *testing.T) {
	vm := ourRuntime(t)
	for src, want := range map[string]string{
		`JSON.parse('"\\uD800"').charCodeAt(0)`:                                    "55296",
		`JSON.parse('"\\uD800"').length`:                                           "1",
		`JSON.parse('"a\\uDC00b"').charCodeAt(1)`:                                  "56320",
		`JSON.parse('"\\uDE00\\uD83D"').length`:                                    "2",
		`JSON.parse('"\\uD83D\\uDE00"').codePointAt(0)`:                            "128512",
		`JSON.parse('"\\uD83D\\uDE00"') === "😀"`:                                   "true",
		`JSON.parse('"\\uD83D\\uD83D\\uDE00"') === "\uD83D😀"`:                      "true",
		`JSON.parse('"\uD800"').charCodeAt(0)`:                                     "55296",
		`JSON.parse('["é\uDFFF", "\uFFFD"]').join() === "é\uDFFF,\uFFFD"`:          "true",
		`JSON.parse('"\uD83D\\uDE00"') === "😀"`:                                    "true",
		`JSON.parse('"\\uD83D\uDE00"') === "😀"`:                                    "true",
		`Object.keys(JSON.parse('{"\\uD800": 1}'))[0] === "\uD800"`:                "true",
		`Object.keys(JSON.parse('{"\uDC00x": 1, "y": 2}')).join() === "\uDC00x,y"`: "true",
		`JSON.parse('{"\\uD800": 1, "\\uD800": 2}')["\uD800"]`:                     "2",
		`JSON.parse('"\uFFFD"') === "\uFFFD"`:                                      "true",
		`JSON.parse('"日本\\n語"')`:                                                   "日本\n語",
		`try { JSON.parse('["\uD800", x]') } catch (e) { e.message }`:              "Unexpected token x in JSON at position 6",
		`try { JSON.parse('["😀", x]') } catch (e) { e.message }`:                   "Unexpected token x in JSON at position 7",
		`try { JSON.parse('["é", x]') } catch (e) { e.message }`:                   "Unexpected token x in JSON at position 6",
	} {
		if got := runJS(t, vm, src).String(); got != want {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
	}
}

func TestJSONParseErrorMessages(t *testing.T) {
	vm := ourRuntime(t)
	for text, want := range map[string]string{
		``:           "Unexpected end of JSON input",
		`[1,`:        "Unexpected end of JSON input",
		`{"a":1,}`:   "Unexpected token } in JSON at position 7",
		`[1 2]`:      "Unexpected token 2 in JSON at position 3",
		`{'a':1}`:    "Unexpected token ' in JSON at position 1",
		`[1] x`:      "Unexpected non-whitespace character after JSON at position 4",
		`01`:         "Unexpected non-whitespace character after JSON at position 1",
		`"a`:         "Unterminated string in JSON at position 2",
		"\"a\nb\"":   "Bad control character in string literal in JSON at position 2",
		`"\x"`:       "Bad escaped character in JSON at position 2",
		`"\u12x4"`:   "Bad Unicode escape in JSON at position 5",
		`-x`:         "No number after minus sign in JSON at position 1",
		`1.e3`:       "Unterminated fractional number in JSON at position 2",
		`1e+`:        "Exponent part is missing a number in JSON at position 3",
		`tru`:        "Unexpected end of JSON input",
		`trUe`:       "Unexpected token U in JSON at position 2",
		"\x01":       `Unexpected token \x01 in JSON at position 0`,
		"[1,\u00a0]": `Unexpected token \u00a0 in JSON at position 3`,
	} {
		_, err := parseIn(vm, text)
		if !isSyntaxError(err) {
			t.Errorf("%q: %v, want a SyntaxError", text, err)
			continue
		}
		if got := err.(*goja.Exception).Value().(*goja.Object).Get("message").String(); got != want {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
	}
}

func TestJSONParseDepthLimit(t *testing.T) {
	vm := ourRuntime(t)
	for _, c := range []struct {
		open, close string
	}{{"[", "]"}, {`{"a":`, "}"}, {`[{"a":`, "}]"}} {
		levels := maxJSONDepth / (strings.Count(c.open, "[") + strings.Count(c.open, "{"))
		ok := strings.Repeat(c.open, levels) + "1" + strings.Repeat(c.close, levels)
		if _, err := parseIn(vm, ok); err != nil {
			t.Errorf("%s × %d: %v", c.open, levels, err)
		}
		deep := c.open + ok + c.close
		if _, err := parseIn(vm, deep); !isSyntaxError(err) || !strings.Contains(err.Error(), "JSON nested deeper than 10000 levels") {
			t.Errorf("%s × %d + 1: %v, want the nesting SyntaxError", c.open, levels, err)
		}
	}
	// Past the limit while still invalid further on: the depth is what
	// it reports, having read no further.
	if _, err := parseIn(vm, strings.Repeat("[", 20_000)+"}"); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("20,000 '[' then '}': %v", err)
	}
}

// TestJSONParseReviver compares the calls a reviver sees, and the result,
// with goja's native JSON.parse.
func TestJSONParseReviver(t *testing.T) {
	const revivers = `
	var log = [];
	var revivers = [
		function (k, v) { log.push(JSON.stringify([k, v, Array.isArray(this)])); return v; },
		function (k, v) { return typeof v === "number" ? v * 2 : v; },
		function (k, v) { return k === "b" || k === "1" ? undefined : v; },
		function (k, v) { if (k === "a") { this.c = "added"; } return v; },
		function (k, v) { if (k === "0" && Array.isArray(this)) { this.length = 1; } return v; },
		function (k, v) { if (k === "") return v; Object.freeze(this); return 9; },
		function (k, v) { if (k === "a") { Object.defineProperty(this, "b", { value: 1, configurable: false }); } return k === "b" ? undefined : v; },
	];
	function run(text) {
		return revivers.map(function (r) {
			log = [];
			try { return JSON.stringify(JSON.parse(text, r)) + log.join(";"); } catch (e) { return e.name + log.join(";"); }
		}).join("\n");
	}`
	ours, native := ourRuntime(t), nativeRuntime()
	runJS(t, ours, revivers)
	runJS(t, native, revivers)
	for _, text := range []string{`1`, `[1,2,[3,{"x":4}]]`, `{"a":1,"b":[1,2,3],"c":{"d":{"e":"f"}}}`, `{"a":{"b":2},"b":3}`, `[[1,2],[3,4]]`, `{"__proto__":{"a":1}}`} {
		src := "run(" + strconv.Quote(text) + ")"
		if got, want := runJS(t, ours, src).String(), runJS(t, native, src).String(); got != want {
			t.Errorf("%s:\n got %s\nwant %s", text, got, want)
		}
	}
	// A reviver that is not callable is ignored (goja's native throws a
	// TypeError for null).
	if got := runJS(t, ours, `JSON.stringify([JSON.parse("[1]", null), JSON.parse("[1]", {}), JSON.parse("[1]", 5)])`).String(); got != "[[1],[1],[1]]" {
		t.Errorf("non-callable revivers: %s", got)
	}
}

// TestJSONParseKeepsNoText: what the parser keeps between calls does not
// hold on to the text or to what it made.
func TestJSONParseKeepsNoText(t *testing.T) {
	vm := goja.New()
	p, err := newJSONParser(vm, newPlainProps(vm))
	if err != nil {
		t.Fatal(err)
	}
	big := "[" + strings.Repeat(`{"k":"v"},`, 10_000) + "1]"
	p.Parse(vm.ToValue(big).(goja.String), goja.Undefined())
	if p.s != "" || len(p.elems) != 0 || cap(p.elems) > jsonKeepElems || cap(p.buf) > jsonKeepBuf {
		t.Fatalf("kept s %d bytes, elems %d/%d, buf %d", len(p.s), len(p.elems), cap(p.elems), cap(p.buf))
	}
	func() {
		defer func() { _ = recover() }()
		p.Parse(vm.ToValue(`[1, 2, {"a": [3, x]}]`).(goja.String), goja.Undefined())
	}()
	if p.busy || len(p.elems) != 0 {
		t.Fatalf("after a syntax error: busy %v, elems %d", p.busy, len(p.elems))
	}
	for _, e := range p.elems[:cap(p.elems)] {
		if e != nil {
			t.Fatal("a value kept in the scratch stack")
		}
	}
}

// nesting is the deepest bracket nesting of s outside strings: goja's
// native parser must not see more than maxJSONDepth.
func nesting(s string) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

func FuzzJSONParse(f *testing.F) {
	for _, s := range jsonCases {
		f.Add(s)
	}
	if doc, err := os.ReadFile("../bench/order.json"); err == nil {
		f.Add(string(doc))
	}
	for _, s := range []string{"[\"\xef\xbf\xbd\\ud800\", \"\xff\"]", "{\"\xed\xa0\x80\":\"\xed\xb0\x80\xed\xa0\xbd\"}", "\"\\ud83d\xed\xb8\x80\"", "[\xed\xa0\x80]"} {
		f.Add(s)
	}
	ours, native := ourRuntime(f), nativeRuntime()
	f.Fuzz(func(t *testing.T, text string) {
		checkJSONParse(t, ours, native, text, true, func(vm *goja.Runtime) goja.Value { return vm.ToValue(text) })
		// The same text as a JS string of UTF-16 code units, where the
		// WTF-8 of a surrogate is a lone surrogate: goja's native parser
		// reads U+FFFD for it, and for an escaped one next to it, where
		// the two may make a pair.
		checkJSONParse(t, ours, native, text, !escapeMeetsRaw(text), func(*goja.Runtime) goja.Value { return codeUnits(text) })
	})
}

// codeUnits is WTF-8 s as a JS string: UTF-8, except that the encoding of
// a surrogate is that code unit. Invalid bytes are U+FFFD.
func codeUnits(s string) goja.String {
	var u []uint16
	for i := 0; i < len(s); {
		if i+2 < len(s) && s[i] == 0xED && s[i+1] >= 0xA0 && s[i+1] <= 0xBF && s[i+2] >= 0x80 && s[i+2] <= 0xBF {
			u = append(u, 0xD000|uint16(s[i+1]&0x3F)<<6|uint16(s[i+2]&0x3F))
			i += 3
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		u = utf16.AppendRune(u, r)
		i += w
	}
	return goja.StringFromUTF16(u)
}

// escapeMeetsRaw: s has an escaped surrogate next to the WTF-8 of one
// (it errs on the side of yes).
func escapeMeetsRaw(s string) bool {
	raw := func(i int) bool { return i >= 0 && i+2 < len(s) && s[i] == 0xED && s[i+1] >= 0xA0 && s[i+1] <= 0xBF }
	for i := 0; i+6 <= len(s); i++ {
		if s[i] != '\\' || s[i+1] != 'u' {
			continue
		}
		if u, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil && u >= 0xD800 && u <= 0xDFFF && (raw(i+6) || raw(i-3)) {
			return true
		}
	}
	return false
}

// checkJSONParse compares our JSON.parse of arg with goja's native one:
// the same error-ness, and, if sameValue, the same value.
func checkJSONParse(t *testing.T, ours, native *goja.Runtime, text string, sameValue bool, arg func(*goja.Runtime) goja.Value) {
	t.Helper()
	got, gotErr := parseValueIn(ours, arg(ours))
	if gotErr != nil && !isSyntaxError(gotErr) {
		t.Fatalf("%q: %v, want a SyntaxError", text, gotErr)
	}
	if nesting(text) > maxJSONDepth {
		if gotErr == nil {
			t.Fatalf("%q: parsed past the depth limit", text)
		}
		return
	}
	want, wantErr := parseValueIn(native, arg(native))
	switch {
	case wantErr != nil && gotErr != nil:
	case wantErr != nil:
		// goja refuses numbers past the float64 range; they are
		// ±Infinity by the spec.
		if !strings.Contains(wantErr.Error(), "cannot unmarshal number") || !json.Valid([]byte(text)) {
			t.Fatalf("%q: %s, want an error as native's %v", text, got, wantErr)
		}
	case gotErr != nil:
		t.Fatalf("%q: %v, want %s", text, gotErr, want)
	case got != want && sameValue:
		t.Fatalf("%q:\n got %s\nwant %s", text, got, want)
	}
}

// BenchmarkJSONParseOrder is JSON.parse of bench/order.json alone.
func BenchmarkJSONParseOrder(b *testing.B) {
	order := benchOrder(b)
	for _, r := range []struct {
		name string
		vm   *goja.Runtime
	}{{"ours", ourRuntime(b)}, {"native", nativeRuntime()}} {
		b.Run(r.name, func(b *testing.B) {
			parse, _ := goja.AssertFunction(r.vm.Get("JSON").ToObject(r.vm).Get("parse"))
			text := r.vm.ToValue(order)
			b.SetBytes(int64(len(order)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parse(goja.Undefined(), text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
