package cli

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"duplex/test/harness"
)

// TestOtherPlatformsRefused: a build for another system than Linux stops
// at once, with the one error that says why, because the WebSocket engine
// imports the package that refuses it.
func TestOtherPlatformsRefused(t *testing.T) {
	t.Parallel()
	root, err := harness.Root()
	if err != nil {
		t.Fatal(err)
	}
	// Every package that uses epoll: the hub, and the epoll set the HTTP
	// fast path uses too.
	for _, pkg := range []string{"./websocket", "./websocket/epoll"} {
		deps, err := exec.Command("go", "list", "-C", root, "-deps", pkg).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(deps), "duplex/websocket/internal/linuxonly") {
			t.Fatalf("package %s does not import websocket/internal/linuxonly", pkg)
		}
	}
	cmd := exec.Command("go", "build", "-C", root, "-o", os.DevNull, "./websocket/internal/linuxonly")
	cmd.Env = append(os.Environ(), "GOOS=darwin", "GOARCH=arm64")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "duplex_runs_on_Linux_only_its_WebSocket_engine_is_epoll") {
		t.Fatalf("GOOS=darwin build: %v\n%s\nwant the refusal naming Linux", err, out)
	}
}
