package test

import (
	"bufio"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metricsURL starts nothing: it waits for the "metrics listening" line of a
// server started with --metrics-addr 127.0.0.1:0 and returns its URL.
func metricsURL(t testing.TB, s *Server) string {
	t.Helper()
	e := s.WaitLog(t, func(e LogEntry) bool { return e.Message() == "metrics listening" }, startDeadline)
	addr, _ := e.Fields["addr"].(string)
	if !regexp.MustCompile(`^127\.0\.0\.1:[1-9][0-9]*$`).MatchString(addr) {
		t.Fatalf("metrics listening on %q", addr)
	}
	return "http://" + addr + "/metrics"
}

// scrape returns every sample of the endpoint, keyed by `name{labels}`.
func scrape(t testing.TB, url string) map[string]int64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := map[string]int64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseInt(line[i+1:], 10, 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// waitMetric polls the endpoint until pred holds for the sample, or fails.
func waitMetric(t testing.TB, url, key string, pred func(int64) bool, what string) int64 {
	t.Helper()
	deadline := time.Now().Add(wsWait)
	for {
		v, ok := scrape(t, url)[key]
		if ok && pred(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("metric %s = %d (present %v); want %s", key, v, ok, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMetrics: the endpoint is off unless asked for, and it counts
// sessions, closes by code, controller errors and messages that were not
// delivered.
func TestMetrics(t *testing.T) {
	t.Parallel()
	plain := startServer(t, "--app", appDir("wsecho"))
	if plain.CountLogs(func(e LogEntry) bool { return e.Message() == "metrics listening" }) != 0 {
		t.Fatal("metrics served without --metrics-addr")
	}

	s := startServer(t, "--app", appDir("wsecho"), "--app", appDir("myapp"), "--metrics-addr", "127.0.0.1:0", "--ws-max-backlog", "65536")
	url := metricsURL(t, s)
	m := scrape(t, url)
	for _, key := range []string{"duplex_goroutines", "duplex_rss_bytes", "duplex_heap_inuse_bytes", `duplex_ws_sessions{app="wsecho"}`, `duplex_js_workers{app="myapp"}`} {
		if _, ok := m[key]; !ok {
			t.Errorf("metric %s missing", key)
		}
	}
	if m["duplex_goroutines"] <= 0 || m["duplex_rss_bytes"] <= 0 {
		t.Errorf("goroutines %d, rss %d: want positive", m["duplex_goroutines"], m["duplex_rss_bytes"])
	}

	// Sessions and close codes.
	c, _ := wsOpenEcho(t, s, "", wsDialOpts{})
	waitMetric(t, url, `duplex_ws_sessions{app="wsecho"}`, func(v int64) bool { return v == 1 }, "1 open session")
	c.closeWith(4005, "")
	waitMetric(t, url, `duplex_ws_sessions{app="wsecho"}`, func(v int64) bool { return v == 0 }, "0 after the close")
	waitMetric(t, url, `duplex_ws_closed_total{app="wsecho",code="4005"}`, func(v int64) bool { return v == 1 }, "one close with 4005")

	// Controller exceptions.
	before := scrape(t, url)[`duplex_js_errors_total{app="myapp",kind="exception"}`]
	wantStatus(t, get(t, s.URL+"/_/service/myapp/boom"), 500, "boom")
	waitMetric(t, url, `duplex_js_errors_total{app="myapp",kind="exception"}`, func(v int64) bool { return v == before+1 }, fmt.Sprintf("%d after one throw", before+1))

	// A reader that never reads: what was queued for it when it was closed
	// is counted as dropped, never lost silently.
	fast := dialWS(t, s, "/_/service/wsecho/flood", wsDialOpts{})
	fast.readText()
	slow := dialWS(t, s, "/_/service/wsecho/flood", wsDialOpts{})
	slow.readText()
	fast.sendText("size")
	fast.expectText("size:2")
	key := `duplex_ws_dropped_total{app="wsecho",reason="backlog"}`
	for i := 0; i < 6000 && scrape(t, url)[key] == 0; i++ {
		fast.sendText(fmt.Sprintf("f:%d", i))
		fast.read(wsWait)
	}
	waitMetric(t, url, key, func(v int64) bool { return v > 0 }, "messages dropped for the slow reader")
	waitMetric(t, url, `duplex_ws_closed_total{app="wsecho",code="1008"}`, func(v int64) bool { return v == 1 }, "the slow reader closed with 1008")
}

// TestPprofOptIn: Go's profiler is off unless --pprof asks for it, only on
// the private listener, and never shows the command line; a secret given
// on the command line is refused (ps would show it), while the same secret
// from the environment appears nowhere the listener serves.
func TestPprofOptIn(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--app", appDir("myapp"), "--metrics-addr", "127.0.0.1:0")
	base := strings.TrimSuffix(metricsURL(t, s), "/metrics")
	wantStatus(t, get(t, base+"/debug/pprof/"), http.StatusNotFound, "pprof without --pprof")
	// The public listener hands the path to the application like any other.
	if r := get(t, s.URL+"/debug/pprof/"); strings.Contains(r.Body, "profiles") {
		t.Errorf("the public listener serves the profiler: %s", trunc(r.Body))
	}

	users := usersFile(t, alice)
	p := startServerOpts(t, serverOpts{
		args: []string{"--app", appDir("auth"), "--users", users, "--metrics-addr", "127.0.0.1:0", "--pprof"},
		env:  []string{"DUPLEX_SESSION_SECRET=" + authSecret},
	})
	base = strings.TrimSuffix(metricsURL(t, p), "/metrics")
	if r := get(t, base+"/debug/pprof/"); r.Status != http.StatusOK || !strings.Contains(r.Body, "profiles") {
		t.Errorf("pprof with --pprof: %d %s", r.Status, trunc(r.Body))
	}
	wantStatus(t, get(t, base+"/debug/pprof/cmdline"), http.StatusNotFound, "pprof's cmdline")
	for _, page := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/goroutine?debug=2"} {
		if r := get(t, base+page); strings.Contains(r.Body, authSecret) {
			t.Errorf("%s shows the session secret", page)
		}
	}
	if strings.Contains(p.Stderr(), authSecret) {
		t.Error("the log shows the session secret")
	}

	out := expectStartFailure(t, "--app", appDir("auth"), "--users", users, "--session-secret", authSecret)
	if !strings.Contains(out, "DUPLEX_SESSION_SECRET") || strings.Contains(out, authSecret) {
		t.Errorf("--session-secret on the command line: %s", out)
	}
	if out := expectStartFailure(t, "--app", appDir("myapp"), "--pprof"); !strings.Contains(out, "--metrics-addr") {
		t.Errorf("--pprof without --metrics-addr: %s", out)
	}
}
