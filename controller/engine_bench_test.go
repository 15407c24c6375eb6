package controller

import (
	"github.com/dop251/goja"

	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
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

// benchApp is the application cmd/duplex-bench serves (bench/app), so that
// the micro-benchmarks below run the very handlers of its HTTP scenarios.
func benchApp(b *testing.B) *Engine {
	b.Helper()
	return newEngineWith(b, Options{FS: os.DirFS("../bench/app"), Workers: 1})
}

// BenchmarkServeHelloJSON is one request through the handler of the bench's
// http scenario (bench/app/services/hello): read a parameter and a header,
// build five small objects, answer them as JSON; without the network.
func BenchmarkServeHelloJSON(b *testing.B) {
	e := benchApp(b)
	t := Target{Script: "/services/hello/hello.js"}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/_/service/bench/hello?name=bench", nil)
		req.Header.Set("User-Agent", "duplex-bench")
		e.Serve(rec, req, t)
		if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte(`{"message":"Hello bench","agent":"duplex-bench","items":[{"id":1,`)) {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkServePostJSON is one request through the handler of the bench's
// http-json scenario (bench/app/services/echo-json): the 2 KB document of
// bench/order.json parsed, modified and answered as JSON; without the
// network.
func BenchmarkServePostJSON(b *testing.B) {
	e := benchApp(b)
	t := Target{Script: "/services/echo-json/echo-json.js"}
	body := benchOrder(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/_/service/bench/echo-json", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		e.Serve(rec, req, t)
		if rec.Code != 200 || !bytes.HasSuffix(rec.Body.Bytes(), []byte(`"total":23761,"processed":true}`)) {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkHelloScriptOnly is the floor under BenchmarkServeHelloJSON: the
// bench's hello handler called in a bare goja runtime with a request made
// in JavaScript, its answer neither read nor serialized; no HTTP, no
// request mapping, no guards. Whatever the server around it does, a request
// through goja costs at least this much CPU.
func BenchmarkHelloScriptOnly(b *testing.B) {
	src, err := os.ReadFile("../bench/app/services/hello/hello.js")
	if err != nil {
		b.Fatal(err)
	}
	vm := goja.New()
	get, err := vm.RunString(`(function () { var exports = {};` + string(src) + `; return exports.get; })()`)
	if err != nil {
		b.Fatal(err)
	}
	call, _ := goja.AssertFunction(get)
	req, err := vm.RunString(`({params: {name: 'bench'}, headers: {'User-Agent': 'duplex-bench'}})`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := call(goja.Undefined(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// benchOrder is bench/order.json, compact, as the harness posts it.
func benchOrder(b *testing.B) string {
	b.Helper()
	doc, err := os.ReadFile("../bench/order.json")
	if err != nil {
		b.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, doc); err != nil {
		b.Fatal(err)
	}
	return compact.String()
}
