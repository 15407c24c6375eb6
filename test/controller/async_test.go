package controller

import (
	"encoding/json"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"duplex/test/harness"
)

// neverSettled is what the error of a Promise that cannot settle says.
func neverSettled(message string) bool {
	return strings.Contains(message, "never settled") && strings.Contains(message, "no timers or I/O")
}

// errorPage reads the default error page's JSON.
func errorPage(t *testing.T, r *harness.Resp) (int, string) {
	t.Helper()
	var page struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(r.Body), &page); err != nil {
		t.Fatalf("error page %q: %v", r.Body, err)
	}
	return page.Status, page.Message
}

// TestAsyncHandlers: a handler that returns a Promise answers with what
// it settles to, through awaits of other async functions and of promises
// resolved already; a rejection is a thrown error (500, the message, one
// log line, the stack of where the Error was made, and an exception for
// error/error.js, whose handlers are async too); a Promise that can never
// settle is a 500 that says so.
func TestAsyncHandlers(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("async"), "--js-workers", "2")
	root := s.URL + "/_/service/async/"
	under := s.URL + "/webapp/async/_/service/async/"

	// Issue 15's example used to answer an empty 200.
	r := harness.Get(t, root+"arrow?name=Ada")
	harness.WantStatus(t, r, 200, "async arrow")
	harness.WantMediaType(t, r, "application/json", "utf-8", "async arrow's object body")
	if strings.TrimSpace(r.Body) != `{"hello":"Ada"}` {
		t.Errorf("async arrow: body %q, want {\"hello\":\"Ada\"}", r.Body)
	}

	r = harness.Get(t, root+"chain?n=3")
	harness.WantStatus(t, r, 200, "awaits")
	m := r.JSON(t)
	harness.WantField(t, m, "quadrupled", float64(12))
	harness.WantField(t, m, "resolved", "resolved already")
	if !reflect.DeepEqual(m["all"], []any{float64(2), float64(3), float64(4)}) {
		t.Errorf("Promise.all: %v, want [2 3 4]", m["all"])
	}

	r = harness.Post(t, root+"chain", "application/json", `{"x":1}`)
	harness.WantStatus(t, r, 201, "a plain function returning a Promise")
	if strings.TrimSpace(r.Body) != `{"received":{"x":1}}` {
		t.Errorf("post: body %q", r.Body)
	}

	t.Run("rejected", func(t *testing.T) {
		r := harness.Get(t, root+"reject?tag=root")
		harness.WantStatus(t, r, 500, "rejected")
		if status, msg := errorPage(t, r); status != 500 || msg != "Error: async kaboom root" {
			t.Errorf("rejected: page %d %q, want 500 \"Error: async kaboom root\"", status, msg)
		}
		// As for a throw: one line, with where the Error was made.
		e := s.WaitLog(t, func(e harness.LogEntry) bool {
			return e.Message() == "controller threw" && e.Has("async kaboom root")
		}, harness.Wait)
		if e.Level() != "error" || e.Fields["script"] != "/services/reject/reject.js" || !e.Has("/services/reject/reject.js:5:") {
			t.Errorf("log line of the rejection: %s", e.Raw)
		}
		if n := s.CountLogs(func(e harness.LogEntry) bool { return e.Has("async kaboom root") }); n != 1 {
			t.Errorf("the rejection was logged %d times, want once", n)
		}

		r = harness.Get(t, root+"reject?plain=1")
		if status, msg := errorPage(t, r); r.Status != 500 || status != 500 || msg != "plain reason" {
			t.Errorf("rejected with a string: %d %q, want 500 \"plain reason\"", r.Status, r.Body)
		}
	})

	t.Run("error handler", func(t *testing.T) {
		r := harness.Get(t, under+"reject?tag=app")
		harness.WantStatus(t, r, 500, "rejected, under the webapp")
		var page struct {
			Handled   int
			Message   string
			Exception *struct{ Message, Stack string }
		}
		if err := json.Unmarshal([]byte(r.Body), &page); err != nil {
			t.Fatalf("async handleError's page %q: %v", r.Body, err)
		}
		if page.Handled != 500 || page.Message != "Error: async kaboom app" || page.Exception == nil ||
			page.Exception.Message != "Error: async kaboom app" || !strings.Contains(page.Exception.Stack, "/services/reject/reject.js:5:") {
			t.Errorf("async handleError answered %q: want handled 500, the message, and the rejection as its exception, with its stack", r.Body)
		}

		r = harness.Get(t, under+"never")
		harness.WantStatus(t, r, 500, "never settles, under the webapp")
		page.Exception = nil
		if err := json.Unmarshal([]byte(r.Body), &page); err != nil || page.Handled != 500 || !neverSettled(page.Message) || page.Exception != nil {
			t.Errorf("never settles, under the webapp: %q (%v)", r.Body, err)
		}

		// handle418 rejects: logged, and the default page for the 418.
		r = harness.Get(t, under+"teapot")
		harness.WantStatus(t, r, 418, "async handle418 rejects")
		if status, msg := errorPage(t, r); status != 418 || msg != "I'm a teapot" {
			t.Errorf("async handle418 rejects: %q, want the default page", r.Body)
		}
		s.WaitLog(t, func(e harness.LogEntry) bool {
			return e.Message() == "error handler failed" && e.Has("the async handle418 rejects")
		}, harness.Wait)
	})

	t.Run("never settles", func(t *testing.T) {
		for _, method := range []string{"GET", "POST"} {
			r := harness.Do(t, method, root+"never", nil)
			harness.WantStatus(t, r, 500, method+" never settles")
			if status, msg := errorPage(t, r); status != 500 || !neverSettled(msg) {
				t.Errorf("%s never settles: page %q, want a message that says it never settled and why", method, r.Body)
			}
		}
		s.WaitLogCount(t, func(e harness.LogEntry) bool {
			return e.Level() == "error" && e.Message() == "controller returned a Promise that never settles" &&
				e.Fields["script"] == "/services/never/never.js"
		}, 2, harness.Wait)
	})
}

