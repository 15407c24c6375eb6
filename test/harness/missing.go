package harness

import (
	"os"
	"path/filepath"
	"testing"
)

// Missing stops a test that needs a tool this machine lacks (Chromium,
// TypeScript): a skip on a developer's machine, a failure under CI=true,
// where .ci/run installed it and its absence is a broken CI, not a choice.
// msg says what is missing and how to install it; checked, what CI would
// not get checked without it.
func Missing(t testing.TB, msg, checked string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, so " + checked)
	}
	t.Skip(msg)
}

// Tsc is the TypeScript compiler that test/types pins (`npm ci --prefix
// test/types` installs it), or Missing; checked says what CI checks with
// it.
func Tsc(t testing.TB, checked string) string {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "test", "types", "node_modules", ".bin", "tsc")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	Missing(t, "TypeScript not installed: no test/types/node_modules/.bin/tsc (npm ci --prefix test/types, from the repository's root)", checked)
	return ""
}
