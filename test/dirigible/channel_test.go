package dirigible

// Eclipse Dirigible 2's service channel, ws://host/service/js (--dirigible-v2):
// each text frame names a module and its params.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// v2Request is a channel frame.
func v2Request(module string, params map[string]any) string {
	b, _ := json.Marshal(map[string]any{"module": module, "params": params})
	return string(b)
}

const chatModule = "/my-project/chat/chat_service.js"

// TestDirigibleV2Chat is seed 000's Tom and Jerry chat, verbatim: the
// sessions kept in core/globals by one connection's script send to their
// own connections when another's script reads them back, and the members
// array pushed after it was stored (and after it was read back) is what a
// later list sees.
func TestDirigibleV2Chat(t *testing.T) {
	s := startDirigible(t, "--dirigible-v2", "--js-workers", "2")
	tom := harness.DialWS(t, s, "/service/js", harness.WSOpts{})
	jerry := harness.DialWS(t, s, "/service/js", harness.WSOpts{})
	tom.SendText(`{"module": "/my-project/chat/chat_service.js","params": {"type":"welcome", "from":"Tom"}}`)
	tom.ExpectText("Welcome Tom!")
	jerry.SendText(`{"module": "/my-project/chat/chat_service.js","params": {"type":"welcome", "from":"Jerry"}}`)
	jerry.ExpectText("Welcome Jerry!")
	tom.SendText(`{"module": "/my-project/chat/chat_service.js","params": {"type":"message", "from":"Tom", "to":"Jerry", "message": "Hello Jerry!"}}`)
	jerry.ExpectText("Hello Jerry!")
	jerry.SendText(`{"module": "/my-project/chat/chat_service.js","params": {"type":"message", "from":"Jerry", "to":"Tom", "message": "Hi Tom!"}}`)
	tom.ExpectText("Hi Tom!")
	tom.SendText(`{"module": "/my-project/chat/chat_service.js","params": {"type":"list", "from":"Tom"}}`)
	tom.ExpectText(`["Tom","Jerry"]`)
	s.WaitLog(t, moduleLog("/chat/chat_service.js", "send to Jerry"), harness.Wait)
	tom.SendText(v2Request(chatModule, map[string]any{"type": "message", "from": "Tom", "to": "Spike", "message": "?"}))
	s.WaitLog(t, moduleLog("/chat/chat_service.js", "no session for Spike"), harness.Wait)
}

// TestDirigibleV2Session: params are strings (numbers and booleans as
// their text, as Dirigible's Map<String,String>), an unknown key is null,
// getId returns the id (Dirigible's did not), getOpenSessions counts the
// channel, and close() sends what was queued, then closes with 1000.
func TestDirigibleV2Session(t *testing.T) {
	s := startDirigible(t, "--dirigible-v2", "--metrics-addr", "127.0.0.1:0")
	metrics := harness.MetricsURL(t, s)
	other := harness.DialWS(t, s, "/service/js", harness.WSOpts{})
	c := harness.DialWS(t, s, "/service/js", harness.WSOpts{})
	harness.WaitMetric(t, metrics, "duplex_ws_channel_sessions", func(v int64) bool { return v == 2 }, "two channel sessions")
	c.SendText(`{"module": "/my-project/v2/echo.js", "params": {"n": 7, "from": "me", "flag": true}}`)
	got := c.ReadJSON()
	if got["n"] != "7" || got["from"] != "me" || got["flag"] != "true" || got["missing"] != nil || got["open"] != 2.0 {
		t.Errorf("echo: %v", got)
	}
	if id, _ := got["id"].(string); id == "" {
		t.Errorf("getId() returned %v", got["id"])
	}
	c.SendText(v2Request("/my-project/v2/bye.js", nil))
	c.ExpectText("one")
	c.ExpectText("two")
	c.ExpectClose(ws.StatusNormalClosure, harness.Wait, false)
	// The server lets the session go once the close handshake is over,
	// after the client saw its close frame: wait for that.
	harness.WaitMetric(t, metrics, "duplex_ws_channel_sessions", func(v int64) bool { return v == 1 }, "one channel session left")
	other.SendText(v2Request("/my-project/v2/echo.js", map[string]any{"n": "x"}))
	if got := other.ReadJSON(); got["open"] != 1.0 {
		t.Errorf("after one closed: %v", got)
	}
}

