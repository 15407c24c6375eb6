package dirigible

// Eclipse Dirigible's *.websocket endpoints: descriptors, handler modules,
// net/websockets' view of the event, replies, errors, and the descriptors
// that are wrong.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// startDirigible serves the Dirigible test project (app my-project).
func startDirigible(t *testing.T, args ...string) *harness.Server {
	t.Helper()
	return duplex.Start(t, append([]string{"--app", harness.App("dirigible"), "--log-level", "debug"}, args...)...)
}

// moduleLog matches a console line of module with the text msg.
func moduleLog(module, msg string) func(harness.LogEntry) bool {
	return func(e harness.LogEntry) bool {
		return e.Fields["module"] == module && e.Message() == msg
	}
}

// TestDirigibleSeedEndpoint is seeds 001-003's server example as written: a
// browser connects to ws://host/websockets/v4/service/my-endpoint and sends
// 'hello'; the handler's four functions run in order, logging through
// console with their module's tag.
func TestDirigibleSeedEndpoint(t *testing.T) {
	s := startDirigible(t)
	c := harness.DialWS(t, s, "/websockets/v4/service/my-endpoint", harness.WSOpts{})
	s.WaitLog(t, moduleLog("/ws-handler.js", "Connection openned."), harness.Wait)
	c.SendText("hello")
	e := s.WaitLog(t, moduleLog("/ws-handler.js", "Message received: hello"), harness.Wait)
	if e.Level() != "info" || e.Fields["app"] != "my-project" {
		t.Errorf("console.log line: %s", e.Raw)
	}
	c.CloseWith(ws.StatusNormalClosure, "")
	e = s.WaitLog(t, moduleLog("/ws-handler.js", "Connection closed."), harness.Wait)
	if e.Level() != "warn" {
		t.Errorf("console.warn logged at %q: %s", e.Level(), e.Raw)
	}
	// Dirigible's transitional path serves the same endpoint.
	c2 := harness.DialWS(t, s, "/websockets/service/my-endpoint", harness.WSOpts{})
	c2.SendText("again")
	s.WaitLog(t, moduleLog("/ws-handler.js", "Message received: again"), harness.Wait)
}

// TestDirigibleHandlerReplies: what onMessage returns goes back to its
// session, strings as they are and objects as JSON, and net/websockets
// describes the event being handled.
func TestDirigibleHandlerReplies(t *testing.T) {
	s := startDirigible(t)
	c := harness.DialWS(t, s, "/websockets/v4/service/upper", harness.WSOpts{})
	s.WaitLog(t, moduleLog("/handlers/upper.js", "upper: open, method onopen"), harness.Wait)
	c.SendText("hello")
	c.ExpectText("HELLO")
	c.SendText("object")
	got := c.ReadJSON()
	if got["upper"] != "OBJECT" || got["method"] != "onmessage" || got["onMessage"] != true {
		t.Errorf("object reply: %v", got)
	}
	c.CloseWith(ws.StatusNormalClosure, "")
	s.WaitLog(t, moduleLog("/handlers/upper.js", "upper: closed true"), harness.Wait)
}

// TestDirigibleTopLevelHandler: a handler module is evaluated for every
// event, as in Dirigible, so code at its top level sees each event; sdk/net's
// websockets is the very module net/websockets is; a handler without
// onOpen has its open event skipped, not failed.
func TestDirigibleTopLevelHandler(t *testing.T) {
	s := startDirigible(t)
	c := harness.DialWS(t, s, "/websockets/v4/service/templ", harness.WSOpts{})
	s.WaitLog(t, moduleLog("/templ-service-handler.js", "templ: top level saw onopen"), harness.Wait)
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Level() == "debug" && e.Has("no such export", "onOpen")
	}, harness.Wait)
	for i := range 3 {
		c.SendText(fmt.Sprint("m", i))
		got := c.ReadJSON()
		if got["method"] != "onmessage" || got["message"] != fmt.Sprint("m", i) || got["seen"] != 1.0 || got["same"] != true {
			t.Errorf("message %d: %v", i, got)
		}
	}
}

