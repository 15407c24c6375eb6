package websocket_test

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"go.uber.org/goleak"

	"duplex/lib/libtest"
	xpws "duplex/lib/websocket"
	"duplex/websocket"
)

// setup is /lib/xp/websocket in a bare runtime over a hub with one open
// session, whose peer's frames arrive on the channel.
func setup(t *testing.T) (*libtest.Runtime, *websocket.Session, <-chan ws.Frame) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	hub := libtest.Hub(t)
	s, peer := libtest.OpenSession(t, hub, "/_/service/app/chat?room=a", nil)
	frames := make(chan ws.Frame, 16)
	go readFrames(peer, frames)
	r := libtest.New(t, xpws.New(hub))
	if err := r.VM.Set("ID", s.ID()); err != nil {
		t.Fatal(err)
	}
	r.Call(nil, `var ws = require('/lib/xp/websocket');`)
	return r, s, frames
}

func readFrames(c net.Conn, out chan<- ws.Frame) {
	defer close(out)
	for {
		f, err := ws.ReadFrame(c)
		if err != nil {
			return
		}
		out <- f
	}
}

func next(t *testing.T, frames <-chan ws.Frame) ws.Frame {
	t.Helper()
	select {
	case f, ok := <-frames:
		if !ok {
			t.Fatal("the connection ended")
		}
		return f
	case <-time.After(10 * time.Second):
		t.Fatal("no frame")
	}
	return ws.Frame{}
}

func TestSendTextJSONAndBinary(t *testing.T) {
	r, _, frames := setup(t)
	r.Call(nil, `ws.send(ID, 'hi'); ws.send(ID, {a: 1, b: [true]}); ws.send(ID, new Uint8Array([1, 2, 3]));`)
	for _, want := range []struct {
		op   ws.OpCode
		text string
	}{{ws.OpText, "hi"}, {ws.OpText, `{"a":1,"b":[true]}`}, {ws.OpBinary, "\x01\x02\x03"}} {
		if f := next(t, frames); f.Header.OpCode != want.op || string(f.Payload) != want.text {
			t.Fatalf("got op %v %q, want op %v %q", f.Header.OpCode, f.Payload, want.op, want.text)
		}
	}
}

// A value JSON cannot take throws, rather than sending its toString().
func TestSendCycleThrows(t *testing.T) {
	r, _, _ := setup(t)
	got := r.Call(nil, `var o = {}; o.self = o; var name; try { ws.send(ID, o); } catch (e) { name = e.name; } name`)
	if got.String() != "TypeError" {
		t.Fatalf("got %v, want a TypeError", got)
	}
}

func TestGroups(t *testing.T) {
	r, _, frames := setup(t)
	got := r.Call(nil, `ws.addToGroup('g', ID); ws.addToGroup('g', ID);
		var sizes = [ws.getGroupSize('g'), ws.getGroupMembers('g').length, ws.getGroupMembers('g')[0] === ID];
		ws.sendToGroup('g', 'to all');
		ws.removeFromGroup('g', ID);
		sizes.push(ws.getGroupSize('g'));
		sizes.join()`)
	if got.String() != "1,1,true,0" {
		t.Fatalf("sizes %v", got)
	}
	if f := next(t, frames); string(f.Payload) != "to all" {
		t.Fatalf("group message %q", f.Payload)
	}
}

// Unknown ids and groups are no-ops, as in XP: chat code sends to peers
// that have just left.
func TestUnknownIsNoOp(t *testing.T) {
	r, _, _ := setup(t)
	got := r.Call(nil, `ws.send('nobody', 'x'); ws.sendToGroup('none', 'x'); ws.removeFromGroup('none', 'nobody');
		ws.close('nobody'); ws.getGroupSize('none') + ws.getGroupMembers('none').length`)
	if got.ToInteger() != 0 {
		t.Fatalf("got %v", got)
	}
}

func TestClose(t *testing.T) {
	r, _, frames := setup(t)
	r.Call(nil, `ws.close(ID, 4000, 'bye');`)
	f := next(t, frames)
	if f.Header.OpCode != ws.OpClose || len(f.Payload) < 2 || binary.BigEndian.Uint16(f.Payload) != 4000 || string(f.Payload[2:]) != "bye" {
		t.Fatalf("got op %v %q, want close 4000 bye", f.Header.OpCode, f.Payload)
	}
}
