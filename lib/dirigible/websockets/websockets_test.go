package websockets

import (
	"testing"

	"duplex/lib"
	"duplex/lib/libtest"
)

// The event functions read the call's Dirigible context; the aliases are
// the same object.
func TestEventContext(t *testing.T) {
	r := libtest.New(t, Modules(NewClients(ClientsOptions{}))...)
	call := &lib.Call{Context: map[string]any{"method": lib.MethodMessage, "message": "hi"}}
	got := r.Call(call, `var w = require("net/websockets");
		[w.getMethod(), w.getMessage(), w.getError(), w.isOnOpen(), w.isOnMessage(), w.isOnError(), w.isOnClose(),
		 w === require("net/v4/websockets"), w === require("sdk/net").websockets].join(",")`)
	if want := "onmessage,hi,,false,true,false,false,true,true"; got.String() != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := r.Call(&lib.Call{}, `w.getMethod() === null && w.getClients().length === 0 && w.getClient("x") === null && w.getClientByHandler("h") === null`); !got.ToBoolean() {
		t.Error("outside a handler event: want null, and no clients")
	}
}

// createWebsocket needs both arguments; a refusal is a catchable Error.
func TestCreateRefusals(t *testing.T) {
	clients := NewClients(ClientsOptions{Max: 1, Setting: "--ws-max-clients"})
	r := libtest.New(t, Modules(clients)...)
	got := r.Call(nil, `var w = require("net/websockets"); var out = [];
		try { w.createWebsocket("ws://127.0.0.1:1/") } catch (e) { out.push(e instanceof TypeError) }
		try { w.createWebsocket("gopher://x/", "p/h") } catch (e) { out.push(e instanceof Error, e.message) }
		out.join("|")`)
	if s := got.String(); s[:10] != "true|true|" {
		t.Errorf("got %s", s)
	}
}
