package cluster

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"duplex/test/harness"
	"duplex/test/latency"
)

// TestClusterFanoutBench measures group fan-out across nodes: members
// spread evenly over 3 nodes (embedded NATS, routed), one sender on node 1,
// 8 messages in flight; and the same members on a single node, for
// comparison. It reports deliveries/s and latency percentiles (from the
// client's send to each member's receipt), local and remote members
// apart. It is a measurement, not a check: it runs only when asked.
//
//	DUPLEX_CLUSTER_BENCH=1 go test -run TestClusterFanoutBench -v ./test/cluster/
func TestClusterFanoutBench(t *testing.T) {
	if os.Getenv("DUPLEX_CLUSTER_BENCH") == "" {
		t.Skip("set DUPLEX_CLUSTER_BENCH=1 to measure cross-node fan-out")
	}
	if harness.RaceEnabled {
		t.Log("note: the race detector is on; figures are not representative")
	}
	members := envInt("DUPLEX_CLUSTER_BENCH_MEMBERS", 300)
	messages := envInt("DUPLEX_CLUSTER_BENCH_MESSAGES", 2000)
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("nodes=%d", n), func(t *testing.T) {
			var nodes []*harness.Server
			if n == 1 {
				nodes = []*harness.Server{duplex.Start(t, "--app", harness.App("cluster"))}
			} else {
				nodes = startEmbeddedCluster(t, n)
			}
			r := runFanout(t, nodes, members, messages, 8)
			t.Logf("RESULT nodes=%d members=%d messages=%d deliveries/s=%.0f p50=%v p99=%v local_p99=%v remote_p99=%v",
				n, members, messages, r.rate, r.p50, r.p99, r.localP99, r.remoteP99)
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

type fanoutResult struct {
	rate                          float64
	p50, p99, localP99, remoteP99 time.Duration
}

func runFanout(t *testing.T, nodes []*harness.Server, members, messages, inFlight int) fanoutResult {
	clients := make([]*clusterClient, members)
	for i := range clients {
		clients[i] = joinChat(t, nodes[i%len(nodes)], fmt.Sprintf("m%d", i))
	}
	waitGroupSize(t, nodes, "room", members, 2*harness.Wait)

	base := time.Now()
	done := make([]atomic.Int32, messages)
	window := make(chan struct{}, inFlight)
	finished := make(chan struct{})
	var left atomic.Int32
	left.Store(int32(messages))
	// One histogram per member: its reader is the only writer.
	lat := make([]latency.Histogram, members)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range messages {
				m, err := c.Next(60 * time.Second)
				if err != nil {
					t.Errorf("member %d: %v", i, err)
					return
				}
				seq, sent := fanoutFields(string(m.Payload))
				lat[i].Add(time.Since(base) - time.Duration(sent))
				if done[seq].Add(1) == int32(members) {
					<-window
					if left.Add(-1) == 0 {
						close(finished)
					}
				}
			}
		}()
	}
	start := time.Now()
	sender := clients[0]
	for k := range messages {
		window <- struct{}{}
		sender.SendText(fmt.Sprintf(`{"op":"group","text":"%d","sent":%d}`, k, time.Since(base)))
	}
	select {
	case <-finished:
	case <-time.After(2 * time.Minute):
		t.Fatalf("fan-out did not finish; %d messages outstanding", left.Load())
	}
	elapsed := time.Since(start)
	wg.Wait()

	var all, local, remote latency.Histogram
	for i := range lat {
		all.Merge(&lat[i])
		if i%len(nodes) == 0 {
			local.Merge(&lat[i])
		} else {
			remote.Merge(&lat[i])
		}
	}
	return fanoutResult{
		rate:      float64(messages*members) / elapsed.Seconds(),
		p50:       all.Quantile(0.50),
		p99:       all.Quantile(0.99),
		localP99:  local.Quantile(0.99),
		remoteP99: remote.Quantile(0.99),
	}
}

// fanoutFields takes the sequence number and send time out of a chat
// message without a JSON decoder, to leave the CPU to the servers.
func fanoutFields(msg string) (seq int, sent int64) {
	field := func(name string) string {
		i := strings.Index(msg, `"`+name+`":`)
		if i < 0 {
			return ""
		}
		rest := strings.TrimPrefix(msg[i+len(name)+3:], `"`)
		return rest[:strings.IndexAny(rest, `",}`)]
	}
	seq, _ = strconv.Atoi(field("text"))
	sent, _ = strconv.ParseInt(field("sent"), 10, 64)
	return seq, sent
}
