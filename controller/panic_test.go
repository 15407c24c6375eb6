package controller

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dop251/goja"

	"duplex/lib"
)

// panicky is a built-in module with a Go bug: boom() panics.
type panicky struct{}

func (panicky) Path() string { return "/lib/test/panicky" }

func (panicky) Instantiate(env *lib.Env) (goja.Value, error) {
	o := env.VM.NewObject()
	_ = o.Set("boom", func(goja.FunctionCall) goja.Value {
		var m map[string]int
		m["x"] = 1 // assignment to a nil map
		return nil
	})
	return o, nil
}

// A Go panic inside a built-in fails its call with a 500, and the runtime it
// ran on is replaced: the next call on the only worker is answered in full,
// not with an empty 200 or a timeout.
func TestPanicReplacesRuntime(t *testing.T) {
	e := newEngineWith(t, Options{
		FS: fstest.MapFS{
			"services/p/p.js": {Data: []byte(`var p = require('/lib/test/panicky');
var calls = 0;
exports.get = function (req) {
  calls++;
  if (req.params.boom) { p.boom(); }
  return { body: 'calls=' + calls };
};`)},
		},
		Workers: 1,
		Libs:    lib.NewRegistry(panicky{}),
	})
	serve := func(query string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.Serve(rec, httptest.NewRequest(http.MethodGet, "/_/service/bench/p"+query, nil), Target{Script: "/services/p/p.js"})
		return rec
	}
	if rec := serve(""); rec.Code != 200 || rec.Body.String() != "calls=1" {
		t.Fatalf("first call: %d %q", rec.Code, rec.Body)
	}
	before := e.all[0]
	rec := serve("?boom=1")
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "nil map") {
		t.Errorf("panicking call: %d %q (the panic's text must not reach the client)", rec.Code, rec.Body)
	}
	if e.all[0] == before {
		t.Error("the runtime that panicked is still in the pool")
	}
	// A fresh runtime: module state starts over.
	if rec := serve(""); rec.Code != 200 || rec.Body.String() != "calls=1" {
		t.Errorf("after the panic: %d %q, want a fresh runtime's calls=1", rec.Code, rec.Body)
	}
	if st := e.Stats(); st.Workers != 1 || st.Errors["other"] != 1 {
		t.Errorf("stats %+v", st)
	}
}
