package controller

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDevModeReloadsChangedScripts edits a controller between two requests:
// in dev mode the second request runs the new code.
func TestDevModeReloadsChangedScripts(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "services", "s", "s.js")
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(body string, mod time.Time) {
		if err := os.WriteFile(script, []byte(`exports.get = function () { return { body: "`+body+`" }; };`), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(script, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	write("one", time.Unix(1000, 0))
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, dev := range []bool{true, false} {
		e := newEngineWith(t, Options{FS: root.FS(), Workers: 1, Dev: dev})
		get := func() string {
			rec := httptest.NewRecorder()
			e.Serve(rec, httptest.NewRequest(http.MethodGet, "/", nil), Target{Script: "/services/s/s.js"})
			return rec.Body.String()
		}
		write("one", time.Unix(1000, 0))
		if got := get(); got != "one" {
			t.Fatalf("dev=%v: first body %q", dev, got)
		}
		write("two", time.Unix(2000, 0))
		want := "one"
		if dev {
			want = "two"
		}
		if got := get(); got != want {
			t.Fatalf("dev=%v: after the edit the body is %q, want %q", dev, got, want)
		}
	}
}
