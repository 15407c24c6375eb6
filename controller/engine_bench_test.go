package controller

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/rs/zerolog"
)

func newTestEngine(tb testing.TB, files fstest.MapFS, workers int) *Engine {
	tb.Helper()
	return newEngineWith(tb, Options{FS: files, Workers: workers})
}

// newEngineWith starts an engine with opts, quiet and named for tests.
func newEngineWith(tb testing.TB, opts Options) *Engine {
	tb.Helper()
	opts.App = AppInfo{Name: "bench"}
	opts.Log = zerolog.Nop()
	e, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// BenchmarkServeTrivial is the cost of one request through a controller that
// returns a constant body: request mapping, a borrowed runtime, the call and
// the response mapping, without the network.
func BenchmarkServeTrivial(b *testing.B) {
	e := newTestEngine(b, fstest.MapFS{
		"services/hi/hi.js": {Data: []byte(`exports.get = function (req) { return { body: "hi" }; };`)},
	}, 1)
	t := Target{Script: "/services/hi/hi.js"}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.Serve(rec, httptest.NewRequest(http.MethodGet, "/_/service/bench/hi?a=1", nil), t)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkServeTrivialParallel shows how the runtime pool scales across
// cores.
func BenchmarkServeTrivialParallel(b *testing.B) {
	e := newTestEngine(b, fstest.MapFS{
		"services/hi/hi.js": {Data: []byte(`exports.get = function (req) { return { body: "hi" }; };`)},
	}, 2)
	t := Target{Script: "/services/hi/hi.js"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			e.Serve(rec, httptest.NewRequest(http.MethodGet, "/_/service/bench/hi?a=1", nil), t)
		}
	})
}
