package controller

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

// Each kind of response body as XP (and duplex) answers it: strings and
// String objects as they are, ArrayBuffers and Uint8Arrays as bytes,
// other objects and arrays as JSON, a function as no body.
func TestResponseBodies(t *testing.T) {
	e := newTestEngine(t, fstest.MapFS{"services/b/b.js": {Data: []byte(`
		var bodies = {
			text: function () { return 'plain'; },
			stringObject: function () { return new String('boxed'); },
			buffer: function () { return new Uint8Array([104, 105]).buffer; },
			bytes: function () { return new Uint8Array([0, 1, 2]); },
			object: function () { return { a: 1, list: [true, null] }; },
			array: function () { return [1, 'two']; },
			number: function () { return 5; },
			fn: function () { return function () {}; },
		};
		exports.get = function (req) { return { body: bodies[req.params.kind]() }; };
	`)}}, 1)
	for kind, want := range map[string]struct{ body, contentType string }{
		"text":         {"plain", "text/html; charset=utf-8"},
		"stringObject": {"boxed", "text/html; charset=utf-8"},
		"buffer":       {"hi", "application/octet-stream"},
		"bytes":        {"\x00\x01\x02", "application/octet-stream"},
		"object":       {`{"a":1,"list":[true,null]}`, "application/json; charset=utf-8"},
		"array":        {`[1,"two"]`, "application/json; charset=utf-8"},
		"number":       {"5", "text/html; charset=utf-8"},
		"fn":           {"", "text/html; charset=utf-8"},
	} {
		rec := httptest.NewRecorder()
		e.Serve(rec, httptest.NewRequest(http.MethodGet, "/_/service/bench/b?kind="+kind, nil), Target{Script: "/services/b/b.js"})
		if got := rec.Body.String(); rec.Code != 200 || got != want.body || rec.Header().Get("Content-Type") != want.contentType {
			t.Errorf("%s: %d %q %q, want %q %q", kind, rec.Code, got, rec.Header().Get("Content-Type"), want.body, want.contentType)
		}
	}
}
