package controller

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// noHandlerWarning matches the warning that script accepted a WebSocket
// without a webSocketEvent, in JSON or (--dev) in the console format.
func noHandlerWarning(script string) func(harness.LogEntry) bool {
	text := "controller " + script + " accepted a WebSocket but exports no webSocketEvent"
	return func(e harness.LogEntry) bool {
		if e.Fields == nil {
			return harness.MessageHas(text)(e) && e.Has("WRN")
		}
		return e.Level() == "warn" && e.Fields["script"] == script && strings.HasPrefix(e.Message(), text)
	}
}

// upgraded opens a WebSocket to service of app wsexports and holds it for
// the rest of the test.
func upgraded(t *testing.T, s *harness.Server, service string) *harness.WS {
	t.Helper()
	return harness.DialWS(t, s, "/_/service/wsexports/"+service, harness.WSOpts{})
}

// logMark opens a session of the well-spelled controller and waits for
// its open event's line: every line logged before its upgrade, a warning
// included, has been read by then.
func logMark(t *testing.T, s *harness.Server, mark string) {
	t.Helper()
	upgraded(t, s, "fine?mark="+mark)
	s.WaitLog(t, harness.MessageHas("fine open "+mark), harness.Wait)
}

// TestSocketWithoutHandler: a controller that accepts a WebSocket but
// exports no webSocketEvent keeps accepting it, as XP does, and logs one
// warning per controller: naming a near-miss export when it has one
// (a case slip, a plural), none otherwise; never for a controller spelled
// right. Its sessions' messages are dropped, and counted.
func TestSocketWithoutHandler(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsexports"), "--metrics-addr", "127.0.0.1:0")
	metrics := harness.MetricsURL(t, s)

	c := upgraded(t, s, "misspelled")
	e := s.WaitLog(t, noHandlerWarning("/services/misspelled/misspelled.js"), harness.Wait)
	want := "controller /services/misspelled/misspelled.js accepted a WebSocket but exports no webSocketEvent" +
		" (found websocketEvent: did you mean webSocketEvent?); its sessions' events are dropped"
	if !strings.HasPrefix(e.Message(), want) || e.Fields["found"] != "websocketEvent" || e.Fields["app"] != "wsexports" {
		t.Errorf("warning: %s\nwant a message starting %q", e.Raw, want)
	}
	c.SendText("one")
	c.SendText("two")
	harness.WaitMetric(t, metrics, `duplex_ws_dropped_total{app="wsexports",reason="no_handler"}`, func(v int64) bool { return v == 2 }, "2")
	// Events of a session run in order: the close is answered once the
	// messages' events were handled.
	c.CloseWith(1000, "")
	upgraded(t, s, "misspelled")

	upgraded(t, s, "plural")
	e = s.WaitLog(t, noHandlerWarning("/services/plural/plural.js"), harness.Wait)
	if e.Fields["found"] != "webSocketEvents" || !strings.Contains(e.Message(), "(found webSocketEvents: did you mean webSocketEvent?)") {
		t.Errorf("warning for a plural: %s", e.Raw)
	}
	upgraded(t, s, "silent")
	e = s.WaitLog(t, noHandlerWarning("/services/silent/silent.js"), harness.Wait)
	if _, found := e.Fields["found"]; found || strings.Contains(e.Message(), "did you mean") {
		t.Errorf("warning for a controller with no near-miss export names one: %s", e.Raw)
	}

	logMark(t, s, "end")
	for script, n := range map[string]int{
		"/services/misspelled/misspelled.js": 1, // two upgrades, one warning
		"/services/plural/plural.js":         1,
		"/services/silent/silent.js":         1,
		"/services/fine/fine.js":             0,
	} {
		if got := s.CountLogs(noHandlerWarning(script)); got != n {
			t.Errorf("%s: %d warnings, want %d", script, got, n)
		}
	}
	if n := s.CountLogs(harness.MessageHas("handler ran for")); n != 0 {
		t.Errorf("a near-miss export was called %d times", n)
	}
}

// TestSocketWithoutHandlerReload: with --dev, an edited controller is a
// new version, warned of once more.
func TestSocketWithoutHandlerReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	harness.CopyDir(t, harness.App("wsexports"), dir)
	s := duplex.Start(t, "--app", dir, "--dev")
	script := "/services/misspelled/misspelled.js"
	warnings := func() int { return s.CountLogs(noHandlerWarning(script)) }

	upgraded(t, s, "misspelled")
	upgraded(t, s, "misspelled")
	logMark(t, s, "before")
	if n := warnings(); n != 1 {
		t.Fatalf("before the edit: %d warnings, want 1", n)
	}

	file := filepath.Join(dir, "services", "misspelled", "misspelled.js")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, file, string(src)+"\n// edited\n")
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(file, later, later); err != nil {
		t.Fatal(err)
	}
	upgraded(t, s, "misspelled")
	upgraded(t, s, "misspelled")
	logMark(t, s, "after")
	if n := warnings(); n != 2 {
		t.Fatalf("after the edit: %d warnings, want 2", n)
	}
}