// TestDirigibleHandlerThrows: a handler that throws is logged and its
// session gets onError(message) and stays open, as in Dirigible.
func TestDirigibleHandlerThrows(t *testing.T) {
	s := startDirigible(t)
	c := harness.DialWS(t, s, "/websockets/v4/service/upper", harness.WSOpts{})
	c.SendText("throw")
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Message() == "Dirigible handler failed" && e.Has("upper refuses to shout throw")
	}, harness.Wait)
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Fields["module"] == "/handlers/upper.js" && e.Level() == "error" &&
			e.Has("upper: onError Error: upper refuses to shout throw method onerror Error: upper refuses")
	}, harness.Wait)
	c.SendText("still here")
	c.ExpectText("STILL HERE")
}

// TestDirigibleBinaryRefused: Dirigible's handlers take text; a binary
// message closes the session with 1003 (RFC 6455: data it cannot accept)
// and the handler's onClose still runs.
func TestDirigibleBinaryRefused(t *testing.T) {
	s := startDirigible(t)
	c := harness.DialWS(t, s, "/websockets/v4/service/upper", harness.WSOpts{})
	c.SendBinary([]byte{1, 2, 3})
	c.ExpectClose(ws.StatusUnsupportedData, harness.Wait, false)
	s.WaitLog(t, moduleLog("/handlers/upper.js", "upper: closed true"), harness.Wait)
}

// TestDirigibleEndpointRefusals: unknown endpoints are 404 without an
// upgrade, a plain GET of a known one is 426, a foreign origin 403 (with
// the setting named in the log), and an endpoint whose handler is missing
// is a 500 naming nothing of the server's files to the client.
func TestDirigibleEndpointRefusals(t *testing.T) {
	s := startDirigible(t)
	resp, _ := harness.RawHandshake(t, s, "GET", "/websockets/v4/service/nope", "HTTP/1.1", harness.UpgradeHeader(s, wstest.NewKey()))
	harness.WantStatus(t, resp, http.StatusNotFound, "unknown endpoint")
	harness.WantStatus(t, harness.Get(t, s.URL+"/websockets/v4/service/upper"), http.StatusUpgradeRequired, "plain GET")
	hdr := wstest.WithHeader(harness.UpgradeHeader(s, wstest.NewKey()), "Origin", "http://evil.example")
	resp, _ = harness.RawHandshake(t, s, "GET", "/websockets/v4/service/upper", "HTTP/1.1", hdr)
	harness.WantStatus(t, resp, http.StatusForbidden, "foreign origin")
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("cross-origin", "--allowed-origins") }, harness.Wait)
	resp, _ = harness.RawHandshake(t, s, "GET", "/websockets/v4/service/missing-module", "HTTP/1.1", harness.UpgradeHeader(s, wstest.NewKey()))
	harness.WantStatus(t, resp, http.StatusInternalServerError, "missing handler")
	if strings.Contains(resp.Body, "does-not-exist") {
		t.Errorf("the 500 names the missing module to the client: %s", resp.Body)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Level() == "error" && e.Has("handler not found", "does-not-exist", "missing-module.websocket")
	}, harness.Wait)
}

// TestDirigibleBadDescriptors: each broken descriptor is one error line
// naming its file; its endpoint is not served; every other endpoint is.
func TestDirigibleBadDescriptors(t *testing.T) {
	s := startDirigible(t)
	for _, want := range []struct{ file, says string }{
		{"z-broken/invalid.websocket", "invalid JSON"},
		{"z-broken/nohandler.websocket", `no \"handler\"`},
		{"z-broken/noendpoint.websocket", `no \"endpoint\"`},
		{"z-broken/duplicate.websocket", "already taken"},
	} {
		n := s.CountLogs(func(e harness.LogEntry) bool {
			return e.Level() == "error" && e.Fields["file"] == want.file && e.Has(want.says)
		})
		if n != 1 {
			t.Errorf("%s: %d error lines saying %q, want 1; logs:\n%s", want.file, n, want.says, harness.Tail(s.Stderr(), 3000))
		}
	}
	resp, _ := harness.RawHandshake(t, s, "GET", "/websockets/v4/service/nohandler", "HTTP/1.1", harness.UpgradeHeader(s, wstest.NewKey()))
	harness.WantStatus(t, resp, http.StatusNotFound, "endpoint of a descriptor without handler")
	// "upper" is still the first descriptor's: it answers in capitals.
	c := harness.DialWS(t, s, "/websockets/v4/service/upper", harness.WSOpts{})
	c.SendText("first")
	c.ExpectText("FIRST")
}

