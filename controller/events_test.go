package controller

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dop251/goja"

	"duplex/lib"
	"duplex/lib/event"
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

// __.disposer keeps one function per script, as XP keys them by the
// script's resource: two scripts' both run at Close; a script that
// registers again replaces its first.
func TestDisposerPerScript(t *testing.T) {
	got := make(sink, 8)
	e := newEngineWith(t, Options{
		Workers: 1,
		Libs:    lib.NewRegistry(got),
		FS: fstest.MapFS{
			"main.js": {Data: []byte(`
				var sink = require('/test/sink');
				require('./other');
				__.disposer(function () { sink('main, first'); });
				__.disposer(function () { sink('main, second'); });
				sink('ran');
			`)},
			"other.js": {Data: []byte(`__.disposer(function () { require('/test/sink')('other'); });`)},
		},
	})
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("main.js did not run")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	close(got)
	var ran []string
	for v := range got {
		ran = append(ran, v)
	}
	if len(ran) != 2 || ran[0] != "main, second" || ran[1] != "other" {
		t.Fatalf("disposers ran %q, want the second of main.js, then other.js's", ran)
	}
}

// blocker is a built-in module whose function waits for the test.
type blocker struct{ entered, release chan struct{} }

func (blocker) Path() string { return "/test/block" }

func (b blocker) Instantiate(env *lib.Env) (goja.Value, error) {
	return env.VM.ToValue(func() { b.entered <- struct{}{}; <-b.release }), nil
}

// Events still queued when the application stops are dropped and counted
// (reason stopping), not run and not lost silently.
func TestEventsDroppedAtStop(t *testing.T) {
	b := blocker{entered: make(chan struct{}), release: make(chan struct{})}
	e := newEngineWith(t, Options{
		Workers: 1,
		Libs:    lib.NewRegistry(b, event.Module{}),
		FS: fstest.MapFS{"main.js": {Data: []byte(`
			require('/lib/xp/event').listener({ type: 'custom.*', callback: function () { require('/test/block')(); } });
		`)}},
	})
	// main.js runs on its loop first: a listener is there once an event
	// sent now reaches it.
	for i := 0; i < 3; i++ {
		if err := (bus{e}).Send(lib.Event{Type: "custom.x", Data: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-b.entered: // the first event's listener runs; two wait behind it
	case <-time.After(10 * time.Second):
		t.Fatal("the listener never ran")
	}
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- e.Close(ctx)
	}()
	<-e.main.stop // asked to stop while the listener still runs
	close(b.release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if n := e.Stats().EventsDropped[DropStopping]; n != 2 {
		t.Fatalf("%d events counted as dropped at stop, want 2", n)
	}
}
