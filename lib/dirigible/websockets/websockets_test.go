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
