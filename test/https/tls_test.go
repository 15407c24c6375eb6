package https

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"duplex/test/harness"
)

// TestHTTPS: with --tls-cert and --tls-key, --addr serves HTTPS from TLS
// 1.2 up, HTTP/1.1 only; the request object, portal's URLs and the login
// cookie say https; a plain HTTP request is told to use https://.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	ca := harness.NewCA(t)
	p := ca.Issue(t, t.TempDir(), 7)
	s := duplex.Start(t, "--app", harness.App("clientview"), "--users", duplex.UsersFile(t, harness.Alice()),
		"--tls-cert", p.Cert, "--tls-key", p.Key, "--read-header-timeout", "1s")
	if want := "https://" + s.Addr; s.URL != want {
		t.Fatalf("server URL %q, want %q (the listening line says tls)", s.URL, want)
	}
	c := client("127.0.0.1", ca.Client())
	v := view(t, c, s.URL)
	for k, want := range map[string]any{
		"scheme":        "https",
		"host":          "127.0.0.1",
		"port":          float64(s.Port),
		"url":           s.URL + "/_/service/clientview/view",
		"remoteAddress": "127.0.0.1",
		"absoluteUrl":   s.URL + "/_/service/clientview/view",
		"websocketUrl":  "wss://" + s.Addr + "/_/service/clientview/view",
	} {
		harness.WantField(t, v, k, want)
	}

	r := login(t, c, s.URL, harness.Alice().Password)
	harness.WantStatus(t, r, 200, "login over HTTPS")
	if cookies := r.Resp.Cookies(); len(cookies) != 1 || !cookies[0].Secure {
		t.Errorf("login over HTTPS: cookies %v, want one with Secure", r.Header.Values("Set-Cookie"))
	}

	t.Run("HTTP/1.1 only", func(t *testing.T) {
		// A browser offers h2 first; a WebSocket needs HTTP/1.1.
		cfg := ca.Client()
		cfg.NextProtos = []string{"h2", "http/1.1"}
		conn, err := tls.Dial("tcp", s.Addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if got := conn.ConnectionState().NegotiatedProtocol; got != "http/1.1" {
			t.Errorf("ALPN chose %q, want http/1.1", got)
		}
	})
	t.Run("TLS 1.1 refused", func(t *testing.T) {
		cfg := ca.Client()
		cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
		if conn, err := tls.Dial("tcp", s.Addr, cfg); err == nil {
			conn.Close()
			t.Errorf("a TLS 1.1 handshake succeeded (version %x)", conn.ConnectionState().Version)
		}
	})
	t.Run("silent client", func(t *testing.T) {
		// No ClientHello: the handshake waits in the connection's own
		// goroutine, under --read-header-timeout, not in accept.
		silent, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
		view(t, c, s.URL)
		start := time.Now()
		_ = silent.SetReadDeadline(time.Now().Add(harness.Wait))
		if n, err := silent.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("a client that never says hello: read %d bytes, %v; want the connection closed", n, err)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("a client that never says hello was closed after %v, with --read-header-timeout 1s", el)
		}
	})
	t.Run("plain HTTP", func(t *testing.T) {
		r, err := harness.DoErr(http.MethodGet, "http://"+s.Addr+"/_/service/clientview/view", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "https://") || !strings.Contains(r.Body, "--tls-cert") {
			t.Errorf("plain HTTP to the TLS port: %d %q, want 400 saying to use https:// (--tls-cert)", r.Status, r.Body)
		}
	})
}

// TestWSSChat: an XP chat over wss://, the hub reading and writing
// through TLS: welcome and join broadcasts, a burst fanned out in order, a
// message over --ws-max-message closed with 1009, a client's close.
func TestWSSChat(t *testing.T) {
	t.Parallel()
	ca := harness.NewCA(t)
	p := ca.Issue(t, t.TempDir(), 8)
	s := duplex.Start(t, "--app", harness.App("wschat"), "--tls-cert", p.Cert, "--tls-key", p.Key, "--ws-max-message", "4096")
	o := harness.WSOpts{Protocols: []string{"chat.v1"}, TLS: ca.Client()}
	ada := harness.DialWS(t, s, "/_/service/wschat/chat?user=ada", o)
	harness.WantField(t, ada.ReadJSON(), "type", "welcome")
	harness.WantField(t, ada.ReadJSON(), "type", "join")
	bob := harness.DialWS(t, s, "/_/service/wschat/chat?user=bob", o)
	harness.WantField(t, bob.ReadJSON(), "size", float64(2))
	harness.WantField(t, bob.ReadJSON(), "user", "bob")
	harness.WantField(t, ada.ReadJSON(), "user", "bob")

	// A burst: batched writes, many TLS records, in order for both.
	const burst = 200
	for i := range burst {
		ada.SendText(strings.Repeat("m", i))
	}
	for _, c := range []*harness.WS{ada, bob} {
		for i := range burst {
			m := c.ReadJSON()
			if m["type"] != "msg" || m["text"] != strings.Repeat("m", i) {
				t.Fatalf("%s: message %d of the burst is %v", c.Name, i, m)
			}
		}
	}

	ada.SendText(strings.Repeat("x", 5000))
	ada.ExpectClose(ws.StatusMessageTooBig, harness.Wait, false)
	bye := bob.ReadJSON()
	harness.WantField(t, bye, "type", "bye")
	harness.WantField(t, bye, "code", float64(1009))

	bob.CloseWith(ws.StatusNormalClosure, "done")
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("chat close bob 1000") }, harness.Wait)
}

