package controller

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"duplex/test/harness"
)

// TestHTTPClient: /lib/http-client reaches a server the outbound policy
// allows, and is refused one it does not (loopback, by default), with an
// error the script catches that names --outbound-allow.
func TestHTTPClient(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello %s", r.URL.Query().Get("from"))
	}))
	t.Cleanup(upstream.Close)
	fetch := "/_/service/myapp/fetch?url=" + url.QueryEscape(upstream.URL+"/x")

	allowed := duplex.Start(t, "--app", harness.App("myapp"), "--outbound-allow", "127.0.0.1/32")
	if r := harness.Get(t, allowed.URL+fetch); r.Status != 200 || r.Body != "200 text/plain hello duplex" {
		t.Errorf("allowed upstream: %d %q", r.Status, r.Body)
	}
	closed := duplex.Start(t, "--app", harness.App("myapp"))
	if r := harness.Get(t, closed.URL+fetch); r.Status != 502 || !strings.Contains(r.Body, "--outbound-allow") {
		t.Errorf("loopback without --outbound-allow: %d %q, want the refusal naming the setting", r.Status, r.Body)
	}
}
