package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// TestVersionLine: what Go stamps into a binary, as `duplex version`
// prints it. The end-to-end test (test/cli) sees one build; this one sees
// every case.
func TestVersionLine(t *testing.T) {
	goes := " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	rev := "f59a2827e9e72bf84879cd40826f2f81c49f9f68"
	for _, c := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build info", nil, false, "duplex (devel)"},
		{"go build -buildvcs=false", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "duplex (devel)"},
		{"a clean checkout", &debug.BuildInfo{
			Main:     debug.Module{Version: "v0.0.0-20261130100733-f59a2827e9e7"},
			Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}},
		}, true, "duplex v0.0.0-20261130100733-f59a2827e9e7 (" + rev + ")"},
		{"a modified checkout", &debug.BuildInfo{
			Main:     debug.Module{Version: "v0.0.0-20261130100733-f59a2827e9e7+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}, {Key: "vcs.revision", Value: rev}},
		}, true, "duplex v0.0.0-20261130100733-f59a2827e9e7+dirty (" + rev + ", modified)"},
		{"a tagged module", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, true, "duplex v1.2.3"},
	} {
		if got := versionLine(c.info, c.ok); got != c.want+goes {
			t.Errorf("%s: %q, want %q", c.name, got, c.want+goes)
		}
	}
}
