package controller

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rs/zerolog"
)

// A script that asks a built-in for one huge allocation gets a RangeError
// it can catch; one that piles up memory step by step is stopped, its
// runtime replaced, and the next call is served.
func TestMemoryLimits(t *testing.T) {
	guard := NewMemoryGuard(64<<20, zerolog.Nop())
	defer guard.Stop()
	files := fstest.MapFS{
		"services/m/m.js": {Data: []byte(`
var kept = [];
exports.get = function (req) {
  var tries = {
    repeat: function () { return 'x'.repeat(Math.pow(2, 31)); },
    pad: function () { return 'x'.padStart(Math.pow(2, 31)); },
    fill: function () { return new Array(1e8).fill(0); },
    join: function () { return new Array(1e8).join(','); },
    from: function () { return Array.from({ length: 1e9 }); },
    buffer: function () { return new Uint8Array(Math.pow(2, 31)); },
    arraybuffer: function () { return new ArrayBuffer(Math.pow(2, 31)); },
    sort: function () { return new Array(400000).fill(1).sort(); },
    regex: function () { return 'a'.repeat(4000000).replace(/a/g, 'b'); }
  };
  var what = req.params.what;
  if (what === 'grow') {
    while (true) { kept.push('y'.repeat(1000) + kept.length); }
  }
  if (what === 'small') {
    return { body: [new Uint8Array(4) instanceof Uint8Array, 'ab'.repeat(3), [1, 2].join('-'), kept.length,
      [3, 1, 2].sort().join(''), 'aXa'.replace(/a/g, 'b')].join(' ') };
  }
  try { tries[what](); return { body: 'allocated' }; }
  catch (err) { return { body: (err instanceof RangeError) + ' ' + err.message }; }
};`)},
	}
	// A short timeout makes the sort and regexp bounds small; the loop
	// that piles up memory gets a long one, so that the heap watch, not
	// the timeout, stops it (the race detector slows it down).
	e := newEngineWith(t, Options{FS: files, Workers: 1, Timeout: time.Second, Memory: guard})
	slow := newEngineWith(t, Options{FS: files, Workers: 1, Timeout: 30 * time.Second, Memory: guard})
	serveOn := func(e *Engine, what string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.Serve(rec, httptest.NewRequest(http.MethodGet, "/?what="+what, nil), Target{Script: "/services/m/m.js"})
		return rec
	}
	serve := func(what string) *httptest.ResponseRecorder { return serveOn(e, what) }
	for _, what := range []string{"repeat", "pad", "fill", "join", "from", "buffer", "arraybuffer", "sort", "regex"} {
		if rec := serve(what); rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "true ") {
			t.Errorf("%s: %d %q, want a RangeError the script catches", what, rec.Code, rec.Body)
		}
	}
	if rec := serve("small"); rec.Body.String() != "true ababab 1-2 0 123 bXb" {
		t.Errorf("ordinary use: %q", rec.Body)
	}
	before := slow.all[0]
	rec := serveOn(slow, "grow")
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "--js-max-memory") {
		t.Errorf("grow: %d %q, want 500 naming --js-max-memory", rec.Code, rec.Body)
	}
	if slow.all[0] == before {
		t.Error("the runtime that held the memory was kept")
	}
	if rec := serveOn(slow, "small"); rec.Body.String() != "true ababab 1-2 0 123 bXb" {
		t.Errorf("after the stop, a fresh runtime: %q", rec.Body)
	}
	if guard.Interrupted() < 1 || slow.Stats().Errors["memory"] != 1 {
		t.Errorf("interrupted %d, memory errors %d", guard.Interrupted(), slow.Stats().Errors["memory"])
	}
}
