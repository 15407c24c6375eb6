package cluster

import (
	"slices"
	"testing"
	"time"
)

func TestClusterStateMerge(t *testing.T) {
	t0 := time.Unix(1000, 0)
	st := newRemoteState(time.Second)
	members := func(g string) []string {
		ids := st.appendMembers(g, nil)
		slices.Sort(ids)
		return ids
	}

	// A node whose first change we see from the start needs no snapshot.
	if st.delta("b", 1, 1, true, "room", "b-1", t0) {
		t.Fatal("first delta asked for a snapshot")
	}
	if st.delta("b", 1, 2, true, "room", "b-2", t0) || st.size("room") != 2 {
		t.Fatalf("in-order delta: size %d", st.size("room"))
	}
	// A replayed delta changes nothing.
	if st.delta("b", 1, 1, false, "room", "b-1", t0) || st.size("room") != 2 {
		t.Fatal("old delta applied")
	}
	// A gap: applied as a best guess, and the snapshot is asked for, once
	// per resync gap.
	if !st.delta("b", 1, 5, false, "room", "b-2", t0) {
		t.Fatal("gap not noticed")
	}
	if st.delta("b", 1, 6, true, "room", "b-6", t0.Add(time.Millisecond)) {
		t.Fatal("asked again within the resync gap")
	}
	if got := members("room"); !slices.Equal(got, []string{"b-1", "b-6"}) {
		t.Fatalf("best guess %v", got)
	}
	// The snapshot at seq 6, in two chunks, replaces the guess.
	if st.chunk("b", 1, 6, 0, false, map[string][]string{"room": {"b-1", "b-3"}}, t0) {
		t.Fatal("first chunk")
	}
	if st.chunk("b", 1, 6, 1, true, map[string][]string{"room": {"b-6"}, "other": {"b-1"}}, t0) {
		t.Fatal("last chunk")
	}
	if got := members("room"); !slices.Equal(got, []string{"b-1", "b-3", "b-6"}) {
		t.Fatalf("after snapshot %v", got)
	}
	if st.size("other") != 1 {
		t.Fatal("second group of the snapshot")
	}
	// In sync again: the next delta applies in order.
	if st.delta("b", 1, 7, false, "other", "b-1", t0) || st.size("other") != 0 {
		t.Fatal("delta after snapshot")
	}
	// A heartbeat ahead of what we applied means a lost delta.
	if !st.beat("b", 1, 9, t0.Add(2*time.Second)) {
		t.Fatal("heartbeat ahead not noticed")
	}
	if st.beat("b", 1, 7, t0.Add(4*time.Second)) {
		t.Fatal("heartbeat at our seq asked for a snapshot")
	}
	// A missing chunk discards the snapshot and asks again.
	if !st.chunk("b", 1, 9, 1, true, map[string][]string{"room": {"x"}}, t0.Add(5*time.Second)) {
		t.Fatal("missing chunk not noticed")
	}
	if st.size("room") != 3 {
		t.Fatal("incomplete snapshot applied")
	}

	// A second node adds to the counts; a hello at seq 0 is an empty state.
	if st.beat("c", 7, 0, t0.Add(6*time.Second)) {
		t.Fatal("hello of a new node asked for a snapshot")
	}
	if st.delta("c", 7, 1, true, "room", "c-1", t0.Add(6*time.Second)) || st.size("room") != 4 || st.count() != 2 {
		t.Fatalf("two nodes: size %d count %d", st.size("room"), st.count())
	}
	// An older incarnation is ignored; a newer one starts over.
	if st.delta("c", 6, 2, true, "room", "c-old", t0.Add(6*time.Second)) || st.size("room") != 4 {
		t.Fatal("old incarnation applied")
	}
	if !st.delta("c", 8, 3, true, "room", "c-new", t0.Add(6*time.Second)) {
		t.Fatal("restarted node mid-stream: snapshot not asked for")
	}
	if got := members("room"); !slices.Equal(got, []string{"b-1", "b-3", "b-6", "c-new"}) {
		t.Fatalf("after restart %v", got)
	}

	// Silence drops a node; bye drops it at once.
	gone := st.expire(t0.Add(5500 * time.Millisecond))
	if !slices.Equal(gone, []string{"b"}) || st.size("room") != 1 {
		t.Fatalf("expire: gone %v size %d", gone, st.size("room"))
	}
	st.forget("c")
	if st.size("room") != 0 || st.count() != 0 || st.appendMembers("room", nil) != nil {
		t.Fatal("forget")
	}
}

func TestClusterWire(t *testing.T) {
	for _, name := range []string{"", "room", "a.b", "*", ">", "with space", "ünï", "="} {
		tok := token(name)
		for _, bad := range []string{".", "*", ">", " "} {
			if len(tok) == 0 || containsAny(tok, bad) {
				t.Fatalf("token(%q) = %q: not a subject token", name, tok)
			}
		}
		if got, ok := untoken(tok); !ok || got != name {
			t.Fatalf("untoken(token(%q)) = %q, %v", name, got, ok)
		}
	}
	if nodeOf("n1-abc-def") != "n1" || nodeOf("nodash") != "" {
		t.Fatal("nodeOf")
	}
	for id, ok := range map[string]bool{"n1": true, "A_b9": true, "": false, "a-b": false, "a.b": false, "a*": false} {
		if ValidNodeID(id) != ok {
			t.Fatalf("ValidNodeID(%q) != %v", id, ok)
		}
	}
	msg := stateHeader{msgJoin, "n1", 42, 7}.append(nil).str("room").str("n1-x")
	r := reader{b: msg}
	h := readStateHeader(&r)
	if g, id := r.str(), r.str(); r.err != nil || h != (stateHeader{msgJoin, "n1", 42, 7}) || g != "room" || id != "n1-x" {
		t.Fatalf("round trip: %+v %q %q %v", h, g, id, r.err)
	}
	for i := range msg {
		r := reader{b: msg[:i]}
		readStateHeader(&r)
		r.str()
		r.str()
		if r.err == nil {
			t.Fatalf("truncated message of %d bytes accepted", i)
		}
	}
}

func containsAny(s, chars string) bool {
	for _, c := range chars {
		for _, d := range s {
			if c == d {
				return true
			}
		}
	}
	return false
}
