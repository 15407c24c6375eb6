package frame

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// handshakeRequest is a valid opening handshake, with RFC 6455 §1.3's key.
func handshakeRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/ws", nil)
	r.Header.Set("Upgrade", "WebSocket")
	r.Header.Set("Connection", "keep-alive, Upgrade")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.Header.Set("Sec-WebSocket-Version", "13")
	return r
}

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
		_, bad := CheckHandshake(r, nil)
		status := 0
		if bad != nil {
			status = bad.Status
		}
		if status != c.status {
			t.Errorf("%s: status %d, want %d", c.name, status, c.status)
		}
	}
	r := good()
	r.Header.Add("Sec-WebSocket-Protocol", "v3, chat")
	r.Header.Add("Sec-WebSocket-Protocol", "v2")
	if p, _ := CheckHandshake(r, []string{"v2", "chat"}); p != "chat" {
		t.Errorf("protocol %q, want chat (the client's first offer we list)", p)
	}
	// RFC 6455 §1.3's example.
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
	if got := string(UpgradeResponse("dGhlIHNhbXBsZSBub25jZQ==", "chat")); got != want {
		t.Errorf("101:\n%q\nwant\n%q", got, want)
	}
}

func TestIsUpgradeRequest(t *testing.T) {
	valid := handshakeRequest
	cases := []struct {
		name   string
		change func(r *http.Request)
		want   bool
	}{
		{
			name:   "valid",
			change: func(r *http.Request) {},
			want:   true,
		},
		{
			name:   "post",
			change: func(r *http.Request) { r.Method = http.MethodPost },
			want:   false,
		},
		{
			name:   "http/1.0",
			change: func(r *http.Request) { r.ProtoMinor = 0 },
			want:   false,
		},
		{
			name:   "no upgrade",
			change: func(r *http.Request) { r.Header.Del("Upgrade") },
			want:   false,
		},
		{
			name:   "connection without upgrade token",
			change: func(r *http.Request) { r.Header.Set("Connection", "keep-alive, upgraded") },
			want:   false,
		},
		{
			name:   "connection in a second header line",
			change: func(r *http.Request) { r.Header.Set("Connection", "keep-alive"); r.Header.Add("Connection", "upgrade") },
			want:   true,
		},
		{
			name:   "short key",
			change: func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "c2hvcnQ=") },
			want:   false,
		},
		{
			name:   "key not base64",
			change: func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!==") },
			want:   false,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := valid()
			tc.change(r)
			if got := IsUpgradeRequest(r); got != tc.want {
				t.Fatalf("IsUpgradeRequest = %v, want %v", got, tc.want)
			}
		})
	}
	r := valid()
	if !VersionSupported(r) {
		t.Fatal("version 13 unsupported")
	}
	r.Header.Set("Sec-WebSocket-Version", "8")
	if VersionSupported(r) {
		t.Fatal("version 8 supported")
	}
}
