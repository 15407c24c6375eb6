package websocket

import (
	"slices"
	"testing"
)

func TestGroups(t *testing.T) {
	h := newRecHandler()
	h.open = func(s *Session) error {
		// Membership and sends work inside the open handler (XP).
		h.hub.AddToGroup("room", s.ID())
		h.hub.Send(s.ID(), []byte("welcome"), false)
		return nil
	}
	ts := newTestServer(t, Options{}, h)
	hub := ts.hub
	var cs []*rawClient
	var ids []string
	for i := 0; i < 3; i++ {
		c := connect(t, ts)
		ids = append(ids, h.nextOpen(t).ID())
		c.expectText("welcome")
		cs = append(cs, c)
	}
	if hub.GroupSize("room") != 3 {
		t.Fatalf("size %d", hub.GroupSize("room"))
	}
	members := hub.GroupMembers("room")
	slices.Sort(members)
	want := slices.Clone(ids)
	slices.Sort(want)
	if !slices.Equal(members, want) {
		t.Fatalf("members %v, want %v", members, want)
	}
	if n := hub.SendToGroup("room", []byte("hi all"), false); n != 3 {
		t.Fatalf("SendToGroup = %d", n)
	}
	for _, c := range cs {
		c.expectText("hi all")
	}
	if !hub.Send(ids[1], []byte("direct"), false) {
		t.Fatal("send failed")
	}
	cs[1].expectText("direct")

	if !hub.RemoveFromGroup("room", ids[2]) || hub.RemoveFromGroup("room", ids[2]) {
		t.Fatal("RemoveFromGroup results")
	}
	// Adding a member twice is idempotent: both calls report membership.
	first := hub.AddToGroup("room", ids[0])
	second := hub.AddToGroup("room", ids[0])
	if !first || !second {
		t.Fatal("AddToGroup not idempotent")
	}
	if hub.GroupSize("room") != 2 {
		t.Fatalf("size %d", hub.GroupSize("room"))
	}
	if n := hub.SendToGroup("room", []byte("two"), false); n != 2 {
		t.Fatalf("SendToGroup = %d", n)
	}
	cs[0].expectText("two")
	cs[1].expectText("two")

	if hub.AddToGroup("room", "unknown") || hub.Send("unknown", []byte("x"), false) || hub.RemoveFromGroup("room", "unknown") {
		t.Fatal("unknown id accepted")
	}
	if hub.SendToGroup("nobody", []byte("x"), false) != 0 || hub.GroupSize("nobody") != 0 || hub.GroupMembers("nobody") != nil {
		t.Fatal("unknown group")
	}
	if hub.Send(ids[0], []byte{0xff}, false) {
		t.Fatal("invalid UTF-8 text sent")
	}

	// Server close: client 3 was not in the group, so the next thing it
	// sees is the close frame.
	if !hub.Close(ids[2], 4000, "bye") {
		t.Fatal("close failed")
	}
	cs[2].expectClose(4000)
	ts.waitRemoved(t, ids[2])

	// Membership ends with the session.
	cs[0].closeFrame(1000, "")
	cs[0].expectClose(1000)
	ts.waitRemoved(t, ids[0])
	if got := hub.GroupMembers("room"); !slices.Equal(got, []string{ids[1]}) {
		t.Fatalf("members %v", got)
	}
	if hub.AddToGroup("room", ids[0]) {
		t.Fatal("closed session joined")
	}
	cs[1].closeFrame(1000, "")
	cs[1].expectClose(1000)
	ts.waitRemoved(t, ids[1])
	if hub.GroupSize("room") != 0 || hub.SessionCount() != 0 {
		t.Fatal("group or registry not empty")
	}
	if len(hub.groups) != 0 {
		t.Fatal("empty group kept in the index")
	}
}

func TestSessionIDs(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{NodeID: "n1"}, h)
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		connect(t, ts)
		id := h.nextOpen(t).ID()
		if len(id) != len("n1-")+22 || id[:3] != "n1-" || seen[id] {
			t.Fatalf("id %q", id)
		}
		seen[id] = true
	}
}
