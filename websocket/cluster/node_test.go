package cluster

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"duplex/websocket"
	"duplex/websocket/frame"
)

// testNode is one node of a test cluster: a hub on its own listener, one
// client connected to it, and its endpoint on the bus.
type testNode struct {
	ts *testServer
	ep *memEndpoint
	c  *testClient
	id string
}

// startTestCluster starts n hubs of one application on a memBus; each gets
// one client, which joins "room" when it opens.
func startTestCluster(t *testing.T, n int, ttl time.Duration) []*testNode {
	t.Helper()
	bus := &memBus{}
	nodes := make([]*testNode, n)
	for i := range nodes {
		ep := bus.endpoint()
		ts := newTestServer(t, websocket.Options{NodeID: fmt.Sprintf("n%d", i+1), Cluster: New(Options{Transport: ep, App: "chat", TTL: ttl})})
		c := connect(t, ts)
		nodes[i] = &testNode{ts: ts, ep: ep, c: c, id: ts.nextOpen(t)}
	}
	return nodes
}

// eventually polls cond: cluster state converges asynchronously.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sizesAre(nodes []*testNode, group string, want int) func() bool {
	return func() bool {
		for _, n := range nodes {
			if n.ts.hub.GroupSize(group) != want {
				return false
			}
		}
		return true
	}
}

func TestClusterGroupsAcrossNodes(t *testing.T) {
	nodes := startTestCluster(t, 3, 2*time.Second)
	eventually(t, waitFor, "every node counts 3 in room", sizesAre(nodes, "room", 3))
	var ids []string
	for _, n := range nodes {
		ids = append(ids, n.id)
	}
	slices.Sort(ids)
	for i, n := range nodes {
		got := n.ts.hub.GroupMembers("room")
		slices.Sort(got)
		if !slices.Equal(got, ids) {
			t.Fatalf("node %d members %v, want %v", i+1, got, ids)
		}
		if st := n.ts.hub.Stats(); st.Nodes != 3 {
			t.Fatalf("node %d sees %d nodes", i+1, st.Nodes)
		}
	}

	// A message from any node reaches every member once: the marker sent
	// after it on the same path comes next, so no copy is in between.
	for i, from := range nodes {
		msg := fmt.Sprintf("hello from %d", i+1)
		if got := from.ts.hub.SendToGroup("room", []byte(msg), false); got != 1 {
			t.Fatalf("SendToGroup queued %d locally, want 1", got)
		}
		from.ts.hub.SendToGroup("room", []byte("marker"), false)
		for _, n := range nodes {
			n.c.expectText(msg)
			n.c.expectText("marker")
		}
	}

	// Direct send and membership by ids of other nodes.
	if !nodes[1].ts.hub.Send(nodes[0].id, []byte("direct"), false) {
		t.Fatal("send to another node's id not published")
	}
	nodes[0].c.expectText("direct")
	if nodes[1].ts.hub.Send("n9-nobody", []byte{0xff}, false) {
		t.Fatal("invalid UTF-8 published")
	}
	if !nodes[2].ts.hub.AddToGroup("side", nodes[0].id) {
		t.Fatal("add of another node's id not published")
	}
	eventually(t, waitFor, "side has 1 member everywhere", sizesAre(nodes, "side", 1))
	if got := nodes[1].ts.hub.GroupMembers("side"); !slices.Equal(got, []string{nodes[0].id}) {
		t.Fatalf("side members %v", got)
	}
	nodes[1].ts.hub.RemoveFromGroup("side", nodes[0].id)
	eventually(t, waitFor, "side empty everywhere", sizesAre(nodes, "side", 0))

	// Close by id from another node; the session leaves the counts.
	if !nodes[0].ts.hub.Close(nodes[2].id, 4000, "bye") {
		t.Fatal("close of another node's id not published")
	}
	nodes[2].c.expectClose(4000)
	eventually(t, waitFor, "room has 2 after the close", sizesAre(nodes, "room", 2))
}

