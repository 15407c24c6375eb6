package controller

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"duplex/test/harness"
)

// observer is a socket that hears what main.js's listeners report.
type observer struct{ *harness.WS }

func observe(t *testing.T, s *harness.Server) observer {
	t.Helper()
	o := observer{harness.DialWS(t, s, "/_/service/events/observe", harness.WSOpts{})}
	if m := o.ReadJSON(); m["listener"] != "welcome" {
		t.Fatalf("observer's first message %v", m)
	}
	return o
}

// next is the next report: which listener, and the event it got.
func (o observer) next() (string, map[string]any) {
	o.T.Helper()
	m := o.ReadJSON()
	ev, _ := m["event"].(map[string]any)
	return m["listener"].(string), ev
}

// expect wants the next report to be listener's, of an event of type typ.
func (o observer) expect(listener, typ string) map[string]any {
	o.T.Helper()
	l, ev := o.next()
	if l != listener || ev["type"] != typ {
		o.T.Fatalf("report from %s of %v, want %s of %s", l, ev, listener, typ)
	}
	return ev
}

// sendEvent posts event.send's parameters; it returns the status and the
// error the script caught, if any.
func sendEvent(t *testing.T, s *harness.Server, params string) (int, string) {
	t.Helper()
	r := harness.Post(t, s.URL+"/_/service/events/send", "application/json", params)
	var body struct{ Error string }
	_ = json.Unmarshal([]byte(r.Body), &body)
	return r.Status, body.Error
}

// TestEvents: main.js runs once, whatever the number of runtimes; its
// listeners get XP's event object, by type pattern, localOnly honoured,
// one failing listener not stopping the next; a listener outside main.js
// and an event too long to travel are errors the script catches; its
// disposer runs when the server stops.
func TestEvents(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("events"), "--js-workers", "2", "--js-timeout", "1s")
	obs := observe(t, s)

	if code, msg := sendEvent(t, s, `{"type": "hello", "data": {"a": 1, "list": [1, "two"]}}`); code != 200 {
		t.Fatalf("send: %d %s", code, msg)
	}
	ev := obs.expect("all", "custom.hello")
	if ev["localOrigin"] != true || ev["distributed"] != false {
		t.Fatalf("event %v: want localOrigin true, distributed false", ev)
	}
	if ts, ok := ev["timestamp"].(float64); !ok || time.Since(time.UnixMilli(int64(ts))).Abs() > time.Minute {
		t.Fatalf("timestamp %v is not now in milliseconds", ev["timestamp"])
	}
	if data, _ := json.Marshal(ev["data"]); string(data) != `{"a":1,"list":[1,"two"]}` {
		t.Fatalf("data %s", data)
	}

	// localOnly listeners hear events of this node; "custom.local*" is
	// heard by both listeners, in the order they were registered.
	sendEvent(t, s, `{"type": "local1", "distributed": true}`)
	if ev := obs.expect("all", "custom.local1"); ev["distributed"] != true {
		t.Fatalf("event %v: want distributed", ev)
	}
	obs.expect("localOnly", "custom.local1")

	// The first listener of custom.fail throws: logged, and the second
	// still runs.
	sendEvent(t, s, `{"type": "fail"}`)
	obs.expect("all", "custom.fail")
	obs.expect("afterFail", "custom.fail")
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Message() == "event listener failed" && e.Has("listener failed on purpose")
	}, harness.Wait)

	// A listener that never returns is stopped by --js-timeout, and the
	// listeners go on with the next event.
	sendEvent(t, s, `{"type": "spin"}`)
	obs.expect("all", "custom.spin")
	sendEvent(t, s, `{"type": "after-spin"}`)
	obs.expect("all", "custom.after-spin")
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Message() == "event listener failed" && e.Fields["type"] == "custom.spin"
	}, harness.Wait)

	r := harness.Get(t, s.URL+"/_/service/events/send")
	if r.Status != 400 || !strings.Contains(r.Body, "register listeners in main.js") {
		t.Fatalf("listener outside main.js: %d %s", r.Status, r.Body)
	}
	big := strings.Repeat("x", 70<<10)
	if code, msg := sendEvent(t, s, `{"type": "big", "data": {"text": "`+big+`"}}`); code != 400 || !strings.Contains(msg, "--ws-max-message") {
		t.Fatalf("oversized event: %d %q", code, msg)
	}

	if n := s.CountLogs(func(e harness.LogEntry) bool { return e.Message() == "main.js ran" }); n != 1 {
		t.Fatalf("main.js ran %d times, want once", n)
	}
	s.Signal(t, syscall.SIGTERM)
	if code := s.WaitExit(t, harness.Wait); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if n := s.CountLogs(func(e harness.LogEntry) bool { return e.Message() == "main.js disposer ran" }); n != 1 {
		t.Fatalf("disposer ran %d times at stop, want once", n)
	}
}

// TestEventQueueFull: events wait for the listeners in a bounded queue;
// past --js-event-queue, send throws an error naming the setting, and the
// refusal is counted.
func TestEventQueueFull(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	held := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	defer held.Close()
	defer close(release)
	s := duplex.Start(t, "--app", harness.App("events"), "--js-event-queue", "1", "--js-timeout", "30s",
		"--outbound-allow", "127.0.0.1/32", "--metrics-addr", "127.0.0.1:0")
	metrics := harness.MetricsURL(t, s)
	obs := observe(t, s)

	sendEvent(t, s, `{"type": "slow", "data": {"url": "`+held.URL+`"}}`)
	obs.expect("all", "custom.slow")
	select {
	case <-arrived: // the slow listener runs, and holds the others up
	case <-time.After(harness.Wait):
		t.Fatal("the slow listener's request never arrived")
	}
	if code, msg := sendEvent(t, s, `{"type": "queued"}`); code != 200 {
		t.Fatalf("first event behind the slow listener: %d %s", code, msg)
	}
	code, msg := sendEvent(t, s, `{"type": "refused"}`)
	if code != 400 || !strings.Contains(msg, "--js-event-queue") {
		t.Fatalf("event past the queue: %d %q", code, msg)
	}
	harness.WaitMetric(t, metrics, `duplex_js_events_dropped_total{app="events",reason="queue_full"}`, func(v int64) bool { return v == 1 }, "1")
	release <- struct{}{}
	obs.expect("all", "custom.queued")
}

// TestMainReload: with --dev, an edited main.js runs again (after its old
// disposer), and the new listeners answer.
func TestMainReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	harness.CopyDir(t, harness.App("events"), dir)
	s := duplex.Start(t, "--app", dir, "--dev")
	obs := observe(t, s)
	main := filepath.Join(dir, "main.js")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), "report('all', e)", "report('edited', e)", 1)
	if edited == string(src) {
		t.Fatal("main.js has no report('all', e) to edit")
	}
	harness.WriteFile(t, main, edited)
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(main, later, later); err != nil {
		t.Fatal(err)
	}
	// Any call notices the change; the listeners run again before they
	// get the event sent after it.
	sendEvent(t, s, `{"type": "after-edit"}`)
	obs.expect("edited", "custom.after-edit")
	// The report comes by the socket, the log line by stderr: either may
	// be read first.
	ran := func(e harness.LogEntry) bool { return e.Has("main.js ran") }
	s.WaitLogCount(t, ran, 2, harness.Wait)
	if n := s.CountLogs(ran); n != 2 {
		t.Fatalf("main.js ran %d times, want twice", n)
	}
	if n := s.CountLogs(func(e harness.LogEntry) bool { return e.Has("main.js disposer ran") }); n != 1 {
		t.Fatalf("the old disposer ran %d times, want once", n)
	}
}
