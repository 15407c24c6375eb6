package websockets

import (
	"testing"

	"go.uber.org/goleak"
)

// Clients own goroutines (a reader each, and one that frees its slot):
// none may outlive the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
