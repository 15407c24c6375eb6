package controller

import (
	"errors"
	"strings"
	"testing"
)

func TestJoinModulePath(t *testing.T) {
	cases := []struct {
		dir, spec, want string
		err             error
	}{
		{"/services/a", "/lib/x", "/lib/x", nil},
		{"/services/a", "./b", "/services/a/b", nil},
		{"/services/a", "../../lib/x", "/lib/x", nil},
		{"/services/a", "name", "/services/a/name", nil},
		{"/services/a", "./x/../y.json", "/services/a/y.json", nil},
		{"/services/a", "../../../etc/passwd", "", ErrOutsideApp},
		{"/", "/../etc/passwd", "", ErrOutsideApp},
		{"/lib", "..", "", nil},
	}
	for _, c := range cases {
		got, err := joinModulePath(c.dir, c.spec)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("joinModulePath(%q, %q) = %q, %v; want error %v", c.dir, c.spec, got, err, c.err)
			}
			continue
		}
		if c.want == "" {
			if err == nil {
				t.Errorf("joinModulePath(%q, %q) = %q; want an error", c.dir, c.spec, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("joinModulePath(%q, %q) = %q, %v; want %q", c.dir, c.spec, got, err, c.want)
		}
	}
}

func TestModuleCandidatesOrder(t *testing.T) {
	got := strings.Join(moduleCandidates("/lib/x"), " ")
	// XP's order first, then TypeScript and ES module files.
	want := "/lib/x.js /lib/x/index.js /lib/x.json /lib/x/index.json /lib/x.ts /lib/x/index.ts /lib/x.mjs /lib/x/index.mjs /lib/x.mts /lib/x/index.mts /lib/x.cjs /lib/x/index.cjs /lib/x.cts /lib/x/index.cts"
	if got != want {
		t.Fatalf("candidates = %s; want %s", got, want)
	}
	// TypeScript names its modules by their output: x.js may be x.ts.
	if got := strings.Join(moduleCandidates("/lib/x.js"), " "); got != "/lib/x.js /lib/x.ts" {
		t.Fatalf("candidates of x.js = %s", got)
	}
	if got := moduleCandidates("/lib/x.txt"); len(got) != 1 || got[0] != "/lib/x.txt" {
		t.Fatalf("a path with an extension is used as-is, got %v", got)
	}
}

// FuzzJoinModulePath checks that whatever a script passes to require, the
// resolved path is absolute, clean and never climbs out of the app.
func FuzzJoinModulePath(f *testing.F) {
	for _, s := range []string{"/lib/x", "../x", "./a/../../b", "a//b/./c", "..", "/..", "x\x00y", "....//"} {
		f.Add("/services/a", s)
	}
	f.Fuzz(func(t *testing.T, dir, spec string) {
		if !strings.HasPrefix(dir, "/") {
			return
		}
		got, err := joinModulePath(dir, spec)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "/") || strings.Contains(got, "//") {
			t.Fatalf("joinModulePath(%q, %q) = %q: not absolute and clean", dir, spec, got)
		}
		for _, seg := range strings.Split(got[1:], "/") {
			if seg == ".." || seg == "." || seg == "" {
				t.Fatalf("joinModulePath(%q, %q) = %q: keeps segment %q", dir, spec, got, seg)
			}
		}
	})
}
