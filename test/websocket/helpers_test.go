package websocket

// Helpers of the WebSocket tests that speak to testdata/apps/wsecho.

import (
	"encoding/json"
	"regexp"
	"testing"

	"duplex/test/harness"
)

// waitWsev waits for the echo service's log of an event of type typ for session id.
func waitWsev(t testing.TB, s *harness.Server, id, typ string) map[string]any {
	t.Helper()
	return harness.WaitJSONLog(t, s, "wsev", func(m map[string]any) bool {
		return m["id"] == id && m["type"] == typ
	}, harness.Wait)
}

// wsCounterID matches ids that look like a small decimal counter ("1", "2", ...).
var wsCounterID = regexp.MustCompile(`^[0-9]{1,9}$`)

// wsSessionID returns description["session"]["id"] as a string.
func wsSessionID(t testing.TB, d map[string]any) string {
	t.Helper()
	sess, _ := d["session"].(map[string]any)
	id, ok := sess["id"].(string)
	if !ok || id == "" {
		t.Fatalf("event session has no string id: %v", d)
	}
	return id
}

// wsJSON is v as JSON, for failure messages.
func wsJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