// A node cut off without a word (as by kill -9) leaves the others' counts
// within the TTL; back on the link, it resynchronizes both ways. What it
// published meanwhile is counted as dropped, and its own members were
// served all along.
func TestClusterNodeLostAndBack(t *testing.T) {
	const ttl = time.Second
	nodes := startTestCluster(t, 3, ttl)
	eventually(t, waitFor, "every node counts 3", sizesAre(nodes, "room", 3))

	lost := nodes[2]
	cut := time.Now()
	lost.ep.setUp(false)
	eventually(t, waitFor, "the others count 2", sizesAre(nodes[:2], "room", 2))
	if took := time.Since(cut); took > ttl+ttl/2 {
		t.Fatalf("dropped after %v, TTL %v", took, ttl)
	}
	eventually(t, waitFor, "the lost node counts itself alone", sizesAre(nodes[2:], "room", 1))

	// Cut off, it still serves its own members.
	lost.ts.hub.SendToGroup("room", []byte("local only"), false)
	lost.c.expectText("local only")
	if d := lost.ts.hub.Stats().Dropped[websocket.DropCluster]; d < 1 {
		t.Fatalf("dropped[cluster] = %d", d)
	}
	// A membership change while cut off reaches the others after the
	// reconnection, through the snapshot.
	lost.ts.hub.AddToGroup("late", lost.id)

	lost.ep.setUp(true)
	eventually(t, waitFor, "every node counts 3 again", sizesAre(nodes, "room", 3))
	eventually(t, waitFor, "late has 1 everywhere", sizesAre(nodes, "late", 1))
	nodes[0].ts.hub.SendToGroup("room", []byte("together"), false)
	for _, n := range nodes {
		n.c.expectText("together")
	}
	if lines := lost.ts.logs.Lines("link back"); len(lines) != 1 {
		t.Fatalf("link-back log lines: %q", lines)
	}
}

// A node that shuts down says bye: the others forget it at once, not after
// the TTL.
func TestClusterShutdownSaysBye(t *testing.T) {
	nodes := startTestCluster(t, 2, time.Hour)
	eventually(t, waitFor, "both count 2", sizesAre(nodes, "room", 2))
	if err := nodes[1].ts.hub.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the other forgets the node", func() bool { return nodes[0].ts.hub.Stats().Nodes == 1 })
	if n := nodes[0].ts.hub.GroupSize("room"); n != 1 {
		t.Fatalf("room %d after bye", n)
	}
}

// Messages no duplex node sends — a raw stream instead of one frame, a
// masked or control frame, a length that lies, text that is not UTF-8, a
// frame past the size limit — are dropped before they reach a socket, and
// counted; the members get the next good message, their stream intact.
func TestClusterDropsMalformedFrames(t *testing.T) {
	nodes := startTestCluster(t, 1, 2*time.Second)
	n := nodes[0]
	rogue := n.ep.bus.endpoint()
	subj := newSubjects("chat")
	big := frame.New(ws.OpBinary, make([]byte, websocket.DefaultOptions().MaxMessage+1))
	bad := [][]byte{
		[]byte("HTTP/1.1 200 OK\r\n\r\n"),
		append(frame.New(ws.OpText, []byte("a")), frame.New(ws.OpText, []byte("b"))...),
		frame.New(ws.OpClose, nil),
		frame.New(ws.OpPing, []byte("p")),
		{0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'}, // masked
		{0x81, 0x05, 'h', 'i'},                            // says 5, has 2
		{0xc1, 0x01, 'x'},                                 // RSV1
		{0x01, 0x01, 'x'},                                 // not final
		frame.New(ws.OpText, []byte{0xff, 0xfe}),
		{0x82, 126, 0, 5, 1, 2, 3, 4, 5}, // a long header for a short length
		big,
	}
	for _, f := range bad {
		if err := rogue.Publish(subj.groups+token("room"), f); err != nil {
			t.Fatal(err)
		}
	}
	raw := []byte("raw bytes")
	cmd := append(wire{cmdSend}.str(n.id).uint(uint64(len(raw))), raw...)
	if err := rogue.Publish(subj.nodes+"n1", cmd); err != nil {
		t.Fatal(err)
	}
	if err := rogue.Publish(subj.groups+token("room"), frame.New(ws.OpText, []byte("good"))); err != nil {
		t.Fatal(err)
	}
	n.c.expectText("good")
	eventually(t, waitFor, "the malformed messages counted", func() bool {
		return n.ts.hub.Stats().Dropped[websocket.DropClusterInvalid] == int64(len(bad)+1)
	})
}
