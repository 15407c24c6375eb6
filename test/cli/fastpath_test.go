package cli

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// TestFastPath: plain keep-alive requests are served by the epoll fast
// path (duplex_http_fast_requests_total), a chunked one and a HEAD go to
// net/http (duplex_http_handoffs_total) and get the same answers, and
// --net-http turns the fast path off.
func TestFastPath(t *testing.T) {
	t.Parallel()
	serve := func(args ...string) (fast, handed int64) {
		s := duplex.Start(t, append([]string{"--app", harness.App("myapp"), "--metrics-addr", "127.0.0.1:0"}, args...)...)
		url := harness.MetricsURL(t, s)
		c, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(20 * time.Second))
		br := bufio.NewReader(c)
		ask := func(method, raw string) string {
			t.Helper()
			if _, err := io.WriteString(c, strings.ReplaceAll(raw, "\n", "\r\n")); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(br, &http.Request{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %s %s", raw, res.Status, body)
			}
			return string(body)
		}
		for range 3 {
			if body := ask("GET", "GET /_/service/myapp/echo?x=1 HTTP/1.1\nHost: a\n\n"); !strings.Contains(body, `"x"`) {
				t.Fatalf("echo answer %s", body)
			}
		}
		ask("HEAD", "HEAD /_/service/myapp/echo HTTP/1.1\nHost: a\n\n")
		if body := ask("POST", "POST /_/service/myapp/echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\nContent-Type: text/plain\n\n4\nabcd\n0\n\n"); !strings.Contains(body, "abcd") {
			t.Fatalf("chunked echo answer %s", body)
		}
		m := harness.Scrape(t, url)
		return m["duplex_http_fast_requests_total"], m["duplex_http_handoffs_total"]
	}
	if fast, handed := serve(); fast != 3 || handed != 1 {
		t.Errorf("fast path: %d requests served, %d connections handed to net/http; want 3 and 1", fast, handed)
	}
	if fast, handed := serve("--net-http"); fast != 0 || handed != 0 {
		t.Errorf("--net-http: %d requests served by the fast path, %d handed; want none", fast, handed)
	}
}
