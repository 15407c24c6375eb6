package controller

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gobwas/ws"

	"duplex/lib"
	"duplex/lib/libtest"
	libws "duplex/lib/websocket"
	"duplex/websocket"
)

// BenchmarkEventObject is the cost of building one message event's object,
// paid for every WebSocket message that reaches JavaScript.
func BenchmarkEventObject(b *testing.B) {
	e := newTestEngine(b, fstest.MapFS{"x.js": {Data: []byte("")}}, 1)
	wk := <-e.workers
	s := openSession(b, "/_/service/bench/bench?room=a", map[string]string{"user": "x"})
	ev := &websocket.Event{Type: websocket.EventMessage, Session: s, Message: []byte("E:1234567890123456789012345678901234567890123456789012345678901")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wk.eventObject(ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandleEvent is one WebSocket message through the engine into a
// webSocketEvent that does nothing: borrowing a runtime, the watchdog, the
// event object and the call.
func BenchmarkHandleEvent(b *testing.B) {
	benchHandleEvent(b, `exports.webSocketEvent = function (event) {};`)
}

// BenchmarkHandleEventEcho is BenchmarkHandleEvent with a handler that
// reads what an echo reads: the type, the session id and the message.
func BenchmarkHandleEventEcho(b *testing.B) {
	benchHandleEvent(b, `exports.webSocketEvent = function (e) { if (e.type === 'message') { var id = e.session.id, m = e.message; } };`)
}

// BenchmarkHandleEventBench is one 'E:' message through bench/app's
// bench.js, the echo handler of cmd/duplex-bench, up to the hub: its send
// goes to a hub that does not know the session, so the frame is neither
// built nor queued (BenchmarkEchoLoopback has those).
func BenchmarkHandleEventBench(b *testing.B) {
	script, err := os.ReadFile("../bench/app/services/bench/bench.js")
	if err != nil {
		b.Fatal(err)
	}
	other := libtest.Hub(b)
	benchHandleEventWith(b, string(script), Options{Libs: lib.NewRegistry(libws.New(other)), Hub: other})
}

func benchHandleEvent(b *testing.B, script string) {
	benchHandleEventWith(b, script, Options{})
}

func benchHandleEventWith(b *testing.B, script string, opts Options) {
	opts.FS = fstest.MapFS{"services/s/s.js": {Data: []byte(script)}}
	opts.Workers = 1
	e := newEngineWith(b, opts)
	h := &socketHandler{engine: e, script: "/services/s/s.js"}
	s := openSession(b, "/_/service/bench/s", map[string]string{})
	ev := &websocket.Event{Type: websocket.EventMessage, Session: s, Message: []byte("E:1234567890123456789012345678901234567890123456789012345678901")}
	b.ReportAllocs()
	for b.Loop() {
		if err := h.HandleEvent(ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEchoLoopback is the echo scenario of cmd/duplex-bench in one
// process: bench/app's bench.js behind a real listener, clients over
// loopback each with one 64-byte 'E:' message in flight. An op is one
// echoed message; the time and allocations include the clients', which
// are written to allocate nothing.
//
//	go test -run '^$' -bench EchoLoopback -benchtime 200000x ./controller
func BenchmarkEchoLoopback(b *testing.B) {
	const clients = 50
	script, err := os.ReadFile("../bench/app/services/bench/bench.js")
	if err != nil {
		b.Fatal(err)
	}
	hub := libtest.Hub(b)
	e := newEngineWith(b, Options{
		FS:      fstest.MapFS{"services/bench/bench.js": {Data: script}},
		Workers: runtime.GOMAXPROCS(0),
		Hub:     hub,
		Libs:    lib.NewRegistry(libws.New(hub)),
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.Serve(w, r, Target{Script: "/services/bench/bench.js"})
	}))
	b.Cleanup(srv.Close)

	payload := append([]byte("E:"), bytes.Repeat([]byte{'x'}, 62)...)
	var out bytes.Buffer
	f := ws.NewTextFrame(payload)
	f = ws.MaskFrameInPlace(f)
	if err := ws.WriteFrame(&out, f); err != nil {
		b.Fatal(err)
	}
	msg := out.Bytes()
	reply := 2 + len(payload)

	type client struct {
		conn net.Conn
		r    *bufio.Reader
	}
	cs := make([]client, clients)
	for i := range cs {
		conn, br, _, err := ws.Dial(context.Background(), "ws://"+srv.Listener.Addr().String()+"/")
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(conn)
		if br != nil {
			r = bufio.NewReader(io.MultiReader(br, conn))
		}
		var welcome [2 + len("welcome")]byte
		if _, err := io.ReadFull(r, welcome[:]); err != nil {
			b.Fatal(err)
		}
		cs[i] = client{conn, r}
	}
	b.Cleanup(func() {
		for _, c := range cs {
			c.conn.Close()
		}
	})
	roundTrips := func(c client, n int) error {
		var in [128]byte
		for range n {
			if _, err := c.conn.Write(msg); err != nil {
				return err
			}
			if _, err := io.ReadFull(c.r, in[:reply]); err != nil {
				return err
			}
		}
		return nil
	}
	// Warm: runtimes compiled, runners and buffers grown.
	for _, c := range cs {
		if err := roundTrips(c, 100); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i, c := range cs {
		n := b.N / clients
		if i < b.N%clients {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := roundTrips(c, n); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
