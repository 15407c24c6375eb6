package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"duplex/test/harness"
)

// TestBundledApp: without --app the embedded chat app is served at /.
func TestBundledApp(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t)
	r := harness.Get(t, s.URL+"/", "Accept", "text/html")
	harness.WantStatus(t, r, 200, "bundled app at /")
	harness.WantMediaType(t, r, "text/html", "", "bundled app page")
	if strings.TrimSpace(r.Body) == "" {
		t.Errorf("bundled app page is empty")
	}
}

// TestEnvVars: DUPLEX_* variables stand in for the flags.
func TestEnvVars(t *testing.T) {
	t.Parallel()
	t.Run("addr app workers dev", func(t *testing.T) {
		t.Parallel()
		s := duplex.StartOpts(t, harness.Opts{NoAddr: true, Env: []string{
			"DUPLEX_ADDR=127.0.0.1:0",
			"DUPLEX_APP=" + harness.App("second") + "," + harness.App("myapp"),
			"DUPLEX_JS_WORKERS=1",
			"DUPLEX_DEV=true",
		}})
		// DUPLEX_APP: both apps, second first.
		m := harness.WebappJSON(t, "GET", s.URL+"/")
		harness.WantField(t, m, "who", "second-webapp")
		r := harness.Get(t, s.URL+"/_/service/myapp/appinfo")
		harness.WantStatus(t, r, 200, "myapp from DUPLEX_APP")

		// DUPLEX_DEV: stack positions on the HTML error page.
		r = harness.Get(t, s.URL+"/_/service/myapp/boom", "Accept", "text/html")
		harness.WantStatus(t, r, 500, "boom")
		if !strings.Contains(r.Body, "boom.js:3") {
			t.Errorf("DUPLEX_DEV=true: error page lacks boom.js:3: %s", harness.Trunc(r.Body))
		}

		// DUPLEX_JS_WORKERS=1: a request waits for the running one.
		harness.AssertSerial(t, s, "env")
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		s := duplex.StartOpts(t, harness.Opts{Env: []string{
			"DUPLEX_APP=" + harness.App("myapp"),
			"DUPLEX_JS_TIMEOUT=500ms",
		}})
		// 2.5 s of work exceeds the 500ms budget set through the environment.
		r := harness.Get(t, s.URL+"/_/service/myapp/slow?ms=2500&tag=envto")
		harness.WantStatus(t, r, 500, "slow controller over DUPLEX_JS_TIMEOUT")
		s.WaitLog(t, harness.IsTimeoutLog("/services/slow/slow.js"), 10*time.Second)
	})
}

// TestAppJSONErrors: missing or invalid app.json => start fails, naming the file.
func TestAppJSONErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		content string // "" = no app.json
	}{
		{"missing", ""},
		{"syntax error", `{"name": "broken", "version": `},
		{"not an object", `[1, 2, 3]`},
	}
	t.Run("no such folder", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "does-not-exist")
		out := duplex.ExpectStartFailure(t, "--app", dir)
		if !strings.Contains(out, dir) {
			t.Errorf("error output does not name %s:\n%s", dir, out)
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "brokenapp")
			harness.WriteFile(t, filepath.Join(dir, "services", "echo", "echo.js"), "exports.get = function () { return { body: 'x' }; };\n")
			if c.content != "" {
				harness.WriteFile(t, filepath.Join(dir, "app.json"), c.content)
			}
			out := duplex.ExpectStartFailure(t, "--app", harness.App("myapp"), "--app", dir)
			if want := filepath.Join(dir, "app.json"); !strings.Contains(out, want) {
				t.Errorf("error output does not name %s:\n%s", want, out)
			}
		})
	}
}

