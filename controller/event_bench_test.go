package controller

import (
	"testing"
	"testing/fstest"

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

func benchHandleEvent(b *testing.B, script string) {
	e := newTestEngine(b, fstest.MapFS{"services/s/s.js": {Data: []byte(script)}}, 1)
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
