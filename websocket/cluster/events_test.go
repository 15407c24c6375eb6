package cluster

import (
	"strings"
	"testing"
	"time"

	"duplex/websocket"
)

// An application event published on one node reaches the hub of every
// other node once, and not its own (that node delivers its own events);
// one past the message size limit is dropped as malformed.
func TestClusterEvents(t *testing.T) {
	nodes := startTestCluster(t, 3, 2*time.Second)
	got := make([]chan string, len(nodes))
	for i, n := range nodes {
		ch := make(chan string, 8)
		got[i] = ch
		n.ts.hub.OnEvent(func(data []byte) { ch <- string(data) })
	}
	eventually(t, waitFor, "every node counts 3 in room", sizesAre(nodes, "room", 3))

	nodes[0].ts.hub.PublishEvent([]byte(`{"n":1}`))
	for i := 1; i < len(nodes); i++ {
		select {
		case ev := <-got[i]:
			if ev != `{"n":1}` {
				t.Fatalf("node %d got %q", i+1, ev)
			}
		case <-time.After(waitFor):
			t.Fatalf("node %d did not get the event", i+1)
		}
	}
	// A second event behind an oversized one: the marker arrives next on
	// every other node, so the oversized one was dropped and nothing was
	// delivered twice; node 1 heard none of its own.
	huge := strings.Repeat("x", int(nodes[0].ts.hub.MaxEvent())+1)
	nodes[0].ts.hub.PublishEvent([]byte(huge))
	nodes[0].ts.hub.PublishEvent([]byte("marker"))
	for i := 1; i < len(nodes); i++ {
		if ev := <-got[i]; ev != "marker" {
			t.Fatalf("node %d got %d bytes, want the marker", i+1, len(ev))
		}
		if n := nodes[i].ts.hub.Stats().Dropped[websocket.DropClusterInvalid]; n != 1 {
			t.Fatalf("node %d counted %d malformed, want 1", i+1, n)
		}
	}
	select {
	case ev := <-got[0]:
		t.Fatalf("node 1 heard its own event %q", ev)
	default:
	}
}

// A hub's node-only view (what a listener of a distributed event acts
// through) reaches this node's members and sessions only, and counts them
// only; the hub itself spans the cluster.
func TestClusterThisNode(t *testing.T) {
	nodes := startTestCluster(t, 2, 2*time.Second)
	eventually(t, waitFor, "every node counts 2 in room", sizesAre(nodes, "room", 2))
	here := nodes[0].ts.hub.ThisNode()
	if n := here.GroupSize("room"); n != 1 {
		t.Fatalf("node-only size %d, want 1", n)
	}
	if m := here.GroupMembers("room"); len(m) != 1 || m[0] != nodes[0].id {
		t.Fatalf("node-only members %v, want [%s]", m, nodes[0].id)
	}
	if here.SendToGroup("room", []byte("local"), false) != 1 {
		t.Fatal("node-only group send did not reach the local member")
	}
	if here.SendFrom(nil, nodes[1].id, []byte("remote"), false) {
		t.Fatal("node-only send to another node's session was published")
	}
	if here.AddToGroup("side", nodes[1].id) || here.Close(nodes[1].id, 4000, "") {
		t.Fatal("node-only view acted on another node's session")
	}
	// The hub itself still spans the cluster: the marker is the first
	// thing node 2's client hears, node 1's heard "local" before it.
	nodes[0].ts.hub.SendToGroup("room", []byte("marker"), false)
	nodes[0].c.expectText("local")
	nodes[0].c.expectText("marker")
	nodes[1].c.expectText("marker")
	if !here.AddToGroup("side", nodes[0].id) || here.GroupSize("side") != 1 {
		t.Fatal("node-only view did not add its own session")
	}
}
