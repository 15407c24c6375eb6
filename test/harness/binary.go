// Package harness runs the real duplex binary for the end-to-end tests under
// test/: it builds the binary once per test package, starts servers on
// loopback ports, collects their JSON log lines so that tests wait on
// events instead of sleeping, and speaks HTTP and WebSocket to them.
//
// A test package holds one Binary and builds it in TestMain:
//
//	var duplex = new(harness.Binary)
//
//	func TestMain(m *testing.M) { os.Exit(duplex.Main(m)) }
package harness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Binary is the duplex binary the tests of one package run.
type Binary struct {
	path string
}

// Main builds the binary (with -race when the tests are), runs the tests and
// removes the binary again; its result is the exit code for os.Exit.
// DUPLEX_E2E_BIN runs the tests against a prebuilt binary instead.
func (b *Binary) Main(m *testing.M) int {
	if bin := os.Getenv("DUPLEX_E2E_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "DUPLEX_E2E_BIN:", err)
			return 1
		}
		b.path = abs
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "duplex-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "tempdir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	b.path = filepath.Join(dir, "duplex")
	args := []string{"-o", b.path}
	if RaceEnabled {
		args = append(args, "-race")
	}
	if err := GoBuild(append(args, "./cmd/duplex")...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// Path is the binary's absolute path.
func (b *Binary) Path() string { return b.path }

// GoBuild runs go build args... at the module root.
func GoBuild(args ...string) error {
	root, err := Root()
	if err != nil {
		return err
	}
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %v: %v\n%s", args, err, out)
	}
	return nil
}

// Root is the module root, found from this file's place in the source tree
// rather than from the working directory, which differs per test package.
func Root() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("harness: no caller information to find the module root")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("harness: no go.mod at %s, where this file says the module root is (built with -trimpath?): %w", root, err)
	}
	return root, nil
}

// Testdata is the absolute path of test/testdata, which every test
// package shares.
func Testdata() string {
	root, err := Root()
	if err != nil {
		panic(err)
	}
	return filepath.Join(root, "test", "testdata")
}

// App is the absolute path of the test application testdata/apps/name.
func App(name string) string { return filepath.Join(Testdata(), "apps", name) }
