package websockets

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex/lib"
	"duplex/lib/libtest"
	"duplex/websocket/wstest"
)

// recorder is a HandlerDispatcher that writes down what it was asked to
// run; handlers named "nope/..." do not exist.
type recorder struct {
	mu     sync.Mutex
	events []string
	inline []bool
	got    chan string
}

func newRecorder() *recorder { return &recorder{got: make(chan string, 64)} }

func (r *recorder) Dispatch(ref string, ev lib.HandlerEvent, from *lib.Env) error {
	what := ev.Method + ":" + ev.Message + ev.Error
	r.mu.Lock()
	r.events = append(r.events, what)
	r.inline = append(r.inline, from != nil)
	r.mu.Unlock()
	r.got <- what
	return nil
}

func (r *recorder) Check(ref string) error {
	if strings.HasPrefix(ref, "nope/") {
		return errors.New("no application is named nope")
	}
	return nil
}

func (r *recorder) wait(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-r.got:
		if got != want {
			t.Fatalf("event %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no event %q", want)
	}
}

// A client's life: onOpen on the creating runtime, then its messages and
// its close from the network, in order; listed while open.
func TestClientLifecycle(t *testing.T) {
	echo := wstest.NewEchoServer(t)
	uri := echo.URL
	rec := newRecorder()
	clients := NewClients(ClientsOptions{Dispatcher: rec})
	r := libtest.New(t, Modules(clients)...)
	got := r.Call(nil, `var w = require("net/websockets");
		var c = w.createWebsocket("`+uri+`", "p/h"); c.send("one"); c.send("two");
		[w.getClients().length, w.getClient(c.id).uri, w.getClientByHandler("p/h").id === c.id].join()`)
	if got.String() != "1,"+uri+",true" {
		t.Errorf("got %s", got)
	}
	rec.wait(t, "onopen:")
	rec.wait(t, "onmessage:one")
	rec.wait(t, "onmessage:two")
	r.Call(nil, `w.getClientByHandler("p/h").close()`)
	rec.wait(t, "onclose:")
	if n := r.Call(nil, `w.getClients().length`).ToInteger(); n != 0 {
		t.Errorf("%d clients listed after close", n)
	}
	rec.mu.Lock()
	if want := []bool{true, false, false, false}; len(rec.inline) != 4 || rec.inline[0] != want[0] || rec.inline[1] || rec.inline[3] {
		t.Errorf("inline %v, want onOpen only on the creating runtime", rec.inline)
	}
	rec.mu.Unlock()
	if st := clients.Stats(); st.Opened != 1 || st.Open != 0 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
	if err := r.Call(nil, `var closed; try { c.send("late") } catch (e) { closed = e.message } closed`).String(); !strings.Contains(err, "closed") {
		t.Errorf("send after close: %q", err)
	}
}

// An unknown handler is refused before anything is dialled; past Max,
// createWebsocket throws naming the setting; a bad URI throws.
func TestCreateRefusals(t *testing.T) {
	echo := wstest.NewEchoServer(t)
	uri, accepted := echo.URL, &echo.Accepted
	clients := NewClients(ClientsOptions{Max: 1, Setting: "--ws-max-clients", Dispatcher: newRecorder()})
	r := libtest.New(t, Modules(clients)...)
	got := r.Call(nil, `var w = require("net/websockets"); var out = [];
		function attempt(f) { try { f(); out.push("ok") } catch (e) { out.push((e instanceof Error) + " " + e.message) } }
		attempt(function () { w.createWebsocket("`+uri+`") });
		attempt(function () { w.createWebsocket("`+uri+`", "nope/h") });
		attempt(function () { w.createWebsocket("gopher://x/", "p/h") });
		attempt(function () { w.createWebsocket("`+uri+`", "p/h") });
		attempt(function () { w.createWebsocket("`+uri+`", "p/h") });
		out.join("|")`).String()
	parts := strings.Split(got, "|")
	if len(parts) != 5 || !strings.HasPrefix(parts[0], "true createWebsocket(uri, handler)") ||
		!strings.Contains(parts[1], "no application is named nope") || !strings.Contains(parts[2], "gopher") ||
		parts[3] != "ok" || !strings.Contains(parts[4], "--ws-max-clients") {
		t.Errorf("got %q", parts)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("the server saw %d connections, want 1: refusals must not dial", n)
	}
	if st := clients.Stats(); st.Failed != 3 || st.Opened != 1 {
		t.Errorf("stats %+v", st)
	}
	if err := clients.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := r.Call(nil, `var e2; try { w.createWebsocket("`+uri+`", "p/h") } catch (e) { e2 = e.message } e2`).String(); !strings.Contains(got, "shutting down") {
		t.Errorf("after shutdown: %q", got)
	}
}
