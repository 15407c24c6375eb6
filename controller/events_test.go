package controller

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dop251/goja"

	"duplex/lib"
)

// sink is a built-in module whose one function hands the engine's Go side
// what a script passes it.
type sink chan string

func (sink) Path() string { return "/test/sink" }

func (s sink) Instantiate(env *lib.Env) (goja.Value, error) {
	return env.VM.ToValue(func(v string) { s <- v }), nil
}

// main.js runs when the engine starts; what another node sends that no
// duplex node would is dropped and counted, never handed to a listener
// (test/cluster delivers the real ones); Close runs the disposer and ends
// main.js's loop.
func TestReceivedEvents(t *testing.T) {
	got := make(sink, 8)
	e := newEngineWith(t, Options{
		Workers: 1,
		Libs:    lib.NewRegistry(got),
		FS: fstest.MapFS{"main.js": {Data: []byte(`
			var sink = require('/test/sink');
			sink('ran');
			__.disposer(function () { sink('disposed'); });
		`)}},
	})
	// Listeners live on main.js's runtime only.
	if err := (bus{e}).Listen(&lib.Env{}, lib.Listener{}); err == nil {
		t.Fatal("a listener from another runtime was accepted")
	}
	select {
	case v := <-got:
		if v != "ran" {
			t.Fatalf("main.js: %q", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("main.js did not run")
	}
	for _, bad := range []string{
		`garbage`,
		`{"type":"custom.x","distributed":false,"data":{}}`, // only distributed events travel
		`{"type":"custom.x","distributed":true,"data":[1]}`, // data is an object
	} {
		e.received([]byte(bad))
	}
	if n := e.Stats().EventsDropped[DropInvalid]; n != 3 {
		t.Fatalf("%d invalid events counted, want 3", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-got:
		if v != "disposed" {
			t.Fatalf("at close: %q", v)
		}
	default:
		t.Fatal("the disposer did not run at Close")
	}
	select {
	case <-e.main.done:
	default:
		t.Fatal("main.js's loop still runs after Close")
	}
}
