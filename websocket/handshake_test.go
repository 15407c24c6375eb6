package websocket

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestUpgradeRFCExampleKey(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	c := connect(t, ts)
	if got := c.resp.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("accept %q", got)
	}
	if got := c.resp.Header.Get("Sec-WebSocket-Extensions"); got != "" {
		t.Fatalf("extensions negotiated: %q", got)
	}
	s := h.nextOpen(t)
	if s.Path() != "/chat" || len(s.Params()["room"]) != 2 || s.Data()["k"] != "v" || s.Protocol() != "" {
		t.Fatalf("session: path %q params %v data %v protocol %q", s.Path(), s.Params(), s.Data(), s.Protocol())
	}
	if s.RemoteAddr() != c.conn.LocalAddr().String() {
		t.Fatalf("remote %q, want %q", s.RemoteAddr(), c.conn.LocalAddr())
	}
	if ts.hub.SessionCount() != 1 {
		t.Fatalf("session count %d", ts.hub.SessionCount())
	}
}

func TestPermessageDeflateNotNegotiated(t *testing.T) {
	ts := newTestServer(t, Options{}, newRecHandler())
	c := connect(t, ts, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
	if got := c.resp.Header.Get("Sec-WebSocket-Extensions"); got != "" {
		t.Fatalf("extensions negotiated: %q", got)
	}
}

func TestSubprotocol(t *testing.T) {
	cases := []struct {
		name   string
		server []string
		offer  string
		want   string
	}{
		{
			name:   "client order wins",
			server: []string{"a", "b"},
			offer:  "Sec-WebSocket-Protocol: b, a",
			want:   "b",
		},
		{
			name:   "first offered that is supported",
			server: []string{"a"},
			offer:  "Sec-WebSocket-Protocol: x, a",
			want:   "a",
		},
		{
			name:   "no match still upgrades",
			server: []string{"a"},
			offer:  "Sec-WebSocket-Protocol: x, y",
			want:   "",
		},
		{
			name:   "server supports none",
			server: nil,
			offer:  "Sec-WebSocket-Protocol: a",
			want:   "",
		},
		{
			name:   "exact match only",
			server: []string{"A"},
			offer:  "Sec-WebSocket-Protocol: a",
			want:   "",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newRecHandler()
			ts := newTestServer(t, Options{}, h, func(ts *testServer) { ts.protocols = tc.server })
			c := connect(t, ts, tc.offer)
			if got := c.resp.Header.Get("Sec-WebSocket-Protocol"); got != tc.want {
				t.Fatalf("protocol %q, want %q", got, tc.want)
			}
			if s := h.nextOpen(t); s.Protocol() != tc.want {
				t.Fatalf("session protocol %q, want %q", s.Protocol(), tc.want)
			}
		})
	}
}

func TestVersion426(t *testing.T) {
	ts := newTestServer(t, Options{}, newRecHandler())
	c := dialRaw(t, ts, nil, "Sec-WebSocket-Version: 8")
	if c.resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("status %d, want 426", c.resp.StatusCode)
	}
	if got := c.resp.Header.Get("Sec-WebSocket-Version"); got != "13" {
		t.Fatalf("version header %q", got)
	}
	if ts.hub.SessionCount() != 0 {
		t.Fatal("session registered")
	}
}

