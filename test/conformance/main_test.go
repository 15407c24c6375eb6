package conformance

import (
	"os"
	"testing"

	"duplex/test/harness"
)

// duplex is the server binary every test of this package runs.
var duplex = new(harness.Binary)

func TestMain(m *testing.M) { os.Exit(duplex.Main(m)) }
