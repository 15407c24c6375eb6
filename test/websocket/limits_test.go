package websocket

import (
	"testing"
	"time"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// TestWebSocketMaxConnections: past --max-connections an upgrade is answered
// 503 before the handshake (at accept, since HTTP connections count in the
// same budget), and a slot comes back when a session ends.
func TestWebSocketMaxConnections(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--max-connections", "2")
	upgrade := func() int {
		t.Helper()
		resp, conn := harness.RawHandshake(t, s, "GET", "/_/service/wsecho/echo", "HTTP/1.1", harness.UpgradeHeader(s, wstest.NewKey()))
		if conn != nil {
			conn.Close()
		}
		return resp.Status
	}
	a, _ := harness.OpenEcho(t, s, "", harness.WSOpts{})
	harness.OpenEcho(t, s, "", harness.WSOpts{})
	if got := upgrade(); got != 503 {
		t.Fatalf("third session with --max-connections 2: status %d, want 503", got)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("too many connections", "--max-connections") }, harness.Wait)

	a.CloseWith(1000, "")
	// The slot is released once the closed session is gone; until then the
	// answer stays 503.
	deadline := time.Now().Add(harness.Wait)
	for {
		status := upgrade()
		if status == 101 {
			break
		}
		if status != 503 || time.Now().After(deadline) {
			t.Fatalf("after a session closed, an upgrade answered %d; want 101 once its slot is free", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
