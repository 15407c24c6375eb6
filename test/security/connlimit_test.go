package security

// One connection budget for HTTP and WebSocket (--max-connections), a cap
// per client address (--max-connections-per-ip), idle keep-alive
// connections closed first when the budget is full, and accept failing
// for want of file descriptors reported, not silent.

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// connFrom opens a TCP connection to s from the loopback address src.
func connFrom(t *testing.T, s *harness.Server, src string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: harness.Wait}
	c, err := d.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(harness.Wait))
	return c
}

// exchange writes a request on c and reads the response.
func exchange(t *testing.T, c net.Conn, br *bufio.Reader, request string) *http.Response {
	t.Helper()
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatalf("write: %v", err)
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response to %q: %v", strings.SplitN(request, "\r\n", 2)[0], err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// keepAlive opens a connection from src and leaves it idle after one
// request.
func keepAlive(t *testing.T, s *harness.Server, src string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c := connFrom(t, s, src)
	br := bufio.NewReader(c)
	if res := exchange(t, c, br, "GET /_/service/myapp/echo HTTP/1.1\r\nHost: x\r\n\r\n"); res.StatusCode != 200 {
		t.Fatalf("keep-alive request from %s: %d", src, res.StatusCode)
	}
	return c, br
}

// refused reads what a refused connection gets: 503, then the end.
func refused(t *testing.T, c net.Conn, what string) {
	t.Helper()
	out, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(out), "HTTP/1.1 503 ") || !strings.Contains(string(out), "Retry-After: 1") {
		t.Errorf("%s: got %q, want 503 with Retry-After, then the end", what, harness.Trunc(string(out)))
	}
}

// wsFrom upgrades a connection from src to a WebSocket session of the echo
// service.
func wsFrom(t *testing.T, s *harness.Server, src string) *wstest.Conn {
	t.Helper()
	r, err := wstest.Handshake(connFrom(t, s, src), wstest.Request{Target: "/_/service/wsecho/echo", Header: harness.UpgradeHeader(s, wstest.NewKey())})
	if err != nil {
		t.Fatalf("upgrade from %s: %v", src, err)
	}
	if r.Conn == nil {
		t.Fatalf("upgrade from %s: %d", src, r.StatusCode)
	}
	return r.Conn
}

func TestSecurityConnectionBudget(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--app", harness.App("wsecho"), "--max-connections", "3", "--max-connections-per-ip", "2", "--metrics-addr", "127.0.0.1:0")
	murl := harness.MetricsURL(t, s)

	// Two idle keep-alive connections from one address; a third from it
	// is refused.
	_, a1r := keepAlive(t, s, "127.0.0.1")
	keepAlive(t, s, "127.0.0.1")
	refused(t, connFrom(t, s, "127.0.0.1"), "third connection from one address")
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("connection refused", "--max-connections-per-ip") }, harness.Wait)

	// A WebSocket session fills the budget; the next client gets in by
	// the idle connections being closed.
	ws1 := wsFrom(t, s, "127.0.0.2")
	harness.WaitMetric(t, murl, "duplex_connections", func(v int64) bool { return v == 3 }, "3 slots: two idle connections and a session")
	c, _ := keepAlive(t, s, "127.0.0.3")
	if _, err := a1r.ReadByte(); err == nil {
		t.Error("an idle keep-alive connection was not closed to make room")
	}
	// The server frees c's slot once it reads the close, not when the
	// client makes it: wait for that, or the next client races it.
	held := harness.Scrape(t, murl)["duplex_connections"]
	c.Close()
	harness.WaitMetric(t, murl, "duplex_connections", func(v int64) bool { return v == held-1 }, "c's slot given back")

	// Sessions hold their slots: with three open, the next is refused,
	// WebSocket or HTTP.
	wsFrom(t, s, "127.0.0.2")
	wsFrom(t, s, "127.0.0.4")
	harness.WaitMetric(t, murl, "duplex_connections", func(v int64) bool { return v == 3 }, "3 sessions")
	refused(t, connFrom(t, s, "127.0.0.5"), "a connection past the budget")
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("connection refused", "raise --max-connections\"") }, harness.Wait)
	m := harness.Scrape(t, murl)
	if m[`duplex_connections_refused_total{limit="max_connections"}`] != 1 || m[`duplex_connections_refused_total{limit="max_connections_per_ip"}`] != 1 {
		t.Errorf("refusals counted: %v", m)
	}
	// A session that ends gives its slot back.
	ws1.Close()
	harness.WaitMetric(t, murl, "duplex_connections", func(v int64) bool { return v == 2 }, "a slot back")
	keepAlive(t, s, "127.0.0.5")
}

// TestSecurityAcceptEMFILE: a server out of file descriptors says so (a
// warning naming what to raise, and a metric) and serves again once
// descriptors are free.
func TestSecurityAcceptEMFILE(t *testing.T) {
	t.Parallel()
	wrapper := filepath.Join(t.TempDir(), "duplex-lowfd")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nulimit -n 64\nexec "+duplex.Path()+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := duplex.StartOpts(t, harness.Opts{Bin: wrapper, Args: []string{"--app", harness.App("myapp"), "--max-connections", "1000", "--metrics-addr", "127.0.0.1:0"}})
	murl := harness.MetricsURL(t, s)
	var conns []net.Conn
	for range 80 {
		c, err := net.DialTimeout("tcp", s.Addr, harness.Wait)
		if err != nil {
			break
		}
		conns = append(conns, c)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Level() == "warn" && e.Has("out of file descriptors", "ulimit -n", "--max-connections")
	}, harness.Wait)
	for _, c := range conns {
		c.Close()
	}
	if m := harness.Scrape(t, murl); m["duplex_accept_errors_total"] == 0 {
		t.Error("duplex_accept_errors_total is 0")
	}
	harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/myapp/echo"), 200, "after descriptors are free again")
}
