package controller

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
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

// editOnRead is a file system in which the edit of s.js lands while the
// engine reads it: after the engine's stat, before its read.
type editOnRead struct {
	fstest.MapFS
	edited bool
}

func (f *editOnRead) ReadFile(name string) ([]byte, error) {
	data, err := f.MapFS.ReadFile(name)
	if name == "services/s/s.js" && !f.edited {
		f.edited = true
		f.MapFS[name] = &fstest.MapFile{Data: []byte(`exports.get = function () { return { body: "two!" }; };`), ModTime: time.Unix(2000, 0)}
	}
	return data, err
}

// An edit that lands while a script compiles is noticed at the next call:
// the stamp kept is the file's before the read, not the edited one (with
// that one, the old program stayed until the next edit).
func TestDevModeEditDuringCompile(t *testing.T) {
	fsys := &editOnRead{MapFS: fstest.MapFS{"services/s/s.js": {Data: []byte(`exports.get = function () { return { body: "one" }; };`), ModTime: time.Unix(1000, 0)}}}
	e := newEngineWith(t, Options{FS: fsys, Workers: 1, Dev: true})
	get := func() string {
		rec := httptest.NewRecorder()
		e.Serve(rec, httptest.NewRequest(http.MethodGet, "/", nil), Target{Script: "/services/s/s.js"})
		return rec.Body.String()
	}
	if got := get(); got != "one" {
		t.Fatalf("first body %q", got)
	}
	if got := get(); got != "two!" {
		t.Fatalf("after an edit during the compile, the body is %q, want the edited one", got)
	}
}