// TestDirigibleTwentyClients: twenty sessions at once, each getting exactly
// its own replies, in order.
func TestDirigibleTwentyClients(t *testing.T) {
	s := startDirigible(t)
	concurrentClients(t, s, "/websockets/v4/service/upper", 20, 50,
		func(i, j int) string { return fmt.Sprintf("c%d-m%d", i, j) },
		func(i, j int, got []byte) error {
			if want := fmt.Sprintf("C%d-M%d", i, j); string(got) != want {
				return fmt.Errorf("got %q, want %q", got, want)
			}
			return nil
		})
}

// concurrentClients opens n sessions on path; each sends messages frames
// (frame(client, message)) while it reads as many answers, which check
// judges in order. Every client writes and reads at once.
func concurrentClients(t *testing.T, s *harness.Server, path string, n, messages int, frame func(i, j int) string, check func(i, j int, got []byte) error) {
	t.Helper()
	conns := make([]*harness.WS, n)
	for i := range conns {
		conns[i] = harness.DialWS(t, s, path, harness.WSOpts{})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i, c := range conns {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range messages {
				if err := c.WriteMessage(ws.OpText, []byte(frame(i, j))); err != nil {
					errs <- fmt.Errorf("client %d, message %d: %v", i, j, err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j := range messages {
				m, err := c.Next(harness.Wait)
				if err == nil {
					err = check(i, j, m.Payload)
				}
				if err != nil {
					errs <- fmt.Errorf("client %d, answer %d: %v", i, j, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestDirigibleDevDescriptors: with --dev, descriptors added, changed and
// removed while the server runs are seen at the next connection.
func TestDirigibleDevDescriptors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	harness.CopyDir(t, harness.App("dirigible"), dir)
	s := duplex.Start(t, "--app", dir, "--dev")
	refused := func(endpoint string) {
		t.Helper()
		resp, _ := harness.RawHandshake(t, s, "GET", "/websockets/v4/service/"+endpoint, "HTTP/1.1", harness.UpgradeHeader(s, wstest.NewKey()))
		harness.WantStatus(t, resp, http.StatusNotFound, endpoint)
	}
	refused("late")
	desc := filepath.Join(dir, "late.websocket")
	harness.WriteFile(t, desc, `{"handler": "my-project/handlers/upper", "endpoint": "late"}`)
	c := harness.DialWS(t, s, "/websockets/v4/service/late", harness.WSOpts{})
	c.SendText("new")
	c.ExpectText("NEW")
	harness.WriteFile(t, desc, `{"handler": "my-project/handlers/upper", "endpoint": "renamed", "description": "longer, so the size changes"}`)
	// A changed file may keep its modification time within the clock's
	// resolution; the size differs, which is what the scan also compares.
	refused("late")
	c = harness.DialWS(t, s, "/websockets/v4/service/renamed", harness.WSOpts{})
	c.SendText("renamed")
	c.ExpectText("RENAMED")
	if err := os.Remove(desc); err != nil {
		t.Fatal(err)
	}
	refused("renamed")
	// Established sessions are not cut by the descriptor's removal.
	c.SendText("kept")
	c.ExpectText("KEPT")
}

// TestDirigibleProjectJSON: a Dirigible project as Dirigible keeps it, with
// a project.json and no app.json, is the application its guid names.
func TestDirigibleProjectJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "checkout")
	harness.CopyDir(t, harness.App("dirigible"), dir)
	if err := os.Remove(filepath.Join(dir, "app.json")); err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(dir, "project.json"), `{"guid": "my-project", "repository": {"type": "git"}, "actions": []}`)
	s := duplex.Start(t, "--app", dir)
	c := harness.DialWS(t, s, "/websockets/v4/service/upper", harness.WSOpts{})
	c.SendText("from project.json")
	c.ExpectText("FROM PROJECT.JSON")

	harness.WriteFile(t, filepath.Join(dir, "project.json"), `{"guid": `)
	out := duplex.ExpectStartFailure(t, "--app", dir)
	if want := filepath.Join(dir, "project.json"); !strings.Contains(out, want) {
		t.Errorf("error output does not name %s:\n%s", want, out)
	}
}
