package cluster

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// TestClusterChat: three nodes with embedded NATS servers routed to each
// other, started as README's "Run a cluster" says, and a client on each in
// one group. A message from any of them reaches all three exactly once;
// send, close and membership work with ids of other nodes; every node
// counts and lists the whole group; a node killed with SIGKILL leaves the
// others' counts within the TTL.
func TestClusterChat(t *testing.T) {
	nodes := startEmbeddedCluster(t, 3, 2)
	var clients []*clusterClient
	var ids []string
	for i, s := range nodes {
		c := joinChat(t, s, fmt.Sprintf("c%d", i+1))
		clients = append(clients, c)
		ids = append(ids, c.id)
		if !strings.HasPrefix(c.id, fmt.Sprintf("node%d-", i+1)) {
			t.Fatalf("session id %q does not carry its node", c.id)
		}
	}
	slices.Sort(ids)
	waitGroupSize(t, nodes, "room", 3, harness.Wait)
	for i, s := range nodes {
		if g := nodeGroup(t, s, "room"); !slices.Equal(g.Members, ids) {
			t.Fatalf("node %d lists %v, want %v", i+1, g.Members, ids)
		}
	}

	// Exactly once: a marker sent after each message by the same client
	// travels the same path, so a duplicate would come before it.
	for i, from := range clients {
		text := fmt.Sprintf("hello from c%d", i+1)
		from.command(map[string]any{"op": "group", "text": text})
		from.command(map[string]any{"op": "group", "text": "marker"})
		for _, c := range clients {
			c.expect("group", text)
			c.expect("group", "marker")
		}
	}

	// send(id) to a session of another node.
	clients[0].command(map[string]any{"op": "send", "to": clients[2].id, "text": "psst"})
	clients[2].expect("direct", "psst")

	// addToGroup / removeFromGroup with an id of another node.
	clients[0].command(map[string]any{"op": "add", "group": "side", "to": clients[1].id})
	waitGroupSize(t, nodes, "side", 1, harness.Wait)
	clients[2].command(map[string]any{"op": "group", "group": "side", "text": "side talk"})
	clients[1].expect("group", "side talk")
	clients[2].command(map[string]any{"op": "remove", "group": "side", "to": clients[1].id})
	waitGroupSize(t, nodes, "side", 0, harness.Wait)

	// kill -9 of node 3: nodes 1 and 2 count 2 within the TTL.
	if err := nodes[2].Kill(); err != nil {
		t.Fatal(err)
	}
	took := waitGroupSize(t, nodes[:2], "room", 2, clusterTTL+harness.Wait)
	t.Logf("killed node dropped after %v (TTL %v)", took, clusterTTL)
	// Sweeps run every TTL/16 on a busy (race-instrumented) machine; allow
	// a little scheduling slack beyond the TTL.
	if took > clusterTTL+clusterTTL/2 {
		t.Fatalf("killed node still counted after %v, TTL %v", took, clusterTTL)
	}
	for _, s := range nodes[:2] {
		if g := nodeGroup(t, s, "room"); slices.Contains(g.Members, clients[2].id) {
			t.Fatalf("killed node's session still listed: %v", g.Members)
		}
	}
	clients[1].command(map[string]any{"op": "group", "text": "two left"})
	clients[0].expect("group", "two left")
	clients[1].expect("group", "two left")

	// close(id) of a session on another node.
	clients[0].command(map[string]any{"op": "close", "to": clients[1].id, "code": 4001, "reason": "bye"})
	clients[1].ExpectClose(4001, harness.Wait, false)
	waitGroupSize(t, nodes[:2], "room", 1, harness.Wait)
}

// TestClusterNATSRestart: two nodes on an external NATS server, which is
// stopped and started again on the same port. Meanwhile each node serves
// its own members; what was sent for the other node is lost (at most once,
// never delivered late) and counted; then the links come back, the state
// resynchronizes and traffic resumes.
func TestClusterNATSRestart(t *testing.T) {
	ports := harness.FreePorts(t, 1)
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", ports[0])
	ns := natsServer(t, ports[0])
	var nodes []*harness.Server
	for i := range 2 {
		nodes = append(nodes, duplex.Start(t, "--app", harness.App("cluster"), "--nats", natsURL,
			"--cluster-ttl", clusterTTL.String(), "--node-id", fmt.Sprintf("n%d", i+1), "--metrics-addr", "127.0.0.1:0"))
	}
	metrics := harness.MetricsURL(t, nodes[0])
	a, b := joinChat(t, nodes[0], "a"), joinChat(t, nodes[1], "b")
	waitGroupSize(t, nodes, "room", 2, harness.Wait)
	a.command(map[string]any{"op": "group", "text": "before"})
	a.expect("group", "before")
	b.expect("group", "before")

	ns.Shutdown()
	ns.WaitForShutdown()
	linkLost := func(e harness.LogEntry) bool { return strings.Contains(e.Message(), "NATS link lost") }
	for _, s := range nodes {
		s.WaitLog(t, linkLost, harness.Wait)
	}
	a.command(map[string]any{"op": "group", "text": "during"})
	a.expect("group", "during") // local members are still served
	harness.WaitMetric(t, metrics, `duplex_ws_dropped_total{app="cluster",reason="cluster"}`, func(v int64) bool { return v >= 1 }, ">= 1")

	natsServer(t, ports[0])
	linkBack := func(e harness.LogEntry) bool { return strings.Contains(e.Message(), "NATS link back") }
	for _, s := range nodes {
		s.WaitLog(t, linkBack, harness.Wait)
	}
	nodes[0].WaitLog(t, func(e harness.LogEntry) bool { return strings.Contains(e.Message(), "were lost") }, harness.Wait)
	waitGroupSize(t, nodes, "room", 2, harness.Wait)

	// The other node's subscriptions come back with its link; until the
	// server has them a message may still be lost, so send until one
	// arrives. The message from the outage never does.
	deadline := time.Now().Add(harness.Wait)
	for k := 0; ; k++ {
		a.command(map[string]any{"op": "group", "text": fmt.Sprintf("after %d", k)})
		a.expect("group", fmt.Sprintf("after %d", k))
		m, err := b.Next(200 * time.Millisecond)
		if err == nil {
			text := string(m.Payload)
			if !strings.Contains(text, `"after `) {
				t.Fatalf("b got %s after the outage, want an 'after' message", text)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message crossed nodes within %v of NATS coming back: %v", harness.Wait, err)
		}
	}
	b.command(map[string]any{"op": "send", "to": a.id, "text": "back"})
	a.expect("direct", "back")
}
