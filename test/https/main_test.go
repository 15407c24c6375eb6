// Package https tests duplex serving HTTPS and wss:// itself (--tls-cert,
// --tls-key, SIGHUP) and behind a TLS-terminating proxy (--trust-proxy),
// against the real server on loopback.
package https

import (
	"os"
	"testing"

	"duplex/test/harness"
)

// duplex is the server binary every test of this package runs.
var duplex = new(harness.Binary)

func TestMain(m *testing.M) { os.Exit(duplex.Main(m)) }
