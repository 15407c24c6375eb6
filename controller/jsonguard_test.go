package controller

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestJSONParseRefusesDeepNesting sends a body nested far deeper than the
// guard allows: without it the native parser overflows the Go stack, which
// kills the process instead of failing the call.
func TestJSONParseRefusesDeepNesting(t *testing.T) {
	e := newTestEngine(t, fstest.MapFS{
		"services/p/p.js": {Data: []byte(`exports.post = function (req) {
			try { JSON.parse(req.body); return { body: "parsed" }; }
			catch (e) { return { status: 400, body: String(e) }; }
		};`)},
	}, 1)
	deep := 5_000_000
	body := strings.Repeat("[", deep) + strings.Repeat("]", deep)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.Serve(rec, req, Target{Script: "/services/p/p.js"})
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "nested deeper") {
		t.Fatalf("got %d %q; want 400 naming the nesting limit", rec.Code, rec.Body.String())
	}
	// Ordinary JSON, with brackets inside strings, still parses.
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"a":"[[[[\"]]","b":[[1],[2,{"c":3}]]}`))
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	e.Serve(rec, req, Target{Script: "/services/p/p.js"})
	if rec.Body.String() != "parsed" {
		t.Fatalf("valid JSON: got %d %q", rec.Code, rec.Body.String())
	}
}

// TestJSONParseConvertsOnce: an argument whose toString is shallow when the
// guard looks and deep when the parser does must not reach the parser deep
// (it overflowed the Go stack: fatal to the process). The reviver still
// works.
func TestJSONParseConvertsOnce(t *testing.T) {
	e := newTestEngine(t, fstest.MapFS{
		"services/p/p.js": {Data: []byte(`exports.get = function () {
			var calls = 0;
			var sly = { toString: function () { calls++; return calls === 1 ? "[]" : "[".repeat(5000000) + "]".repeat(5000000); } };
			var parsed = JSON.stringify(JSON.parse(sly));
			var revived = JSON.parse('{"a": 1}', function (k, v) { return k === "a" ? v + 1 : v; }).a;
			return { body: parsed + " " + calls + " " + revived };
		};`)},
	}, 1)
	rec := httptest.NewRecorder()
	e.Serve(rec, httptest.NewRequest(http.MethodGet, "/", nil), Target{Script: "/services/p/p.js"})
	if rec.Code != 200 || rec.Body.String() != "[] 1 2" {
		t.Fatalf("got %d %q; want the first conversion parsed, toString called once, the reviver applied", rec.Code, rec.Body.String())
	}
}
