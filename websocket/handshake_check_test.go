package websocket

import (
	"net/http"
	"testing"
)

// TestCheckHandshake: each way an opening handshake can be wrong gets the
// status RFC 6455 §4.2.1 and §4.4 ask for, before anything is hijacked, and
// the subprotocol is the client's first offer the server lists.
func TestCheckHandshake(t *testing.T) {
	good := handshakeRequest
	cases := []struct {
		name   string
		change func(r *http.Request)
		status int
	}{
		{"good", func(*http.Request) {}, 0},
		{"POST", func(r *http.Request) { r.Method = http.MethodPost }, http.StatusMethodNotAllowed},
		{"HTTP/1.0", func(r *http.Request) { r.ProtoMinor = 0 }, http.StatusHTTPVersionNotSupported},
		{"no Host", func(r *http.Request) { r.Host = "" }, http.StatusBadRequest},
		{"no Upgrade", func(r *http.Request) { r.Header.Del("Upgrade") }, http.StatusBadRequest},
		{"Connection without upgrade", func(r *http.Request) { r.Header.Set("Connection", "keep-alive") }, http.StatusBadRequest},
		{"short key", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "c2hvcnQ=") }, http.StatusBadRequest},
		{"no version", func(r *http.Request) { r.Header.Del("Sec-WebSocket-Version") }, http.StatusBadRequest},
		{"version 8", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", "8") }, http.StatusUpgradeRequired},
	}
	for _, c := range cases {
		r := good()
		c.change(r)
		_, bad := checkHandshake(r, nil)
		status := 0
		if bad != nil {
			status = bad.status
		}
		if status != c.status {
			t.Errorf("%s: status %d, want %d", c.name, status, c.status)
		}
	}
	r := good()
	r.Header.Add("Sec-WebSocket-Protocol", "v3, chat")
	r.Header.Add("Sec-WebSocket-Protocol", "v2")
	if p, _ := checkHandshake(r, []string{"v2", "chat"}); p != "chat" {
		t.Errorf("protocol %q, want chat (the client's first offer we list)", p)
	}
	// RFC 6455 §1.3's example.
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
	if got := string(upgradeResponse("dGhlIHNhbXBsZSBub25jZQ==", "chat")); got != want {
		t.Errorf("101:\n%q\nwant\n%q", got, want)
	}
}
