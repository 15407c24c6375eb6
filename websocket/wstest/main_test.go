package wstest

import (
	"testing"

	"go.uber.org/goleak"
)

// A test peer that leaks goroutines would hide leaks in the tests using it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
