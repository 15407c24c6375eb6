package cluster

// Helpers for the cluster tests: duplex nodes joined over NATS, a client
// per node in the "cluster" test app, and each node's view of a group.

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"duplex/test/harness"
)

// clusterTTL is short so that a dead node leaves the counts quickly.
const clusterTTL = 2 * time.Second

// startEmbeddedCluster starts n duplex nodes that each embed a NATS server
// routed to the others', as README's "Run a cluster" does. Nodes are
// named node1..nodeN; mayDie lists those a test kills.
func startEmbeddedCluster(t *testing.T, n int, mayDie ...int) []*harness.Server {
	t.Helper()
	return startEmbeddedClusterEnv(t, n, nil, mayDie...)
}

// startEmbeddedClusterEnv is startEmbeddedCluster with env added to every
// node's environment (the cluster secret).
func startEmbeddedClusterEnv(t *testing.T, n int, env []string, mayDie ...int) []*harness.Server {
	t.Helper()
	return startEmbeddedClusterApp(t, n, "cluster", env, mayDie...)
}

// startEmbeddedClusterApp is startEmbeddedClusterEnv serving the test
// application app.
func startEmbeddedClusterApp(t *testing.T, n int, app string, env []string, mayDie ...int) []*harness.Server {
	t.Helper()
	return duplex.StartCluster(t, harness.ClusterOpts{Nodes: n, Args: []string{"--app", harness.App(app)}, Env: env, TTL: clusterTTL, MayDie: mayDie})
}

// natsServer runs a NATS server in the test process on a fixed loopback
// port, so that it can be stopped and started again where the nodes
// expect it.
func natsServer(t testing.TB, port int) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatalf("NATS server on port %d not ready", port)
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// groupState is a node's answer to getGroupSize and getGroupMembers.
type groupState struct {
	Size    int      `json:"size"`
	Members []string `json:"members"`
}

func nodeGroup(t testing.TB, s *harness.Server, group string) groupState {
	t.Helper()
	r := harness.Get(t, s.URL+"/_/service/cluster/state?group="+url.QueryEscape(group))
	harness.WantStatus(t, r, 200, "state")
	var g groupState
	if err := json.Unmarshal([]byte(r.Body), &g); err != nil {
		t.Fatalf("state body %q: %v", r.Body, err)
	}
	slices.Sort(g.Members)
	return g
}

// waitGroupSize polls every node until each reports want members of group
// (the state converges asynchronously) and returns how long it took.
func waitGroupSize(t testing.TB, nodes []*harness.Server, group string, want int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok := true
		var seen []int
		for _, s := range nodes {
			n := nodeGroup(t, s, group).Size
			seen = append(seen, n)
			ok = ok && n == want
		}
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("group %q sizes %v after %v, want %d on every node", group, seen, within, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clusterClient is a chat client on one node.
type clusterClient struct {
	*harness.WS
	id string
}

func joinChat(t testing.TB, s *harness.Server, name string) *clusterClient {
	t.Helper()
	c := harness.DialWS(t, s, "/_/service/cluster/chat?name="+name, harness.WSOpts{})
	m := c.ReadJSON()
	if m["type"] != "welcome" {
		t.Fatalf("%s: first message %v, want welcome", name, m)
	}
	return &clusterClient{WS: c, id: m["id"].(string)}
}

func (c *clusterClient) command(m map[string]any) {
	c.T.Helper()
	b, _ := json.Marshal(m)
	c.SendText(string(b))
}

// expect reads the next message and checks its type and text.
func (c *clusterClient) expect(typ, text string) map[string]any {
	c.T.Helper()
	m := c.ReadJSON()
	if m["type"] != typ || m["text"] != text {
		c.T.Fatalf("%s: got %v, want %s %q", c.Name, m, typ, text)
	}
	return m
}
