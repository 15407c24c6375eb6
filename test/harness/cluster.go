package harness

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// ClusterOpts says how to start a cluster of duplex nodes.
type ClusterOpts struct {
	Nodes int
	Args  []string // more arguments for every node (--app ...)
	Env   []string // more environment for every node (the cluster secret)
	TTL   time.Duration
	// MayDie lists the nodes (0-based) a test kills: they are not checked
	// for a clean exit.
	MayDie []int
}

// StartCluster starts o.Nodes duplex nodes that each embed a NATS server
// routed to the others', as README's "Run a cluster" does. Nodes are
// named node1..nodeN.
func (b *Binary) StartCluster(t testing.TB, o ClusterOpts) []*Server {
	t.Helper()
	ports := FreePorts(t, o.Nodes)
	nodes := make([]*Server, o.Nodes)
	for i := range o.Nodes {
		var routes []string
		for j, p := range ports {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
			}
		}
		args := append([]string{"--node-id", fmt.Sprintf("node%d", i+1),
			"--nats-embed", "--nats-listen", fmt.Sprintf("127.0.0.1:%d", ports[i]),
			"--nats-routes", strings.Join(routes, ",")}, o.Args...)
		if o.TTL > 0 {
			args = append(args, "--cluster-ttl", o.TTL.String())
		}
		nodes[i] = b.StartOpts(t, Opts{Args: args, Env: o.Env, NoCheck: slices.Contains(o.MayDie, i)})
	}
	return nodes
}
