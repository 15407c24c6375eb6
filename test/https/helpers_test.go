package https

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"duplex/test/harness"
)

// dialFrom dials from the loopback address source: 127.0.0.1 is the
// trusted proxy of these tests, any other 127/8 address an untrusted peer.
func dialFrom(source string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}, Timeout: harness.Wait}
	return d.DialContext
}

// client is an HTTP client connecting from source, trusting tlsConfig's
// CAs for https:// URLs. It opens a connection per request, so that each
// one sees the certificate served at that moment and none is left idle.
func client(source string, tlsConfig *tls.Config) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:       dialFrom(source),
		TLSClientConfig:   tlsConfig,
		DisableKeepAlives: true,
	}}
}

// do sends a request through c and fails the test on a transport error.
func do(t testing.TB, c *http.Client, method, url string, body io.Reader, hdr ...string) *harness.Resp {
	t.Helper()
	r, err := harness.DoWith(c, method, url, body, hdr...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

// view is the clientview app's account of a GET to its service.
func view(t testing.TB, c *http.Client, base string, hdr ...string) map[string]any {
	t.Helper()
	r := do(t, c, http.MethodGet, base+"/_/service/clientview/view", nil, hdr...)
	harness.WantStatus(t, r, 200, "view")
	return r.JSON(t)
}

// login posts alice's credentials to the clientview app and returns the
// response.
func login(t testing.TB, c *http.Client, base, password string, hdr ...string) *harness.Resp {
	t.Helper()
	return do(t, c, http.MethodPost, base+"/_/service/clientview/view", strings.NewReader("user=alice&password="+password),
		append([]string{"Content-Type", "application/x-www-form-urlencoded"}, hdr...)...)
}

// loginForm posts alice's credentials to the built-in login form from the
// page https://public.example.
func loginForm(t testing.TB, c *http.Client, s *harness.Server, hdr ...string) *harness.Resp {
	t.Helper()
	return do(t, c, http.MethodPost, s.URL+"/_/idprovider/system/login", strings.NewReader("user=alice&password="+harness.Alice().Password),
		append([]string{"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://public.example"}, hdr...)...)
}

// servedSerial is the serial number of the certificate a new connection
// to s is shown; the client must trust it.
func servedSerial(t testing.TB, s *harness.Server, cfg *tls.Config) string {
	t.Helper()
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: harness.Wait}, Config: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), harness.Wait)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		t.Fatalf("TLS handshake with %s: %v", s.Addr, err)
	}
	defer c.Close()
	return c.(*tls.Conn).ConnectionState().PeerCertificates[0].SerialNumber.String()
}

// logged waits for a log line with message msg and returns it.
func logged(t testing.TB, s *harness.Server, msg string) harness.LogEntry {
	t.Helper()
	return s.WaitLog(t, func(e harness.LogEntry) bool { return e.Message() == msg }, harness.Wait)
}
