package https

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// forwarded is what a TLS-terminating proxy sends for a client at
// 198.51.100.1 that asked for https://public.example, through a second
// proxy (10.1.2.3); the client itself claimed to be 203.0.113.66.
var forwarded = []string{
	"X-Forwarded-For", "203.0.113.66, 198.51.100.1, 10.1.2.3",
	"X-Forwarded-Proto", "https",
	"X-Forwarded-Host", "public.example",
}

// TestTrustProxy: from a --trust-proxy peer, X-Forwarded-* make the
// client's address, scheme and host everywhere: the request object,
// portal URLs over HTTP and in a WebSocket session, the cookie's Secure
// flag, the origin check. The client is the rightmost address that is
// not a trusted proxy.
func TestTrustProxy(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("clientview"), "--users", duplex.UsersFile(t, harness.Alice()),
		"--trust-proxy", "127.0.0.1,10.0.0.0/8")
	proxy := client("127.0.0.1", nil)
	v := view(t, proxy, s.URL, forwarded...)
	for k, want := range map[string]any{
		"scheme":        "https",
		"host":          "public.example",
		"port":          float64(443),
		"url":           "https://public.example/_/service/clientview/view",
		"remoteAddress": "198.51.100.1",
		"absoluteUrl":   "https://public.example/_/service/clientview/view",
		"websocketUrl":  "wss://public.example/_/service/clientview/view",
		"forwarded":     []any{forwarded[1], forwarded[3], forwarded[5]},
	} {
		harness.WantField(t, v, k, want)
	}

	r := login(t, proxy, s.URL, harness.Alice().Password, forwarded...)
	harness.WantStatus(t, r, 200, "login through the proxy")
	if cookies := r.Resp.Cookies(); len(cookies) != 1 || !cookies[0].Secure {
		t.Errorf("login through an HTTPS proxy: cookies %v, want one with Secure", r.Header.Values("Set-Cookie"))
	}

	// The page's origin is the public one, which the proxy forwarded: the
	// login form takes its post, and the upgrade its socket.
	r = loginForm(t, proxy, s, forwarded...)
	harness.WantStatus(t, r, http.StatusSeeOther, "login form posted from https://public.example through the proxy")
	o := harness.WSOpts{Header: append([]string{"Origin", "https://public.example"}, forwarded...), NetDial: dialFrom("127.0.0.1")}
	c := harness.DialWS(t, s, "/_/service/clientview/view", o)
	c.ExpectText("wss://public.example/_/service/clientview/view")
}

// TestUntrustedForwarded: the same headers from a peer not in
// --trust-proxy, or with no --trust-proxy at all, change nothing, and
// scripts do not see them; the origin check refuses the public origin and
// its log line names --allowed-origins and --trust-proxy.
func TestUntrustedForwarded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, source string
		args         []string
	}{
		{"peer not listed", "127.0.0.2", []string{"--trust-proxy", "127.0.0.1"}},
		{"no --trust-proxy", "127.0.0.1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A users file each: two servers starting at once on one file
			// would race to create its session secret.
			users := duplex.UsersFile(t, harness.Alice())
			s := duplex.Start(t, append([]string{"--app", harness.App("clientview"), "--users", users}, tc.args...)...)
			peer := client(tc.source, nil)
			v := view(t, peer, s.URL, forwarded...)
			for k, want := range map[string]any{
				"scheme":        "http",
				"host":          "127.0.0.1",
				"port":          float64(s.Port),
				"url":           s.URL + "/_/service/clientview/view",
				"remoteAddress": tc.source,
				"websocketUrl":  "ws://" + s.Addr + "/_/service/clientview/view",
				"forwarded":     []any{nil, nil, nil},
			} {
				harness.WantField(t, v, k, want)
			}

			r := login(t, peer, s.URL, harness.Alice().Password, forwarded...)
			harness.WantStatus(t, r, 200, "login")
			if cookies := r.Resp.Cookies(); len(cookies) != 1 || cookies[0].Secure {
				t.Errorf("login over plain HTTP with a forged X-Forwarded-Proto: cookies %v, want one without Secure", r.Header.Values("Set-Cookie"))
			}

			r = loginForm(t, peer, s, forwarded...)
			harness.WantStatus(t, r, http.StatusForbidden, "login form posted from https://public.example with forged X-Forwarded-Host")
			s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("login CSRF", "--allowed-origins", "--trust-proxy") }, harness.Wait)

			o := harness.WSOpts{Header: append([]string{"Origin", "https://public.example"}, forwarded...), NetDial: dialFrom(tc.source)}
			_, err := harness.DialWSErr(t, s, "/_/service/clientview/view", o)
			if se := (*wstest.StatusError)(nil); !errors.As(err, &se) || se.Code != http.StatusForbidden {
				t.Fatalf("upgrade from https://public.example with forged X-Forwarded-Host: %v, want 403", err)
			}
			s.WaitLog(t, func(e harness.LogEntry) bool {
				return e.Has("cross-origin WebSocket refused", "--allowed-origins", "--trust-proxy")
			}, harness.Wait)
		})
	}
}

// TestProxyLoginThrottle: behind a trusted proxy, failed logins count
// against the forwarded client, not against the proxy everyone shares.
func TestProxyLoginThrottle(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("clientview"), "--users", duplex.UsersFile(t, harness.Alice()),
		"--trust-proxy", "127.0.0.1")
	proxy := client("127.0.0.1", nil)
	guesser := []string{"X-Forwarded-For", "203.0.113.1"}
	for i := range 4 {
		r := login(t, proxy, s.URL, "wrong-"+strconv.Itoa(i), guesser...)
		harness.WantStatus(t, r, 401, "wrong password")
		if msg := r.JSON(t)["message"]; (i == 3) != (msg != "Access Denied") {
			t.Fatalf("attempt %d: %q", i+1, msg)
		}
	}
	r := login(t, proxy, s.URL, harness.Alice().Password, "X-Forwarded-For", "203.0.113.2")
	harness.WantStatus(t, r, 200, "another client's login through the same proxy")
}
