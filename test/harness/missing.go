package harness

import (
	"os"
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