// TestCertificateReload: SIGHUP makes new connections get the renewed
// certificate while a session opened before carries on; a pair that does
// not load keeps the one in use and logs an error naming the files.
func TestCertificateReload(t *testing.T) {
	t.Parallel()
	ca := harness.NewCA(t)
	dir := t.TempDir()
	p := ca.Issue(t, dir, 100)
	// From the environment, as every flag may be.
	s := duplex.StartOpts(t, harness.Opts{Args: []string{"--app", harness.App("wschat")},
		Env: []string{"DUPLEX_TLS_CERT=" + p.Cert, "DUPLEX_TLS_KEY=" + p.Key}})
	if got := servedSerial(t, s, ca.Client()); got != "100" {
		t.Fatalf("serial %s served, want 100", got)
	}
	o := harness.WSOpts{Protocols: []string{"chat.v1"}, TLS: ca.Client()}
	ada := harness.DialWS(t, s, "/_/service/wschat/chat?user=ada", o)
	ada.ReadJSON()
	ada.ReadJSON()

	ca.Issue(t, dir, 101)
	s.Signal(t, syscall.SIGHUP)
	e := logged(t, s, "TLS certificate reloaded")
	if e.Fields["serial"] != "101" || e.Fields["cert"] != p.Cert {
		t.Errorf("reload logged %s, want serial 101 of %s", e.Raw, p.Cert)
	}
	if got := servedSerial(t, s, ca.Client()); got != "101" {
		t.Errorf("after SIGHUP, serial %s served, want 101", got)
	}

	// The key of another certificate, then a certificate file cut short.
	other := ca.Issue(t, t.TempDir(), 102)
	copyFile(t, other.Key, p.Key)
	s.Signal(t, syscall.SIGHUP)
	refused := func(e harness.LogEntry) bool {
		return e.Level() == "error" && e.Has("TLS certificate not reloaded", p.Cert, p.Key)
	}
	e = s.WaitLog(t, refused, harness.Wait)
	if !e.Has("private key does not match") {
		t.Errorf("refused reload logged %s, want the cause", e.Raw)
	}
	harness.WriteFile(t, p.Cert, "-----BEGIN CERTIFICATE-----\nMIIB")
	s.Signal(t, syscall.SIGHUP)
	s.WaitLog(t, func(e harness.LogEntry) bool { return refused(e) && e.Has("PEM") }, harness.Wait)
	if got := servedSerial(t, s, ca.Client()); got != "101" {
		t.Errorf("after SIGHUPs with broken files, serial %s served, want 101 kept", got)
	}

	ada.SendText("still here")
	harness.WantField(t, ada.ReadJSON(), "text", "still here")
}

// TestSIGHUPWithoutTLS: SIGHUP never stops the server, whose default
// action it would be.
func TestSIGHUPWithoutTLS(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("clientview"))
	s.Signal(t, syscall.SIGHUP)
	logged(t, s, "SIGHUP: nothing to reload (no --tls-cert)")
	harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/clientview/view"), 200, "after SIGHUP")
}

// TestTLSStartErrors: a certificate without its key, or a pair that does
// not load, stops the start with an error naming the flags and files.
func TestTLSStartErrors(t *testing.T) {
	t.Parallel()
	ca := harness.NewCA(t)
	p := ca.Issue(t, t.TempDir(), 9)
	other := ca.Issue(t, t.TempDir(), 10)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--tls-cert", p.Cert}, []string{"--tls-cert and --tls-key go together"}},
		{[]string{"--tls-key", p.Key}, []string{"--tls-cert and --tls-key go together"}},
		{[]string{"--tls-cert", p.Cert + ".missing", "--tls-key", p.Key}, []string{"--tls-cert " + p.Cert + ".missing", "no such file"}},
		{[]string{"--tls-cert", p.Cert, "--tls-key", other.Key}, []string{"--tls-key " + other.Key, "private key does not match"}},
	} {
		stderr := duplex.ExpectStartFailure(t, append([]string{"--app", harness.App("clientview")}, tc.args...)...)
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr does not say %q:\n%s", tc.args, w, stderr)
			}
		}
	}
}

// copyFile replaces dst with src's content.
func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
