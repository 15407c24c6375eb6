package cli

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"duplex/test/harness"
)

// TestMetrics: the endpoint is off unless asked for, and it counts
// sessions, closes by code, controller errors and messages that were not
// delivered.
func TestMetrics(t *testing.T) {
	t.Parallel()
	plain := duplex.Start(t, "--app", harness.App("wsecho"))
	if plain.CountLogs(func(e harness.LogEntry) bool { return e.Message() == "metrics listening" }) != 0 {
		t.Fatal("metrics served without --metrics-addr")
	}

	s := duplex.Start(t, "--app", harness.App("wsecho"), "--app", harness.App("myapp"), "--metrics-addr", "127.0.0.1:0", "--ws-max-backlog", "65536")
	url := harness.MetricsURL(t, s)
	m := harness.Scrape(t, url)
	for _, key := range []string{"duplex_goroutines", "duplex_rss_bytes", "duplex_heap_inuse_bytes", `duplex_ws_sessions{app="wsecho"}`, `duplex_js_workers{app="myapp"}`} {
		if _, ok := m[key]; !ok {
			t.Errorf("metric %s missing", key)
		}
	}
	if m["duplex_goroutines"] <= 0 || m["duplex_rss_bytes"] <= 0 {
		t.Errorf("goroutines %d, rss %d: want positive", m["duplex_goroutines"], m["duplex_rss_bytes"])
	}

	// Sessions and close codes.
	c, _ := harness.OpenEcho(t, s, "", harness.WSOpts{})
	harness.WaitMetric(t, url, `duplex_ws_sessions{app="wsecho"}`, func(v int64) bool { return v == 1 }, "1 open session")
	c.CloseWith(4005, "")
	harness.WaitMetric(t, url, `duplex_ws_sessions{app="wsecho"}`, func(v int64) bool { return v == 0 }, "0 after the close")
	harness.WaitMetric(t, url, `duplex_ws_closed_total{app="wsecho",code="4005"}`, func(v int64) bool { return v == 1 }, "one close with 4005")

	// Controller exceptions.
	before := harness.Scrape(t, url)[`duplex_js_errors_total{app="myapp",kind="exception"}`]
	harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/myapp/boom"), 500, "boom")
	harness.WaitMetric(t, url, `duplex_js_errors_total{app="myapp",kind="exception"}`, func(v int64) bool { return v == before+1 }, fmt.Sprintf("%d after one throw", before+1))

	// A reader that never reads: what was queued for it when it was closed
	// is counted as dropped, never lost silently.
	fast := harness.DialWS(t, s, "/_/service/wsecho/flood", harness.WSOpts{})
	fast.ReadText()
	slow := harness.DialWS(t, s, "/_/service/wsecho/flood", harness.WSOpts{})
	slow.ReadText()
	fast.SendText("size")
	fast.ExpectText("size:2")
	key := `duplex_ws_dropped_total{app="wsecho",reason="backlog"}`
	for i := 0; i < 6000 && harness.Scrape(t, url)[key] == 0; i++ {
		fast.SendText(fmt.Sprintf("f:%d", i))
		fast.Read(harness.Wait)
	}
	harness.WaitMetric(t, url, key, func(v int64) bool { return v > 0 }, "messages dropped for the slow reader")
	harness.WaitMetric(t, url, `duplex_ws_closed_total{app="wsecho",code="1008"}`, func(v int64) bool { return v == 1 }, "the slow reader closed with 1008")
}

// TestPprofOptIn: Go's profiler is off unless --pprof asks for it, only on
// the private listener, and never shows the command line; a secret given
// on the command line is refused (ps would show it), while the same secret
// from the environment appears nowhere the listener serves.
func TestPprofOptIn(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--metrics-addr", "127.0.0.1:0")
	base := strings.TrimSuffix(harness.MetricsURL(t, s), "/metrics")
	harness.WantStatus(t, harness.Get(t, base+"/debug/pprof/"), http.StatusNotFound, "pprof without --pprof")
	// The public listener hands the path to the application like any other.
	if r := harness.Get(t, s.URL+"/debug/pprof/"); strings.Contains(r.Body, "profiles") {
		t.Errorf("the public listener serves the profiler: %s", harness.Trunc(r.Body))
	}

	users := duplex.UsersFile(t, harness.Alice())
	p := duplex.StartOpts(t, harness.Opts{
		Args: []string{"--app", harness.App("auth"), "--users", users, "--metrics-addr", "127.0.0.1:0", "--pprof"},
		Env:  []string{"DUPLEX_SESSION_SECRET=" + harness.AuthSecret},
	})
	base = strings.TrimSuffix(harness.MetricsURL(t, p), "/metrics")
	if r := harness.Get(t, base+"/debug/pprof/"); r.Status != http.StatusOK || !strings.Contains(r.Body, "profiles") {
		t.Errorf("pprof with --pprof: %d %s", r.Status, harness.Trunc(r.Body))
	}
	harness.WantStatus(t, harness.Get(t, base+"/debug/pprof/cmdline"), http.StatusNotFound, "pprof's cmdline")
	for _, page := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/goroutine?debug=2"} {
		if r := harness.Get(t, base+page); strings.Contains(r.Body, harness.AuthSecret) {
			t.Errorf("%s shows the session secret", page)
		}
	}
	if strings.Contains(p.Stderr(), harness.AuthSecret) {
		t.Error("the log shows the session secret")
	}

	out := duplex.ExpectStartFailure(t, "--app", harness.App("auth"), "--users", users, "--session-secret", harness.AuthSecret)
	if !strings.Contains(out, "DUPLEX_SESSION_SECRET") || strings.Contains(out, harness.AuthSecret) {
		t.Errorf("--session-secret on the command line: %s", out)
	}
	if out := duplex.ExpectStartFailure(t, "--app", harness.App("myapp"), "--pprof"); !strings.Contains(out, "--metrics-addr") {
		t.Errorf("--pprof without --metrics-addr: %s", out)
	}
}