// TestAsyncWebSocket: an async get accepts the upgrade; an async
// webSocketEvent's awaits complete before its sends go out; its rejection,
// and a Promise that never settles, give the session an error event and
// close it with 1011, as a throw does.
func TestAsyncWebSocket(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("async"))
	for _, c := range []struct{ send, error string }{
		{"reject", "Error: async message-boom"},
		{"never", "never settled"},
	} {
		ws := harness.DialWS(t, s, "/_/service/async/socket", harness.WSOpts{})
		ws.ExpectText("open via async get")
		ws.SendText("hi")
		ws.ExpectText("HI")
		ws.SendText(c.send)
		ws.ExpectClose(1011, harness.Wait, false)
		ev := harness.WaitJSONLog(t, s, "asyncws", func(m map[string]any) bool {
			e, _ := m["error"].(string)
			return m["type"] == "error" && strings.Contains(e, c.error)
		}, harness.Wait)
		harness.WaitJSONLog(t, s, "asyncws", func(m map[string]any) bool {
			return m["type"] == "close" && m["id"] == ev["id"] && m["closeReason"] == float64(1011)
		}, harness.Wait)
	}
}

// TestAsyncListenerAndDisposer: main.js's async listener runs to its end
// before the next event; its rejection is logged as a throw is, and so is
// an async disposer's when the application stops.
func TestAsyncListenerAndDisposer(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("async"))
	send := func(data string) {
		t.Helper()
		if r := harness.Post(t, s.URL+"/_/service/async/send", "application/json", data); r.Status != 204 {
			t.Fatalf("send %s: %d %s", data, r.Status, r.Body)
		}
	}
	send(`{"tag": "first"}`)
	s.WaitLog(t, harness.MessageHas("async listener heard first"), harness.Wait)
	send(`{"tag": "second", "fail": true}`)
	e := s.WaitLog(t, func(e harness.LogEntry) bool { return e.Message() == "event listener failed" }, harness.Wait)
	if e.Level() != "error" || !e.Has("Error: async listener fails: second") || e.Fields["type"] != "custom.async" {
		t.Errorf("rejected listener's log line: %s", e.Raw)
	}
	s.Signal(t, syscall.SIGTERM)
	if code := s.WaitExit(t, harness.Wait); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if n := s.CountLogs(func(e harness.LogEntry) bool {
		return e.Message() == "disposer failed" && e.Has("Error: async disposer rejects")
	}); n != 1 {
		t.Errorf("the async disposer's rejection was logged %d times, want once; stderr:\n%s", n, harness.Tail(s.Stderr(), 3000))
	}
}

// TestAsyncTimeout: a call stopped by --js-timeout in code after an await
// (a promise job) is a timeout like any other, and the runtime it wedged
// is replaced: with one worker, the next handler's awaits still complete.
func TestAsyncTimeout(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("async"), "--js-workers", "1", "--js-timeout", "1s")
	r := harness.Get(t, s.URL+"/_/service/async/spin")
	if status, msg := errorPage(t, r); r.Status != 500 || status != 500 || msg != "controller timed out" {
		t.Errorf("spin after an await: %d %q, want 500 \"controller timed out\"", r.Status, r.Body)
	}
	s.WaitLog(t, harness.IsTimeoutLog("/services/spin/spin.js"), harness.Wait)
	s.WaitLog(t, harness.MessageHas("unable to run promise jobs; the runtime is replaced"), harness.Wait)
	for range 2 {
		r = harness.Get(t, s.URL+"/_/service/async/chain?n=1")
		harness.WantStatus(t, r, 200, "awaits after the timeout")
		harness.WantField(t, r.JSON(t), "quadrupled", float64(4))
	}
}
