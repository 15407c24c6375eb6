package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestHTTPLoad runs the load generator against a tiny in-process server
// and checks what it counts: every 2xx response it counts was served, it
// misses none but the at most one per connection still in flight when
// the window closes, and failures and other statuses are counted apart.
func TestHTTPLoad(t *testing.T) {
	var served, closed atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"part":1}`))
		w.(http.Flusher).Flush()
		_, _ = w.Write([]byte(`{"part":2}`))
	})
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		closed.Add(1)
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte("bye"))
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/drop", func(w http.ResponseWriter, r *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	load := func(path string, conns int) *httpStats {
		t.Helper()
		l := httpLoad{addr: addr, request: rawRequest("GET", path, addr, "", nil), conns: conns, duration: 300 * time.Millisecond}
		return l.run(context.Background())
	}

	r := load("/ok", 4)
	s := served.Load() // no warm-up: everything served was sent in the window
	if r.requests == 0 || r.errors != 0 || r.non2xx != 0 || r.err != "" {
		t.Fatalf("/ok: %+v", r)
	}
	if int64(r.requests) > s || s > int64(r.requests)+4 {
		t.Errorf("/ok: counted %d responses, the server served %d (4 connections)", r.requests, s)
	}
	if r.rate <= 0 || r.p50 <= 0 || r.p99 < r.p50 || r.elapsed < 300*time.Millisecond {
		t.Errorf("/ok: rate %v, p50 %v, p99 %v over %v", r.rate, r.p50, r.p99, r.elapsed)
	}

	if r := load("/chunked", 2); r.requests == 0 || r.errors != 0 || r.err != "" {
		t.Errorf("/chunked: %+v", r)
	}
	if r := load("/close", 2); r.requests == 0 || r.errors != 0 || int64(r.requests) > closed.Load() {
		t.Errorf("/close: %+v (the server answered %d)", r, closed.Load())
	}
	if r := load("/fail", 2); r.requests != 0 || r.non2xx == 0 || r.errors != 0 || r.rate != 0 || !strings.Contains(r.err, "non-2xx") {
		t.Errorf("/fail: %+v", r)
	}
	if r := load("/drop", 2); r.requests != 0 || r.errors == 0 || r.firstErr == "" || !strings.Contains(r.err, "errors") {
		t.Errorf("/drop: %+v", r)
	}
}

// TestParseResponse parses whole responses, and checks that every part of
// one is reported incomplete, not wrong.
func TestParseResponse(t *testing.T) {
	for _, c := range []struct {
		in     string
		status int
		keep   bool
		bad    bool
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiNEXT", 200, true, false},
		{"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n3;x=y\r\nabc\r\n0\r\nTrailer: 1\r\n\r\nNEXT", 200, true, false},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nNEXT", 200, true, false},
		{"HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\nNEXT", 404, false, false},
		{"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nxNEXT", 200, false, false},
		{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nxNEXT", 200, true, false},
		{"HTTP/1.1 204 No Content\r\n\r\nNEXT", 204, true, false},
		{"HTTP/1.1 abc OK\r\n\r\n", 0, false, true},
		{"SSH-2.0-OpenSSH\r\n\r\n", 0, false, true},
		{"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 0, false, true},
		{"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", 0, false, true},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, false, true},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiXX0\r\n\r\n", 0, false, true},
	} {
		used, status, keep, err := parseResponse([]byte(c.in), false)
		if c.bad {
			if err == nil {
				t.Errorf("%q: no error (used %d, status %d)", c.in, used, status)
			}
			continue
		}
		if err != nil || used == 0 || status != c.status || keep != c.keep || c.in[used:] != "NEXT" {
			t.Errorf("%q: used %d, status %d, keep-alive %v, err %v", c.in, used, status, keep, err)
		}
		for k := range used {
			if u, _, _, err := parseResponse([]byte(c.in[:k]), false); u != 0 || err != nil {
				t.Errorf("%q: its first %d bytes: used %d, err %v; want incomplete", c.in, k, u, err)
				break
			}
		}
	}
	// Without a length the body runs to the end of the connection.
	in := "HTTP/1.1 200 OK\r\n\r\nto the end"
	if used, _, _, err := parseResponse([]byte(in), false); used != 0 || err != nil {
		t.Errorf("no length, before the end: used %d, err %v", used, err)
	}
	if used, status, keep, err := parseResponse([]byte(in), true); used != len(in) || status != 200 || keep || err != nil {
		t.Errorf("no length, at the end: used %d, status %d, keep-alive %v, err %v", used, status, keep, err)
	}
}

// TestHTTPAnswers checks the reference answers the harness holds every
// server to: the document of bench/order.json and what /echo-json makes
// of it, and the answer of /hello.
func TestHTTPAnswers(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "bench", "order.json"))
	if err != nil {
		t.Fatal(err)
	}
	body, want, err := orderExchange(doc)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(body); n < 1900 || n > 2200 {
		t.Errorf("the document is %d bytes compacted, want about 2 KB", n)
	}
	for _, s := range []string{`"count":8`, `"name":"ADA LOVELACE"`, `"total":23761`, `"processed":true`} {
		if !strings.Contains(string(want), s) {
			t.Errorf("the answer lacks %s: %s", s, want)
		}
	}
	hello := `{"message":"Hello x","agent":"ua","items":[{"id":1,"name":"item 1","price":100,"active":true},{"id":2,"name":"item 2","price":200,"active":false},{"id":3,"name":"item 3","price":300,"active":true},{"id":4,"name":"item 4","price":400,"active":false},{"id":5,"name":"item 5","price":500,"active":true}]}`
	if !sameJSON([]byte(hello), expectedHello("x", "ua")) {
		t.Errorf("expectedHello = %s", expectedHello("x", "ua"))
	}
	if sameJSON([]byte(`{"a":1}`), []byte(`{"a":2}`)) || !sameJSON([]byte(`{"a":1,"b":2}`), []byte(`{"b":2, "a":1}`)) {
		t.Error("sameJSON compares wrongly")
	}
}
