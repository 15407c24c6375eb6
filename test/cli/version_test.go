package cli

import (
	"cmp"
	"debug/buildinfo"
	"runtime"
	"strings"
	"testing"
)

// TestVersion: `duplex version` and `duplex --version` print one line on
// stdout with what Go stamped into the binary (as debug/buildinfo reads it
// from the file): its module version, or "(devel)"; the commit, and
// whether the checkout was modified, when Go recorded them; the Go
// release and platform it was built with.
func TestVersion(t *testing.T) {
	t.Parallel()
	info, err := buildinfo.ReadFile(duplex.Path())
	if err != nil {
		t.Fatal(err)
	}
	if info.GoVersion != runtime.Version() {
		t.Errorf("the binary was built with %s, the tests with %s", info.GoVersion, runtime.Version())
	}
	prefix := "duplex " + cmp.Or(info.Main.Version, "(devel)") + " "
	suffix := " " + info.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	var commit, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = "(" + s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	for _, arg := range []string{"version", "--version"} {
		code, stdout, stderr := duplex.RunSplit(t, nil, arg)
		if code != 0 || stderr != "" || strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(stdout, prefix) || !strings.HasSuffix(stdout, suffix) {
			t.Errorf("duplex %s: exit %d, stdout %q, stderr %q; want exit 0 and one line %q...%q", arg, code, stdout, stderr, prefix, suffix)
		}
		if !strings.Contains(stdout, commit) || strings.Contains(stdout, ", modified)") != (modified == "true") {
			t.Errorf("duplex %s: %q; the binary records the commit %q, modified %q", arg, stdout, strings.TrimPrefix(commit, "("), modified)
		}
	}
	if code, _, stderr := duplex.RunSplit(t, nil, "version", "extra"); code != 2 || stderr != "duplex version: takes no arguments\n" {
		t.Errorf("duplex version extra: exit %d, stderr %q", code, stderr)
	}
}
