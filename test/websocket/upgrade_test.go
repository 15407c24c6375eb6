package websocket

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// TestWebSocketUpgradeHandshake: what makes an upgrade request, the 101
// and its headers, the 426 for other versions, refusals by the controller.
func TestWebSocketUpgradeHandshake(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--js-workers", "2")

	t.Run("accept", func(t *testing.T) {
		t.Parallel()
		key := wstest.NewKey()
		r, conn := harness.RawHandshake(t, s, "GET", "/_/service/wsecho/echo", "HTTP/1.1", harness.UpgradeHeader(s, key))
		if r.Status != 101 {
			t.Fatalf("valid upgrade: status %d, want 101; body %q", r.Status, harness.Trunc(r.Body))
		}
		if got := r.Header.Get("Sec-WebSocket-Accept"); got != wstest.AcceptKey(key) {
			t.Errorf("Sec-WebSocket-Accept = %q, want %q", got, wstest.AcceptKey(key))
		}
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			t.Errorf("Upgrade header = %q, want websocket", r.Header.Get("Upgrade"))
		}
		if !strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade") {
			t.Errorf("Connection header = %q, want upgrade", r.Header.Get("Connection"))
		}
		if v, ok := r.Header["Sec-Websocket-Protocol"]; ok {
			t.Errorf("client offered no sub-protocol, but the 101 has Sec-WebSocket-Protocol %q", v)
		}
		// The session works: the open event's description arrives as text.
		f, err := conn.ReadFrame()
		if err != nil {
			t.Fatalf("reading the first frame after 101: %v", err)
		}
		var d map[string]any
		if f.OpCode != ws.OpText || json.Unmarshal(f.Payload, &d) != nil || d["type"] != "open" {
			t.Errorf("first frame: op %v payload %q, want the text description of the open event", f.OpCode, harness.Trunc(string(f.Payload)))
		}
	})

	t.Run("req.webSocket", func(t *testing.T) {
		t.Parallel()
		valid := harness.UpgradeHeader(s, wstest.NewKey())
		cases := []struct {
			name, method, proto string
			hdr                 []string
			want                bool
		}{
			{"valid upgrade", "GET", "HTTP/1.1", valid, true},
			{"Connection token list, mixed case", "GET", "HTTP/1.1",
				wstest.WithHeader(wstest.WithHeader(valid, "Connection", "keep-alive, Upgrade"), "Upgrade", "WebSocket"), true},
			{"plain GET", "GET", "HTTP/1.1", []string{"Host", s.Addr}, false},
			{"POST", "POST", "HTTP/1.1", wstest.WithHeader(valid, "Content-Length", "0"), false},
			{"HTTP/1.0", "GET", "HTTP/1.0", valid, false},
			{"no Upgrade header", "GET", "HTTP/1.1", wstest.WithHeader(valid, "Upgrade", ""), false},
			{"Upgrade: h2c", "GET", "HTTP/1.1", wstest.WithHeader(valid, "Upgrade", "h2c"), false},
			{"Connection: keep-alive", "GET", "HTTP/1.1", wstest.WithHeader(valid, "Connection", "keep-alive"), false},
		}
		for _, c := range cases {
			r, _ := harness.RawHandshake(t, s, c.method, "/_/service/wsecho/reqinfo", c.proto, wstest.WithHeader(c.hdr, "Connection", wsConnHeader(c.hdr)))
			if r.Status != 200 {
				t.Errorf("%s: status %d, want 200 with the controller's body (it never accepts); body %q", c.name, r.Status, harness.Trunc(r.Body))
				continue
			}
			var body struct {
				WebSocket *bool `json:"webSocket"`
			}
			if err := json.Unmarshal([]byte(r.Body), &body); err != nil || body.WebSocket == nil {
				t.Errorf("%s: body %q has no boolean webSocket", c.name, harness.Trunc(r.Body))
				continue
			}
			if *body.WebSocket != c.want {
				t.Errorf("%s: req.webSocket = %v, want %v", c.name, *body.WebSocket, c.want)
			}
		}
		// An invalid key is no valid upgrade: never 101.
		r, _ := harness.RawHandshake(t, s, "GET", "/_/service/wsecho/echo", "HTTP/1.1", wstest.WithHeader(valid, "Sec-WebSocket-Key", "not-a-key"))
		if r.Status == 101 {
			t.Errorf("upgrade with an invalid Sec-WebSocket-Key was accepted (101)")
		}
		r, _ = harness.RawHandshake(t, s, "GET", "/_/service/wsecho/echo", "HTTP/1.1", wstest.WithHeader(valid, "Sec-WebSocket-Key", ""))
		if r.Status == 101 {
			t.Errorf("upgrade without Sec-WebSocket-Key was accepted (101)")
		}
	})

	t.Run("version 426", func(t *testing.T) {
		t.Parallel()
		for _, v := range []string{"8", "12", "14"} {
			r, _ := harness.RawHandshake(t, s, "GET", "/_/service/wsecho/echo", "HTTP/1.1", wstest.WithHeader(harness.UpgradeHeader(s, wstest.NewKey()), "Sec-WebSocket-Version", v))
			if r.Status != 426 {
				t.Errorf("Sec-WebSocket-Version %s: status %d, want 426", v, r.Status)
			}
			if got := r.Header.Get("Sec-WebSocket-Version"); got != "13" {
				t.Errorf("Sec-WebSocket-Version %s: response Sec-WebSocket-Version %q, want 13", v, got)
			}
		}
	})

	t.Run("controller refuses", func(t *testing.T) {
		t.Parallel()
		// The echo service answers 404 to a plain GET...
		r := harness.Get(t, s.URL+"/_/service/wsecho/echo")
		harness.WantStatus(t, r, 404, "plain GET of a socket-only service")
		// ...and an upgrade request to a service that never accepts gets its normal response.
		_, err := harness.DialWSErr(t, s, "/_/service/wsecho/reqinfo", harness.WSOpts{})
		var se *wstest.StatusError
		if !errors.As(err, &se) || se.Code != 200 {
			t.Errorf("upgrade to a controller that returns a body: %v, want its normal 200 response", err)
		}
		_, err = harness.DialWSErr(t, s, "/_/service/wsecho/nosuchservice", harness.WSOpts{})
		if !errors.As(err, &se) || se.Code != 404 {
			t.Errorf("upgrade to a missing service: %v, want 404", err)
		}
	})

	t.Run("data becomes strings", func(t *testing.T) {
		t.Parallel()
		_, d := harness.OpenEcho(t, s, "", harness.WSOpts{})
		want := map[string]any{"n": "42", "s": "str", "b": "true"}
		if !reflect.DeepEqual(d["data"], want) {
			t.Errorf("event.data = %s, want %s", wsJSON(d["data"]), wsJSON(want))
		}
		wantTypes := []any{"b:string", "n:string", "s:string"}
		if !reflect.DeepEqual(d["dataTypes"], wantTypes) {
			t.Errorf("typeof event.data values = %v, want %v", d["dataTypes"], wantTypes)
		}
	})

	t.Run("sub-protocols", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			query   string
			offered []string
			want    string
		}{
			{"", []string{"gamma", "alpha"}, "gamma"}, // client order, not server order
			{"", []string{"zeta", "beta", "alpha"}, "beta"},
			{"", []string{"alpha"}, "alpha"},
			{"", []string{"zeta"}, ""},
			{"", []string{"ALPHA"}, ""}, // exact match
			{"", nil, ""},
			{"?one=1", []string{"x", "text"}, "text"}, // one string instead of an array
			{"?one=1", []string{"alpha"}, ""},
		}
		for _, c := range cases {
			cl, err := harness.DialWSErr(t, s, "/_/service/wsecho/proto"+c.query, harness.WSOpts{Protocols: c.offered})
			if err != nil {
				t.Errorf("proto%s offering %q: handshake failed: %v (want 101)", c.query, c.offered, err)
				continue
			}
			if cl.Protocol != c.want {
				t.Errorf("proto%s offering %q: chosen %q, want %q", c.query, c.offered, cl.Protocol, c.want)
			}
			cl.Close()
		}
		// No match: 101 without the header at all.
		hdr := wstest.WithHeader(harness.UpgradeHeader(s, wstest.NewKey()), "Sec-WebSocket-Protocol", "zeta, omega")
		r, _ := harness.RawHandshake(t, s, "GET", "/_/service/wsecho/proto", "HTTP/1.1", hdr)
		if r.Status != 101 {
			t.Errorf("no matching sub-protocol: status %d, want 101", r.Status)
		}
		if v, ok := r.Header["Sec-Websocket-Protocol"]; ok {
			t.Errorf("no matching sub-protocol: response has Sec-WebSocket-Protocol %q, want none", v)
		}
		// Offers split over two header lines count in order too.
		hdr = append(harness.UpgradeHeader(s, wstest.NewKey()), "Sec-WebSocket-Protocol", "zeta", "Sec-WebSocket-Protocol", "beta, alpha")
		r, _ = harness.RawHandshake(t, s, "GET", "/_/service/wsecho/proto", "HTTP/1.1", hdr)
		if r.Status != 101 || r.Header.Get("Sec-WebSocket-Protocol") != "beta" {
			t.Errorf("offers on two header lines: status %d protocol %q, want 101 beta", r.Status, r.Header.Get("Sec-WebSocket-Protocol"))
		}
	})

	t.Run("webapp", func(t *testing.T) {
		t.Parallel()
		r := harness.Get(t, s.URL+"/webapp/wsecho/")
		harness.WantStatus(t, r, 200, "plain GET of the webapp")
		if !strings.HasPrefix(r.Body, "plain webapp") {
			t.Errorf("plain GET of the webapp: body %q, want its normal body", harness.Trunc(r.Body))
		}
		for _, c := range []struct {
			path, wantPath string
			wantParams     map[string]any
		}{
			{"/webapp/wsecho/", "/webapp/wsecho/", map[string]any{}},
			{"/webapp/wsecho/room/7?x=1", "/webapp/wsecho/room/7", map[string]any{"x": "1"}},
			{"/", "/", map[string]any{}},
			{"/lobby?k=v&k=w", "/lobby", map[string]any{"k": []any{"v", "w"}}},
		} {
			cl := harness.DialWS(t, s, c.path, harness.WSOpts{})
			d := cl.ReadJSON()
			if d["where"] != "webapp" || d["path"] != c.wantPath || !reflect.DeepEqual(d["params"], c.wantParams) {
				t.Errorf("socket on %s: open event saw %s, want where webapp, path %s, params %s", c.path, wsJSON(d), c.wantPath, wsJSON(c.wantParams))
			}
			cl.SendText("hi")
			cl.ExpectText("webapp:hi")
			cl.CloseWith(1000, "")
		}
	})
}

