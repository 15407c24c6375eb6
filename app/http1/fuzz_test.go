package http1

import (
	"bufio"
	"bytes"
	"io"
	"maps"
	"net/http"
	"slices"
	"testing"
)

// FuzzParseHead holds the fast path's parser to net/http's: whatever it
// takes, net/http reads the same way (method, target, Host, fields,
// length, Connection: close, where the head ends). What it declines goes
// to net/http, so declining is always safe.
func FuzzParseHead(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /hello?name=bench HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\nhello",
		"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n",
		"GET / HTTP/1.1\r\nhost: a\r\nx-forwarded-for: 1.2.3.4\r\nX-Empty:\r\n\r\n",
		"DELETE /a%20b?c=%ZZ HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\n\n",
		"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 007\r\n\r\n1234567",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, ok := parseHead(data, 4096)
		if !ok {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			t.Fatalf("taken by the fast path, refused by net/http: %v\n%q", err, data)
		}
		if req.Method != h.method || req.RequestURI != h.target || req.Host != h.host {
			t.Fatalf("request line: net/http %q %q host %q, fast path %q %q host %q", req.Method, req.RequestURI, req.Host, h.method, h.target, h.host)
		}
		if req.ContentLength != h.length || req.Close != h.close {
			t.Fatalf("length %d close %v, fast path %d %v", req.ContentLength, req.Close, h.length, h.close)
		}
		if !maps.EqualFunc(req.Header, h.header, slices.Equal) {
			t.Fatalf("fields:\nnet/http  %q\nfast path %q", req.Header, h.header)
		}
		// Where the head ends: the body net/http reads is what follows
		// h.size.
		if int64(len(data)-h.size) >= h.length {
			body, err := io.ReadAll(req.Body)
			if err != nil || !bytes.Equal(body, data[h.size:h.size+int(h.length)]) {
				t.Fatalf("body %q (%v), fast path %q", body, err, data[h.size:h.size+int(h.length)])
			}
		}
	})
}
