package execcontext

import (
	"testing"

	"duplex/lib"
	"duplex/lib/libtest"
)

func TestGetSet(t *testing.T) {
	r := libtest.New(t, Module{})
	call := &lib.Call{Context: map[string]any{"from": "Tom"}}
	got := r.Call(call, `var c = require("core/context"); c.set("n", 2); c.get("from") + " " + c.get("n") + " " + c.get("missing")`)
	if got.String() != "Tom 2 null" {
		t.Errorf("got %s", got)
	}
	if call.Context["n"] != int64(2) {
		t.Errorf("set did not reach the call's context: %v", call.Context)
	}
	// A call without a context: get is null, set makes one.
	empty := &lib.Call{}
	if got := r.Call(empty, `c.set("a", "b"); c.get("a")`).String(); got != "b" {
		t.Errorf("got %s", got)
	}
}
