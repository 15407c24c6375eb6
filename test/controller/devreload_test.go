package controller

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"duplex/test/harness"
)

// TestDevReload: with --dev an edited controller answers with its new code
// on the next request, as XP's dev mode does; without it, the module loaded
// first stays.
func TestDevReload(t *testing.T) {
	t.Parallel()
	for _, dev := range []bool{true, false} {
		dir := t.TempDir()
		script := filepath.Join(dir, "services", "v", "v.js")
		if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "app.json"), []byte(`{"name": "reload"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		write := func(version string, mod time.Time) {
			t.Helper()
			src := `exports.get = function () { return { contentType: "text/plain", body: "` + version + `" }; };`
			if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			// An explicit modification time: the edit must show even within
			// the file system's timestamp granularity.
			if err := os.Chtimes(script, mod, mod); err != nil {
				t.Fatal(err)
			}
		}
		write("one", time.Unix(1_000_000, 0))
		args := []string{"--app", dir, "--js-workers", "2"}
		if dev {
			args = append(args, "--dev")
		}
		s := duplex.Start(t, args...)
		url := s.URL + "/_/service/reload/v"
		// Both runtimes load the module.
		for i := 0; i < 4; i++ {
			if r := harness.Get(t, url); r.Body != "one" {
				t.Fatalf("dev=%v: first body %q, want one", dev, r.Body)
			}
		}
		write("two", time.Unix(2_000_000, 0))
		want := "one"
		if dev {
			want = "two"
		}
		for i := 0; i < 4; i++ {
			if r := harness.Get(t, url); r.Body != want {
				t.Fatalf("dev=%v: after the edit, request %d answered %q, want %q", dev, i, r.Body, want)
			}
		}
	}
}

// TestDevReloadAppJSON: with --dev an edit of app.json shows in `app` on
// the next call, as a script's edit does; a broken edit keeps the old
// configuration and says so.
func TestDevReloadAppJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	harness.WriteFile(t, filepath.Join(dir, "services", "cfg", "cfg.js"),
		`exports.get = function () { return { contentType: "text/plain", body: app.name + " " + app.version + " " + app.config.greeting }; };`)
	descriptor := filepath.Join(dir, "app.json")
	write := func(content string, mod time.Time) {
		t.Helper()
		harness.WriteFile(t, descriptor, content)
		if err := os.Chtimes(descriptor, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"name": "cfgapp", "version": "1", "config": {"greeting": "hello"}}`, time.Unix(1_000_000, 0))
	s := duplex.Start(t, "--app", dir, "--dev", "--js-workers", "2")
	url := s.URL + "/_/service/cfgapp/cfg"
	for i := 0; i < 2; i++ {
		if r := harness.Get(t, url); r.Body != "cfgapp 1 hello" {
			t.Fatalf("before the edit: %q", r.Body)
		}
	}
	write(`{"name": "cfgapp", "version": "2", "config": {"greeting": "bonjour"}}`, time.Unix(2_000_000, 0))
	for i := 0; i < 4; i++ { // both runtimes
		if r := harness.Get(t, url); r.Body != "cfgapp 2 bonjour" {
			t.Fatalf("after the edit, request %d: %q", i, r.Body)
		}
	}
	write(`{"name": "cfgapp", "config": {`, time.Unix(3_000_000, 0))
	if r := harness.Get(t, url); r.Body != "cfgapp 2 bonjour" {
		t.Fatalf("after a broken edit: %q", r.Body)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("descriptor could not be read again") }, harness.Wait)
}
