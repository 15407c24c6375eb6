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
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Binary is the duplex binary the tests of one package run.
type Binary struct {
	path  string
	noted sync.Once
}

// Main builds the binary (with -race when the tests are) and runs the
// tests; its result is the exit code for os.Exit.
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
	path, err := build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b.path = path
	return m.Run()
}

// build builds the server into a folder of the user's cache that belongs to
// this module root and race mode, under a file lock. The test packages of
// one go test run share that build: go build leaves an up-to-date binary
// alone (its build ID says so), so only the first package pays for the
// link, and a package never runs a binary older than the source.
func build() (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	mode := "norace"
	if RaceEnabled {
		mode = "race"
	}
	dir := filepath.Join(cache, "duplex-e2e", fmt.Sprintf("%x", sha256.Sum256([]byte(root)))[:16]+"-"+mode)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close() // which releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	path := filepath.Join(dir, "duplex")
	args := []string{"-o", path}
	if RaceEnabled {
		args = append(args, "-race")
	}
	return path, GoBuild(append(args, "./cmd/duplex")...)
}

// note stats every file of the module but its tests and documentation, the
// first time the binary runs. go test caches a package's result together
// with the files its tests stat or open (from m.Run on, hence not in Main),
// and reuses it while they are unchanged; the tests import nothing of the
// server, so without this an edit to the server or to a test app would
// replay the last result instead of testing the edit.
func (b *Binary) note() {
	b.noted.Do(func() {
		root, err := Root()
		if err != nil {
			return
		}
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return nil
			case d.Name() == ".git" || d.Name() == "node_modules":
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			case d.IsDir(), strings.HasSuffix(path, "_test.go"), strings.HasSuffix(path, ".md"):
				return nil
			}
			_, _ = os.Stat(path)
			return nil
		})
	})
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
