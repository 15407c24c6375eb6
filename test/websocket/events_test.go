package websocket

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// TestWebSocketEventShape: the event object of each type, fresh per event.
func TestWebSocketEventShape(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--js-workers", "2")

	c, open := harness.OpenEcho(t, s, "?a=1&b=x&b=y", harness.WSOpts{})
	id := wsSessionID(t, open)
	wantKeys := func(d map[string]any, want ...string) {
		t.Helper()
		got := fmt.Sprint(d["keys"])
		if w := fmt.Sprint(wsAnyList(want)); got != w {
			t.Errorf("%v event has keys %s, want %s (fields that don't apply are omitted)", d["type"], got, w)
		}
	}
	wantKeys(open, "data", "session", "type")
	if fmt.Sprint(open["sessionKeys"]) != "[id params path]" {
		t.Errorf("anonymous session has keys %v, want [id params path] (no user)", open["sessionKeys"])
	}
	sess := open["session"].(map[string]any)
	if sess["path"] != "/_/service/wsecho/echo" {
		t.Errorf("session.path = %v, want /_/service/wsecho/echo", sess["path"])
	}
	wantParams := map[string]any{"a": "1", "b": []any{"x", "y"}}
	if !reflect.DeepEqual(sess["params"], wantParams) {
		t.Errorf("session.params = %s, want %s", wsJSON(sess["params"]), wsJSON(wantParams))
	}
	if open["messageType"] != "undefined" {
		t.Errorf("open event has a message (%v)", open["messageType"])
	}
	if c.Protocol != "" {
		t.Errorf("no sub-protocol offered, got %q", c.Protocol)
	}

	c.SendText("describe")
	m := c.ReadJSON()
	if m["type"] != "message" || m["message"] != "describe" || m["messageType"] != "string" {
		t.Errorf("message event = %s, want type message, message \"describe\" (string)", wsJSON(m))
	}
	wantKeys(m, "data", "message", "session", "type")
	if got := wsSessionID(t, m); got != id {
		t.Errorf("session id changed between events: %q then %q", id, got)
	}

	// Mutations of one event object are not seen in the next.
	c.SendText("mutate")
	c.ExpectText("mutated")
	c.SendText("describe")
	m = c.ReadJSON()
	if want := map[string]any{"n": "42", "s": "str", "b": "true"}; !reflect.DeepEqual(m["data"], want) {
		t.Errorf("event.data after a handler mutated it = %s, want the original %s", wsJSON(m["data"]), wsJSON(want))
	}
	sess = m["session"].(map[string]any)
	if !reflect.DeepEqual(sess["params"], wantParams) || sess["path"] != "/_/service/wsecho/echo" {
		t.Errorf("session after a handler mutated it = %s, want the original params and path", wsJSON(sess))
	}

	// Close: closeReason is the client's code, a number.
	c.CloseWith(4001, "bye")
	ev := waitWsev(t, s, id, "close")
	wantKeys(ev, "closeReason", "data", "session", "type")
	if ev["closeReason"] != float64(4001) || ev["closeReasonType"] != "number" {
		t.Errorf("close event: closeReason %v (%v), want 4001 (number)", ev["closeReason"], ev["closeReasonType"])
	}

	c2, open2 := harness.OpenEcho(t, s, "", harness.WSOpts{})
	id2 := wsSessionID(t, open2)
	c2.CloseWith(1000, "")
	if ev := waitWsev(t, s, id2, "close"); ev["closeReason"] != float64(1000) {
		t.Errorf("close event after a 1000 close: closeReason %v, want 1000", ev["closeReason"])
	}
	// close(id, code, reason) on the session's own id from its handler.
	c3, open3 := harness.OpenEcho(t, s, "", harness.WSOpts{})
	id3 := wsSessionID(t, open3)
	c3.SendText("closeme")
	if reason := c3.ExpectClose(4321, harness.Wait, false); reason != "bye now" {
		t.Errorf("close(id, 4321, 'bye now'): reason %q", reason)
	}
	if ev := waitWsev(t, s, id3, "close"); ev["closeReason"] != float64(4321) {
		t.Errorf("close event after close(id, 4321): closeReason %v, want 4321", ev["closeReason"])
	}

	// Types are lower case, and no event of these sessions was an error.
	for _, e := range harness.JSONLogs(s, "wsev") {
		if e["id"] != id && e["id"] != id2 && e["id"] != id3 {
			continue
		}
		switch e["type"] {
		case "open", "message", "close":
		default:
			t.Errorf("unexpected event %s for a well-behaved session", wsJSON(e))
		}
	}
}

func wsAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// TestWebSocketSessionIDs: ids are unique, unguessable strings.
func TestWebSocketSessionIDs(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"))
	seen := map[string]bool{}
	var ids []string
	for i := 0; i < 6; i++ {
		_, d := harness.OpenEcho(t, s, "", harness.WSOpts{})
		id := wsSessionID(t, d)
		if seen[id] {
			t.Fatalf("session id %q given twice (ids so far %q)", id, ids)
		}
		seen[id] = true
		ids = append(ids, id)
		if wsCounterID.MatchString(id) {
			t.Errorf("session id %q is a small decimal counter; ids must be unguessable", id)
		}
		if len(id) < 8 {
			t.Errorf("session id %q is too short to be unguessable", id)
		}
	}
	// Consecutive ids must not differ only in a trailing counter.
	common := 0
	for i := 1; i < len(ids); i++ {
		a, b := ids[i-1], ids[i]
		if len(a) == len(b) && a[:len(a)-2] == b[:len(b)-2] {
			common++
		}
	}
	if common == len(ids)-1 {
		t.Errorf("session ids %q differ only in their last characters: guessable", ids)
	}
}

// TestWebSocketEventOrder: one session's events run strictly in order even
// with several JavaScript workers.
func TestWebSocketEventOrder(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--js-workers", "2")
	c, open := harness.OpenEcho(t, s, "", harness.WSOpts{})
	id := wsSessionID(t, open)
	other, _ := harness.OpenEcho(t, s, "", harness.WSOpts{}) // competes for the workers

	const n = 300
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; i++ {
			if err := other.WriteMessage(ws.OpText, []byte("noise")); err != nil {
				return
			}
		}
	}()
	for i := 0; i < n; i++ {
		c.SendText(fmt.Sprintf("n%04d", i))
	}
	for i := 0; i < n; i++ {
		want := fmt.Sprintf("n%04d", i)
		if got := c.ReadText(); got != want {
			t.Fatalf("echo %d: got %q, want %q (events out of order)", i, got, want)
		}
	}
	<-done
	c.CloseWith(1000, "")
	waitWsev(t, s, id, "close")
	var types []string
	for _, e := range harness.JSONLogs(s, "wsev") {
		if e["id"] == id {
			types = append(types, e["type"].(string))
		}
	}
	want := "open " + strings.Repeat("message ", n) + "close"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("event sequence of the session (%d events) is not open, %d messages, close: %s", len(types), n, harness.Trunc(got))
	}
}

// TestWebSocketBinary: binary frames arrive as ArrayBuffer and go back as
// binary; strings go as text; typed arrays send just their view.
func TestWebSocketBinary(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"))
	c, _ := harness.OpenEcho(t, s, "", harness.WSOpts{})

	payload := make([]byte, 3000)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	c.SendBinary(payload)
	m := c.Read(harness.Wait)
	if m.OpCode != ws.OpBinary {
		t.Fatalf("echo of a binary message came as %v %q, want binary", m.OpCode, harness.Trunc(m.Text()))
	}
	if !bytes.Equal(m.Payload, payload) {
		t.Errorf("binary echo differs: %d bytes, want the same %d bytes", len(m.Payload), len(payload))
	}

	// A binary message in three fragments is one ArrayBuffer.
	c.SendFrame(wstest.Frame{OpCode: ws.OpBinary, Payload: []byte{0, 1}})
	c.SendFrame(wstest.Frame{OpCode: ws.OpContinuation, Payload: []byte{0xff, 0xfe}})
	c.SendFrame(wstest.Frame{Fin: true, OpCode: ws.OpContinuation, Payload: []byte{0x80}})
	m = c.Read(harness.Wait)
	if m.OpCode != ws.OpBinary || !bytes.Equal(m.Payload, []byte{0, 1, 0xff, 0xfe, 0x80}) {
		t.Errorf("fragmented binary message echoed as %v %v, want binary [0 1 255 254 128]", m.OpCode, m.Payload)
	}

	// Text (non-ASCII) stays text.
	c.SendText("héllo ✓")
	m = c.Read(harness.Wait)
	if m.OpCode != ws.OpText || m.Text() != "héllo ✓" {
		t.Errorf("text echo: %v %q, want text \"héllo ✓\"", m.OpCode, m.Text())
	}

	c.SendText("typed")
	m = c.Read(harness.Wait)
	if m.OpCode != ws.OpBinary || !bytes.Equal(m.Payload, []byte{1, 2, 3}) {
		t.Errorf("send(id, Uint8Array view [1 2 3] of [9 1 2 3 9]): got %v %v, want binary [1 2 3]", m.OpCode, m.Payload)
	}
	c.SendText("buffer")
	m = c.Read(harness.Wait)
	if m.OpCode != ws.OpBinary || !bytes.Equal(m.Payload, []byte{0, 255, 128, 7}) {
		t.Errorf("send(id, ArrayBuffer [0 255 128 7]): got %v %v, want binary", m.OpCode, m.Payload)
	}
	// A plain object goes as JSON text, twice: the first must not have
	// left its runtime broken for the second.
	for range 2 {
		c.SendText("object")
		m = c.Read(harness.Wait)
		if m.OpCode != ws.OpText || m.Text() != `{"a":1,"b":[true,null],"s":"x"}` {
			t.Errorf("send(id, {a: 1, ...}): got %v %q, want JSON text", m.OpCode, m.Text())
		}
	}
	c.SendText("still here")
	c.ExpectText("still here")
	c.CloseWith(1000, "")
}
