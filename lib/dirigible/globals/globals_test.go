package globals

import (
	"strings"
	"testing"

	"duplex/lib/libtest"
)

// Two runtimes over one store: what one call sets or changes, the other's
// next call sees, though no object crosses between them.
func TestSharedAcrossRuntimes(t *testing.T) {
	store := NewStore()
	a := libtest.New(t, New(store))
	b := libtest.New(t, New(store))
	// Seed 000's pattern: set an empty array, then push to it.
	a.Call(nil, `var g = require("core/globals"); var m = g.get("members"); if (m === null) { m = []; g.set("members", m); } m.push("Tom");`)
	// The other pattern: push to an array got back, without set.
	b.Call(nil, `var g = require("core/globals"); g.get("members").push("Jerry");`)
	if got := a.Call(nil, `JSON.stringify(g.get("members"))`).String(); got != `["Tom","Jerry"]` {
		t.Errorf("members = %s", got)
	}
	// Within a call, every get of a key is the same object.
	if got := a.Call(nil, `g.get("members") === g.get("members")`).ToBoolean(); !got {
		t.Error("two gets in one call gave two objects")
	}
	// Objects keep their key order; unknown keys are null.
	b.Call(nil, `g.set("o", {z: 1, a: {b: [true, null]}, f: function () {}})`)
	if got := a.Call(nil, `JSON.stringify(g.get("o")) + " " + g.get("nope")`).String(); got != `{"z":1,"a":{"b":[true,null]},"f":null} null` {
		t.Errorf("object = %s", got)
	}
}

// A call that only reads a key writes nothing back: it must not undo what
// another call stored meanwhile.
func TestReadOnlyWritesNothing(t *testing.T) {
	store := NewStore()
	a := libtest.New(t, New(store))
	a.Call(nil, `var g = require("core/globals"); g.set("k", [1])`)
	// Another call stores k while this one holds it unchanged.
	_ = a.VM.Set("meanwhile", func() { store.set("k", []any{int64(2)}) })
	if v := a.Call(nil, `var held = g.get("k"); meanwhile(); held.length`); v.ToInteger() != 1 {
		t.Fatalf("read: %v", v)
	}
	if got := a.Call(nil, `JSON.stringify(g.get("k"))`).String(); got != "[2]" {
		t.Errorf("k = %s, want the other call's [2]", got)
	}
	// One that changes it writes back.
	a.Call(nil, `g.get("k").push(3); meanwhile()`)
	if got := a.Call(nil, `JSON.stringify(g.get("k"))`).String(); got != "[2,3]" {
		t.Errorf("k = %s, want [2,3]", got)
	}
}

func TestCycleRefused(t *testing.T) {
	a := libtest.New(t, New(NewStore()))
	_, err := a.TryCall(nil, `var o = {}; o.self = o; require("core/globals").set("c", o)`)
	if err == nil || !strings.Contains(err.Error(), "deeper than 64") {
		t.Errorf("cyclic value: %v", err)
	}
}