// TestOrigin: Accept refuses a cross-site upgrade (RFC 6455 §10.2) by
// itself, so that no caller can forget to.
func TestOrigin(t *testing.T) {
	cases := []struct {
		name   string
		origin string
		want   int
	}{
		{
			name:   "absent",
			origin: "",
			want:   http.StatusSwitchingProtocols,
		},
		{
			name:   "same host",
			origin: "Origin: http://HOST",
			want:   http.StatusSwitchingProtocols,
		},
		{
			name:   "allowed",
			origin: "Origin: https://app.example.com",
			want:   http.StatusSwitchingProtocols,
		},
		{
			name:   "allowed with default port",
			origin: "Origin: https://app.example.com:443",
			want:   http.StatusSwitchingProtocols,
		},
		{
			name:   "foreign",
			origin: "Origin: https://evil.example.com",
			want:   http.StatusForbidden,
		},
		{
			name:   "wrong scheme",
			origin: "Origin: http://app.example.com",
			want:   http.StatusForbidden,
		},
		{
			name:   "suffix is not a match",
			origin: "Origin: https://app.example.com.evil.net",
			want:   http.StatusForbidden,
		},
		{
			name:   "null",
			origin: "Origin: null",
			want:   http.StatusForbidden,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, Options{AllowedOrigins: []string{"https://APP.example.com"}}, newRecHandler())
			var extra []string
			if tc.origin != "" {
				extra = append(extra, replaceHost(tc.origin, ts.addr))
			}
			c := dialRaw(t, ts, nil, extra...)
			if c.resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", c.resp.StatusCode, tc.want)
			}
			// Accept itself is the gate: the test server checks nothing
			// first. A refusal is one line naming the setting.
			if refused := len(ts.logs.Lines("--allowed-origins")); (tc.want == http.StatusForbidden) != (refused == 1) {
				t.Fatalf("%d log lines naming --allowed-origins", refused)
			}
		})
	}
}

func replaceHost(s, addr string) string {
	const marker = "HOST"
	for i := 0; i+len(marker) <= len(s); i++ {
		if s[i:i+len(marker)] == marker {
			return s[:i] + addr + s[i+len(marker):]
		}
	}
	return s
}

func TestCheckOriginUnit(t *testing.T) {
	hub := NewHub(Options{AllowedOrigins: []string{"https://a.example", "http://localhost:3000"}}, zerolog.Nop())
	cases := []struct {
		host   string
		origin string
		want   bool
	}{
		{
			host:   "site.example",
			origin: "https://site.example",
			want:   true,
		},
		{
			host:   "site.example:8080",
			origin: "http://site.example:8080",
			want:   true,
		},
		{
			host:   "site.example:8080",
			origin: "http://site.example:9090",
			want:   false,
		},
		{
			host:   "site.example",
			origin: "http://localhost:3000",
			want:   true,
		},
		{
			host:   "site.example",
			origin: "http://localhost:3001",
			want:   false,
		},
		{
			host:   "site.example",
			origin: "https://A.EXAMPLE",
			want:   true,
		},
		{
			host:   "site.example",
			origin: "://bad",
			want:   false,
		},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host = tc.host
		r.Header.Set("Origin", tc.origin)
		if got := hub.checkOrigin(r); got != tc.want {
			t.Errorf("host %q origin %q: %v, want %v", tc.host, tc.origin, got, tc.want)
		}
	}
}

func TestBadHandshakeAnswered(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	// Accept itself (through HTTPUpgrader) must answer a bad request when a
	// caller skips frame.IsUpgradeRequest.
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	if err := ts.hub.Accept(rec, r, Accept{Handler: h}); err == nil {
		t.Fatal("Accept of a POST succeeded")
	}
	if rec.Code < 400 {
		t.Fatalf("status %d", rec.Code)
	}
}

func TestPipelinedFrameAfterHandshake(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// The frame travels in the same write as the request, so the server
	// finds it in the bufio.Reader it got from the hijack.
	req := upgradeRequest(ts.addr) + string(frameBytes(0x81, []byte("early"), true))
	conn.SetDeadline(time.Now().Add(waitFor))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("response %v, %v", resp, err)
	}
	c := &rawClient{t: t, conn: conn, br: br, resp: resp}
	c.expectText("early")
}

func TestAcceptThroughMiddleware(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h, func(ts *testServer) { ts.wrap = true })
	c := connect(t, ts)
	h.nextOpen(t)
	c.text("through middleware")
	c.expectText("through middleware")
}
