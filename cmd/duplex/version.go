package main

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// versionLine is what `duplex version` prints: the module's version as Go
// stamped it into the binary ("(devel)" when it could not, or a
// pseudo-version for a build in a git checkout), the commit and whether the
// checkout had changes when Go recorded them, then the Go release and
// platform the binary was built with, as `go version` prints them.
func versionLine(info *debug.BuildInfo, ok bool) string {
	v := "(devel)"
	var commit []string
	if ok {
		if info.Main.Version != "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision":
				commit = append([]string{s.Value}, commit...)
			case s.Key == "vcs.modified" && s.Value == "true":
				commit = append(commit, "modified")
			}
		}
	}
	if len(commit) > 0 {
		v += " (" + strings.Join(commit, ", ") + ")"
	}
	return "duplex " + v + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}