// TestDirigibleV2Errors: a frame that is no request, a missing module, a
// path outside the apps, a syntax error, a throw and an endless loop each
// get a text answer and one log line; the session stays open, and another
// session is served all along.
func TestDirigibleV2Errors(t *testing.T) {
	s := startDirigible(t, "--dirigible-v2", "--js-timeout", "1s", "--js-workers", "2")
	bystander := harness.DialWS(t, s, "/service/js", harness.WSOpts{})
	c := harness.DialWS(t, s, "/service/js", harness.WSOpts{})
	cases := []struct {
		frame, answer string
	}{
		{"not json", "Wrong format of the request"},
		{`{"params": {}}`, "Wrong format of the request"},
		{`{"module": "/my-project/v2/echo.js", "params": {"deep": {"a": 1}}}`, "Wrong format of the request"},
		{`{"module": 42}`, "Wrong format of the request"},
		{v2Request("/my-project/v2/nope.js", nil), "Module [/my-project/v2/nope.js] not found"},
		{v2Request("/my-project/../../etc/passwd", nil), "Module [/my-project/../../etc/passwd] not found"},
		{v2Request("/no-such-app/x.js", nil), "Module [/no-such-app/x.js] not found"},
		{v2Request("/my-project/v2/broken.js", nil), "Error in [/my-project/v2/broken.js]: "},
		{v2Request("/my-project/v2/throws.js", nil), "Error in [/my-project/v2/throws.js]: Error: v2 module failed on purpose"},
		{v2Request("/my-project/v2/loop.js", nil), "Error in [/my-project/v2/loop.js]: controller timed out"},
	}
	for i, tc := range cases {
		c.SendText(tc.frame)
		if got := c.ReadText(); !strings.HasPrefix(got, tc.answer) {
			t.Errorf("%q: answered %q, want %q…", tc.frame, got, tc.answer)
		}
		bystander.SendText(v2Request("/my-project/v2/echo.js", map[string]any{"n": fmt.Sprint(i)}))
		if got := bystander.ReadJSON(); got["n"] != fmt.Sprint(i) {
			t.Errorf("bystander after %q: %v", tc.frame, got)
		}
	}
	c.SendBinary([]byte("{}"))
	c.ExpectText("Wrong format of the request")
	c.SendText(v2Request("/my-project/v2/echo.js", map[string]any{"n": "alive"}))
	if got := c.ReadJSON(); got["n"] != "alive" {
		t.Errorf("after the errors: %v", got)
	}
	if n := s.CountLogs(func(e harness.LogEntry) bool { return e.Message() == "service channel module failed" }); n != 3 {
		t.Errorf("%d 'module failed' lines, want 3 (syntax error, throw, loop)", n)
	}
}

// TestDirigibleV2Off: without --dirigible-v2 there is no channel.
func TestDirigibleV2Off(t *testing.T) {
	s := startDirigible(t)
	resp, _ := harness.RawHandshake(t, s, "GET", "/service/js", "HTTP/1.1", harness.UpgradeHeader(s, wstest.NewKey()))
	if resp.Status == http.StatusSwitchingProtocols {
		t.Fatal("the service channel upgraded without --dirigible-v2")
	}
}

// TestDirigibleV2TwentyClients: twenty channel sessions at once, each
// getting exactly its own answers, in order.
func TestDirigibleV2TwentyClients(t *testing.T) {
	s := startDirigible(t, "--dirigible-v2")
	concurrentClients(t, s, "/service/js", 20, 30,
		func(i, j int) string {
			return v2Request("/my-project/v2/echo.js", map[string]any{"n": fmt.Sprint(j), "from": fmt.Sprint(i)})
		},
		func(i, j int, data []byte) error {
			var got map[string]any
			if err := json.Unmarshal(data, &got); err != nil || got["n"] != fmt.Sprint(j) || got["from"] != fmt.Sprint(i) {
				return fmt.Errorf("got %s", data)
			}
			return nil
		})
}
