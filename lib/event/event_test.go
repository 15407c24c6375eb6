package event_test

import (
	"errors"
	"strings"
	"testing"

	"duplex/lib"
	"duplex/lib/event"
	"duplex/lib/libtest"
)

// recorder is an event bus that keeps what it is given.
type recorder struct {
	sent      []lib.Event
	listeners []lib.Listener
	refuse    error
}

func (r *recorder) Send(ev lib.Event) error {
	if r.refuse != nil {
		return r.refuse
	}
	r.sent = append(r.sent, ev)
	return nil
}

func (r *recorder) Listen(_ *lib.Env, l lib.Listener) error {
	if r.refuse != nil {
		return r.refuse
	}
	r.listeners = append(r.listeners, l)
	return nil
}

func setup(t *testing.T) (*libtest.Runtime, *recorder) {
	rt := libtest.New(t, event.Module{})
	rec := &recorder{}
	rt.Env.Events = rec
	rt.Call(nil, `var event = require('/lib/xp/event');`)
	return rt, rec
}

// send as XP's EventSenderHelper: the type is prefixed "custom.", "test"
// when missing; distributed only when === true; data kept only when it is
// an object.
func TestSend(t *testing.T) {
	rt, rec := setup(t)
	rt.Call(nil, `event.send({type: 'chat', distributed: true, data: {text: 'hi', n: 1}})`)
	rt.Call(nil, `event.send({})`)
	rt.Call(nil, `event.send({type: 'x', distributed: 'yes', data: [1, 2]})`)
	rt.Call(nil, `event.send({type: 'y', data: 'text'})`)
	want := []lib.Event{
		{Type: "custom.chat", Distributed: true, Data: []byte(`{"text":"hi","n":1}`)},
		{Type: "custom.test", Data: []byte(`{}`)},
		{Type: "custom.x", Data: []byte(`{}`)},
		{Type: "custom.y", Data: []byte(`{}`)},
	}
	if len(rec.sent) != len(want) {
		t.Fatalf("sent %d events, want %d", len(rec.sent), len(want))
	}
	for i, w := range want {
		g := rec.sent[i]
		if g.Type != w.Type || g.Distributed != w.Distributed || string(g.Data) != string(w.Data) {
			t.Errorf("event %d = %s %v %s, want %s %v %s", i, g.Type, g.Distributed, g.Data, w.Type, w.Distributed, w.Data)
		}
	}
}

func TestListener(t *testing.T) {
	rt, rec := setup(t)
	rt.Call(nil, `event.listener({type: 'custom.*', callback: function (e) { return e.type; }})`)
	rt.Call(nil, `event.listener({type: 'node.pushed', localOnly: true, callback: function () {}})`)
	if len(rec.listeners) != 2 {
		t.Fatalf("%d listeners registered", len(rec.listeners))
	}
	if l := rec.listeners[0]; l.LocalOnly || !l.Type.MatchString("custom.chat") || l.Type.MatchString("node.pushed") {
		t.Errorf("first listener: localOnly %v, pattern %s", l.LocalOnly, l.Type)
	}
	if l := rec.listeners[1]; !l.LocalOnly || !l.Type.MatchString("node.pushed") || l.Type.MatchString("node.pushedX") {
		t.Errorf("second listener: localOnly %v, pattern %s", l.LocalOnly, l.Type)
	}
	for src, want := range map[string]string{
		`event.listener({type: 'a'})`:                            "callback must be a function",
		`event.listener('custom.*')`:                             "expects an object",
		`event.listener({type: 'a(', callback: function () {}})`: "type:",
		`event.send()`: "expects an object",
	} {
		if _, err := rt.TryCall(nil, src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", src, err, want)
		}
	}
	// What the bus refuses (a full queue, a listener outside main.js) is
	// an error the script can catch.
	rec.refuse = errors.New("queue full (--js-event-queue)")
	v := rt.Call(nil, `(function () { try { event.send({type: 'a'}); return 'sent'; } catch (e) { return e.message; } })()`)
	if !strings.Contains(v.String(), "--js-event-queue") {
		t.Fatalf("refused send: %s", v)
	}
}

// XP's ScriptEventListenerBuilder: '.' is literal, '*' any run, the whole
// type must match.
func TestTypePattern(t *testing.T) {
	for _, c := range []struct {
		pattern, typ string
		match        bool
	}{
		{"custom.*", "custom.chat", true},
		{"custom.*", "custom.", true},
		{"custom.*", "customXchat", false},
		{"custom.chat", "custom.chat.more", false},
		{"*", "node.created", true},
		{"node.*", "custom.node.x", false},
		{"custom.(a|b)", "custom.b", true},
		{"", "custom.a", false},
	} {
		re, err := lib.TypePattern(c.pattern)
		if err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		if got := re.MatchString(c.typ); got != c.match {
			t.Errorf("%q matches %q: %v, want %v", c.pattern, c.typ, got, c.match)
		}
	}
}
