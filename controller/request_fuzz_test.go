package controller

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzRequestMapping sends arbitrary request heads and bodies through the
// mapping into JavaScript and back: whatever arrives, the answer is a
// status, never a panic, and a 200 carries the request object as JSON.
func FuzzRequestMapping(f *testing.F) {
	f.Add("GET /?a=1&a=2&b=%ff HTTP/1.1\r\nHost: x\r\nCookie: c=\xff; d=1\r\nX-A: \xc3\x28\r\n\r\n", "")
	f.Add("POST /p?x HTTP/1.1\r\nHost: [::1]:99\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n", "a=1&a=%zz")
	f.Add("PUT / HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain; charset=\"\r\n\r\n", "\x00\xff")
	f.Add("GET /%2e%2e/x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", "")
	e := newTestEngine(f, fstest.MapFS{
		"services/r/r.js": {Data: []byte(`exports.all = function (req) {
			return { body: { req: req, h: req.getHeader('x-a') } };
		};`)},
	}, 1)
	f.Fuzz(func(t *testing.T, head, body string) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head)))
		if err != nil {
			return
		}
		r.Body = httpBody(body)
		r.RemoteAddr = "127.0.0.1:1"
		rec := httptest.NewRecorder()
		e.Serve(rec, r, Target{Script: "/services/r/r.js"})
		if rec.Code == 200 && !json.Valid(rec.Body.Bytes()) && r.Method != http.MethodHead {
			t.Fatalf("200 with a body that is not JSON: %q", rec.Body.String())
		}
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, head, rec.Body.String())
		}
	})
}

func httpBody(s string) *readCloser { return &readCloser{strings.NewReader(s)} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }
