package dirigible

// Async Dirigible handlers and service modules: a Promise is awaited, a
// rejection is a throw.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// handlerFailed matches the log line of a handler event that failed with
// an error containing says.
func handlerFailed(handler, says string) func(harness.LogEntry) bool {
	return func(e harness.LogEntry) bool {
		return strings.HasPrefix(e.Message(), "Dirigible handler failed") && e.Fields["handler"] == handler && e.Has(says)
	}
}

// TestDirigibleAsyncHandler: an async onMessage's Promise settles to its
// reply, net/websockets describing the event after an await; a
// rejection, and a Promise that can never settle, are logged and go to
// the (async) onError; the session stays open.
func TestDirigibleAsyncHandler(t *testing.T) {
	s := startDirigible(t)
	c := harness.DialWS(t, s, "/websockets/v4/service/asyncupper", harness.WSOpts{})
	c.SendText("hello")
	c.ExpectText("HELLO onmessage")
	for _, tc := range []struct{ send, says string }{
		{"reject", "Error: asyncupper refuses after an await"},
		{"never", "never settled"},
	} {
		c.SendText(tc.send)
		s.WaitLog(t, handlerFailed("/my-project/handlers/asyncupper", tc.says), harness.Wait)
		s.WaitLog(t, func(e harness.LogEntry) bool {
			return e.Fields["module"] == "/handlers/asyncupper.js" && e.Level() == "error" &&
				strings.HasPrefix(e.Message(), "asyncupper: onError ") && e.Has(tc.says) && strings.HasSuffix(e.Message(), "method onerror")
		}, harness.Wait)
	}
	c.SendText("still here")
	c.ExpectText("STILL HERE onmessage")
}

// TestDirigibleAsyncClientOpen: createWebsocket runs onOpen inside the
// calling script's call, which cannot wait for its Promise; what follows
// its await runs once that script's code has returned, and its rejection
// reaches onError then, before the client's first message. An onOpen
// whose Promise never settles is logged.
func TestDirigibleAsyncClientOpen(t *testing.T) {
	echo := wstest.NewEchoServer(t)
	s := startDirigible(t, "--outbound-allow", "127.0.0.1/32", "--js-workers", "1")
	status, body := clientService(t, s, url.Values{"action": {"create"}, "uri": {echo.URL}, "handler": {"my-project/async-client-handler"}, "say": {"hi"}})
	if status != http.StatusOK {
		t.Fatalf("create: %d %v", status, body)
	}
	s.WaitLog(t, handlerFailed("my-project/async-client-handler", "Error: async onOpen fails after an await"), harness.Wait)
	s.WaitLog(t, moduleLog("/async-client-handler.js", "async-client-handler message:hi"), harness.Wait)
	expectEvents(t, s, []any{"open", "error:Error: async onOpen fails after an await", "message:hi"})

	status, body = clientService(t, s, url.Values{"action": {"create"}, "uri": {echo.URL}, "handler": {"my-project/async-never-handler"}})
	if status != http.StatusOK {
		t.Fatalf("create with an onOpen that never settles: %d %v", status, body)
	}
	e := s.WaitLog(t, handlerFailed("my-project/async-never-handler", "never settled"), harness.Wait)
	if !strings.Contains(e.Message(), "had not settled when the call that ran it ended") || e.Fields["event"] != "onopen" {
		t.Errorf("never-settling onOpen: %s", e.Raw)
	}
}

// TestDirigibleV2AsyncModule: a service module that exports a Promise is
// awaited, and its rejection answers an error, as a throw does.
func TestDirigibleV2AsyncModule(t *testing.T) {
	s := startDirigible(t, "--dirigible-v2")
	c := harness.DialWS(t, s, "/service/js", harness.WSOpts{})
	c.SendText(v2Request("/my-project/v2/async.js", nil))
	c.ExpectText("async module ran")
	c.ExpectText("Error in [/my-project/v2/async.js]: Error: async module fails after an await")
	c.SendText(v2Request("/my-project/v2/echo.js", map[string]any{"n": "after"}))
	if got := c.ReadJSON(); got["n"] != "after" {
		t.Errorf("after the async module: %v", got)
	}
}