// wsConnHeader returns the Connection value in hdr, adding "close" when the
// request is not an upgrade so that the server ends the exchange.
func wsConnHeader(hdr []string) string {
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Connection") {
			return hdr[i+1]
		}
	}
	return "close"
}

// TestWebSocketOrigin: cross-origin upgrades are refused unless listed.
func TestWebSocketOrigin(t *testing.T) {
	t.Parallel()
	strict := duplex.Start(t, "--app", harness.App("wsecho"))
	listed := duplex.Start(t, "--app", harness.App("wsecho"), "--allowed-origins", "http://evil.example")

	try := func(s *harness.Server, origin string) *harness.Resp {
		hdr := harness.UpgradeHeader(s, wstest.NewKey())
		if origin != "" {
			hdr = wstest.WithHeader(hdr, "Origin", origin)
		}
		r, _ := harness.RawHandshake(t, s, "GET", "/_/service/wsecho/echo", "HTTP/1.1", hdr)
		return r
	}
	if r := try(strict, "http://evil.example"); r.Status != 403 {
		t.Errorf("cross-origin upgrade (Origin http://evil.example): status %d, want 403", r.Status)
	}
	if r := try(strict, "http://127.0.0.1:1"); r.Status != 403 {
		t.Errorf("upgrade from another port (Origin http://127.0.0.1:1): status %d, want 403", r.Status)
	}
	if r := try(strict, "http://"+strict.Addr); r.Status != 101 {
		t.Errorf("same-origin upgrade (Origin http://%s): status %d, want 101", strict.Addr, r.Status)
	}
	if r := try(strict, ""); r.Status != 101 {
		t.Errorf("upgrade without Origin: status %d, want 101", r.Status)
	}
	if r := try(listed, "http://evil.example"); r.Status != 101 {
		t.Errorf("listed origin (--allowed-origins http://evil.example): status %d, want 101", r.Status)
	}
	if r := try(listed, "http://other.example"); r.Status != 403 {
		t.Errorf("unlisted origin with --allowed-origins set: status %d, want 403", r.Status)
	}
	if r := try(listed, "http://"+listed.Addr); r.Status != 101 {
		t.Errorf("same origin with --allowed-origins set: status %d, want 101", r.Status)
	}
}
