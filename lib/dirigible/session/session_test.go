package session_test

import (
	"io"
	"testing"

	"github.com/gobwas/ws"
	"go.uber.org/goleak"

	"duplex/lib"
	"duplex/lib/dirigible/session"
	"duplex/lib/libtest"
)

// Dirigible 2's net/websocket in a bare runtime: the channel request's own
// session and every open one, as WebsocketSession objects.
func TestSessions(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	hub := libtest.Hub(t)
	s, peer := libtest.OpenSession(t, hub, "/service/js", nil)
	go io.Copy(io.Discard, peer)
	other, otherPeer := libtest.OpenSession(t, hub, "/service/js", nil)
	r := libtest.New(t, session.Module{})

	// Outside a channel request there is no session.
	if got := r.Call(nil, `var s = require('net/websocket'); String(s.getSession()) + ' ' + s.getOpenSessions().length`); got.String() != "null 0" {
		t.Fatalf("outside a request: %v", got)
	}
	call := &lib.Call{Session: s}
	r.VM.Set("OTHER", other.ID())
	// What a request sends to its own session waits for the request to
	// end (the engine flushes it then); another session gets it at once.
	got := r.Call(call, `var me = s.getSession();
		s.getOpenSessions().filter(function (o) { return o.getId() === OTHER; })[0].sendText('from the script');
		var ids = s.getOpenSessions().map(function (o) { return o.getId(); }).sort();
		me.getId() + ' ' + ids.join(' ') + ' ' + Object.keys(me).join()`)
	want := []string{s.ID(), other.ID()}
	if want[0] > want[1] {
		want[0], want[1] = want[1], want[0]
	}
	if got.String() != s.ID()+" "+want[0]+" "+want[1]+" sendText,sendTextAsync,getId,close" {
		t.Fatalf("got %q", got)
	}
	f, err := ws.ReadFrame(otherPeer)
	if err != nil || string(f.Payload) != "from the script" {
		t.Fatalf("peer got %q, %v", f.Payload, err)
	}
	// The peer reads on, or the hub's close frame would wait for it.
	go io.Copy(io.Discard, otherPeer)
}