// TestSignals: SIGINT and SIGTERM shut down gracefully with exit code 0; an
// in-flight request completes.
func TestSignals(t *testing.T) {
	t.Parallel()
	t.Run("SIGINT", func(t *testing.T) {
		t.Parallel()
		s := duplex.Start(t, "--app", harness.App("myapp"))
		harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/myapp/echo"), 200, "echo")
		s.Signal(t, syscall.SIGINT)
		if code := s.WaitExit(t, harness.ShutdownDeadline); code != 0 {
			t.Errorf("exit code %d after SIGINT, want 0; stderr:\n%s", code, s.Stderr())
		}
	})
	t.Run("SIGTERM with a request in flight", func(t *testing.T) {
		t.Parallel()
		s := duplex.Start(t, "--app", harness.App("myapp"), "--js-timeout", "20s")
		done := make(chan *harness.Resp, 1)
		go func() {
			r, err := harness.DoErr("GET", s.URL+"/_/service/myapp/slow?ms=1500&tag=inflight", nil)
			if err != nil {
				t.Errorf("in-flight request failed during graceful shutdown: %v", err)
			}
			done <- r
		}()
		s.WaitLog(t, harness.MessageHas("slow-start inflight"), 15*time.Second)
		s.Signal(t, syscall.SIGTERM)
		r := <-done
		if r != nil && (r.Status != 200 || r.Body != "slow-done:inflight") {
			t.Errorf("in-flight request during shutdown: status %d body %q, want 200 slow-done:inflight", r.Status, r.Body)
		}
		if code := s.WaitExit(t, harness.ShutdownDeadline); code != 0 {
			t.Errorf("exit code %d after SIGTERM, want 0; stderr:\n%s", code, s.Stderr())
		}
	})
	t.Run("SIGTERM with a runaway script", func(t *testing.T) {
		t.Parallel()
		// The JS timeout is far away: only shutdown can stop the loop.
		s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "1", "--js-timeout", "120s")
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = harness.DoErr("GET", s.URL+"/_/service/myapp/loop?tag=shutdown", nil)
		}()
		s.WaitLog(t, harness.MessageHas("loop-start shutdown"), 15*time.Second)
		s.Signal(t, syscall.SIGTERM)
		if code := s.WaitExit(t, harness.ShutdownDeadline); code != 0 {
			t.Errorf("exit code %d after SIGTERM with a looping controller, want 0; stderr:\n%s", code, s.Stderr())
		}
		<-done
	})
}

// TestLogsAreJSON: stderr is zerolog JSON, one object per line with level and
// message, with and without --dev.
// TestLogsAreJSON: logs are zerolog JSON lines by default, and the
// human-readable console format with --dev (the developers' guide).
func TestLogsAreJSON(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		args []string
		json bool
	}{
		{"default", []string{"--app", harness.App("myapp")}, true},
		{"dev", []string{"--app", harness.App("myapp"), "--dev"}, false},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			s := duplex.Start(t, mode.args...)
			harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/myapp/logsvc"), 200, "logsvc")
			harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/myapp/boom"), 500, "boom")
			s.WaitLog(t, func(e harness.LogEntry) bool { return strings.Contains(e.Raw, "boom.js") }, 10*time.Second)
			// Milliseconds that are really there: with whole seconds
			// underneath, every line ended in .000.
			millis := map[string]bool{}
			for _, e := range s.Entries() {
				if !mode.json {
					if e.Fields != nil {
						t.Errorf("--dev: stderr line is JSON, want the console format: %q", e.Raw)
					}
					m := regexp.MustCompile(`^\d\d:\d\d:\d\d\.(\d{3}) (DBG|INF|WRN|ERR) `).FindStringSubmatch(harness.StripANSI(e.Raw))
					if m == nil {
						t.Errorf("--dev: line is not \"time LEVEL message\": %q", harness.StripANSI(e.Raw))
						continue
					}
					millis[m[1]] = true
					continue
				}
				if e.Fields == nil {
					t.Errorf("stderr line is not a JSON object: %q", e.Raw)
					continue
				}
				if _, ok := e.Fields["level"].(string); !ok {
					t.Errorf("log line without a string level: %s", e.Raw)
				}
				if _, ok := e.Fields["message"].(string); !ok {
					t.Errorf("log line without a string message: %s", e.Raw)
				}
				tm, _ := e.Fields["time"].(string)
				m := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d{3})(Z|[+-]\d\d:\d\d)$`).FindStringSubmatch(tm)
				if m == nil {
					t.Errorf("log line's time %q is not RFC 3339 with milliseconds: %s", tm, e.Raw)
					continue
				}
				millis[m[1]] = true
			}
			if len(s.Entries()) >= 4 && !(len(millis) > 1 || !millis["000"]) {
				t.Errorf("every line's milliseconds are 000: %q", s.Lines())
			}
		})
	}
}
