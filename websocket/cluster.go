package websocket

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Transport is the publish/subscribe link between the nodes of a cluster:
// NATS in duplex (package cluster), an in-memory bus in tests. Subjects
// follow NATS: dot-separated tokens, '*' matching one token in a
// subscription. What the hubs rely on:
//   - messages of one publisher on one subject arrive in order, or not at
//     all (delivery is at most once);
//   - a node never receives its own publications (NATS: NoEcho);
//   - Publish fails rather than queue while the link is down, so what is
//     lost is known and counted;
//   - subscriptions survive a reconnection.
type Transport interface {
	Publish(subject string, data []byte) error
	// Subscribe calls handle for each message, one at a time per
	// subscription; handle may keep data.
	Subscribe(subject string, handle func(subject string, data []byte)) (unsubscribe func(), err error)
	// Watch calls fn(false) when the link goes down and fn(true) when it
	// is up again.
	Watch(fn func(up bool)) (stop func())
}

// ClusterOptions joins a hub to the hubs of the same application on other
// nodes. The hub's Options.NodeID names this node (see ValidNodeID).
type ClusterOptions struct {
	Transport Transport
	// App scopes subjects: applications never see each other's groups.
	App string
	// TTL is how soon a node that stopped without a word (kill -9, lost
	// link) leaves every count; default 10s. Heartbeats go every TTL/4 and
	// a node that misses three is dropped.
	TTL time.Duration
}

// DefaultClusterTTL is ClusterOptions.TTL when left zero.
const DefaultClusterTTL = 10 * time.Second

// snapshotChunk bounds one snapshot message, well under NATS's default
// max_payload of 1 MiB.
const snapshotChunk = 256 << 10

// clusterNode is a hub's membership in a cluster. It is the hub's Broker:
// a group message is fanned out locally and published once for the other
// nodes, whose clusterNode fans it out to their members. It also carries
// commands for sessions of other nodes, and keeps remoteState current
// from the membership deltas, heartbeats and snapshots of the others.
type clusterNode struct {
	hub     *Hub
	t       Transport
	node    string
	epoch   uint64
	subj    subjects
	ttl     time.Duration
	silence time.Duration // a node silent this long is dropped
	log     zerolog.Logger
	remote  *remoteState

	// mu orders this node's state messages: seq is bumped and the message
	// published under it, so seq order is publication order.
	mu  sync.Mutex
	seq uint64

	fullReq chan struct{} // a snapshot was asked for (coalesced)
	linkUp  chan struct{} // the link came back: say hello again
	done    chan struct{}
	wg      sync.WaitGroup
	stopped sync.Once
	unsubs  []func()
	unwatch func()

	down    atomic.Bool
	lost    atomic.Int64 // messages not published in the current outage
	lastLog atomic.Int64 // unix ns of the last publish-failure log line
	clash   atomic.Bool  // another process uses our node id (logged once)
	// invalidLogged is when a malformed message was last logged (unix nanos).
	invalidLogged atomic.Int64
}

func newClusterNode(h *Hub, o ClusterOptions) *clusterNode {
	ttl := o.TTL
	if ttl <= 0 {
		ttl = DefaultClusterTTL
	}
	c := &clusterNode{
		hub:     h,
		t:       o.Transport,
		node:    h.opts.NodeID,
		epoch:   uint64(time.Now().UnixNano()),
		subj:    newSubjects(o.App),
		ttl:     ttl,
		silence: ttl * 3 / 4,
		log:     h.log.With().Str("node", h.opts.NodeID).Logger(),
		remote:  newRemoteState(ttl / 10),
		fullReq: make(chan struct{}, 1),
		linkUp:  make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	subs := []struct {
		subject string
		handle  func(string, []byte)
	}{
		{c.subj.groups + "*", c.onGroup},
		{c.subj.state, c.onState},
		{c.subj.nodes + c.node, c.onCommand},
	}
	for _, s := range subs {
		unsub, err := c.t.Subscribe(s.subject, s.handle)
		if err != nil {
			c.log.Error().Err(err).Str("subject", s.subject).Msg("cluster: cannot subscribe; this node will miss messages of other nodes")
			continue
		}
		c.unsubs = append(c.unsubs, unsub)
	}
	c.unwatch = c.t.Watch(c.onLink)
	c.wg.Add(1)
	go c.run()
	c.linkUp <- struct{}{} // hello
	return c
}

// run sends heartbeats, drops silent nodes and publishes the snapshots
// asked for, on one goroutine so that none of it blocks a caller.
func (c *clusterNode) run() {
	defer c.wg.Done()
	// Sweeping 16 times per TTL drops a dead node within silence+TTL/16 of
	// its last heartbeat, under TTL from its death.
	tick := time.NewTicker(c.ttl / 16)
	defer tick.Stop()
	for n := 0; ; {
		select {
		case <-c.done:
			return
		case <-c.linkUp:
			c.beat(msgHello)
			c.publishSnapshot()
		case <-c.fullReq:
			c.publishSnapshot()
		case now := <-tick.C:
			if n++; n%4 == 0 {
				c.beat(msgBeat)
			}
			for _, gone := range c.remote.expire(now.Add(-c.silence)) {
				c.log.Warn().Str("peer", gone).Dur("silent", c.silence).Msg("cluster: node silent, dropped with its sessions from groups")
			}
		}
	}
}

// stop says goodbye, so the others forget this node at once rather than
// after the TTL. It runs after the hub's sessions are gone.
func (c *clusterNode) stop() {
	c.stopped.Do(func() {
		c.unwatch()
		close(c.done)
		c.wg.Wait()
		for _, u := range c.unsubs {
			u()
		}
		c.mu.Lock()
		c.publish(c.subj.state, stateHeader{msgBye, c.node, c.epoch, c.seq}.append(nil))
		c.mu.Unlock()
	})
}

func (c *clusterNode) onLink(up bool) {
	if !up {
		c.down.Store(true)
		return
	}
	c.down.Store(false)
	if n := c.lost.Swap(0); n > 0 {
		c.log.Warn().Int64("lost", n).Msg("cluster: link back; messages for other nodes published while it was down were lost")
	}
	select {
	case c.linkUp <- struct{}{}:
	default:
	}
}

// publish sends, or counts what could not be sent under the "cluster" drop
// reason. While the link is down that is expected (the link logged the
// outage, and onLink logs the total); otherwise it is logged, at most once
// a minute.
func (c *clusterNode) publish(subject string, data []byte) bool {
	err := c.t.Publish(subject, data)
	if err == nil {
		return true
	}
	c.hub.stats.drop(DropCluster, 1)
	c.lost.Add(1)
	if !c.down.Load() {
		now := time.Now().UnixNano()
		if last := c.lastLog.Load(); now-last > int64(time.Minute) && c.lastLog.CompareAndSwap(last, now) {
			c.log.Warn().Err(err).Int("bytes", len(data)).Msg("cluster: message for other nodes not published (counted in duplex_ws_dropped_total{reason=\"cluster\"})")
		}
	}
	return false
}

// Publish implements Broker: local members now, other nodes through one
// message carrying the frame as it is.
func (c *clusterNode) Publish(group string, frame []byte) int {
	n := c.hub.FanoutLocal(group, frame)
	c.publish(c.subj.groups+token(group), frame)
	return n
}

// remoteID reports whether id belongs to a session of another node.
func (c *clusterNode) remoteID(id string) bool {
	n := nodeOf(id)
	return n != "" && n != c.node
}

// command publishes to the node of id (or to node itself).
func (c *clusterNode) command(node string, msg []byte) bool {
	return c.publish(c.subj.nodes+node, msg)
}

func (c *clusterNode) send(id string, frame []byte) bool {
	return c.command(nodeOf(id), append(wire{cmdSend}.str(id).uint(uint64(len(frame))), frame...))
}

func (c *clusterNode) close(id string, code int, reason string) bool {
	return c.command(nodeOf(id), wire{cmdClose}.str(id).uint(uint64(code)).str(reason))
}

func (c *clusterNode) member(join bool, group, id string) bool {
	kind := cmdRemove
	if join {
		kind = cmdAdd
	}
	return c.command(nodeOf(id), wire{kind}.str(group).str(id))
}

// changed publishes a local membership change. The hub calls it under its
// group lock, so deltas go out in the order the changes happened.
func (c *clusterNode) changed(join bool, group, id string) {
	kind := msgLeave
	if join {
		kind = msgJoin
	}
	c.mu.Lock()
	c.seq++
	c.publish(c.subj.state, stateHeader{kind, c.node, c.epoch, c.seq}.append(nil).str(group).str(id))
	c.mu.Unlock()
}

func (c *clusterNode) beat(kind byte) {
	c.mu.Lock()
	c.publish(c.subj.state, stateHeader{kind, c.node, c.epoch, c.seq}.append(nil))
	c.mu.Unlock()
}

// requestSnapshot asks run to publish this node's snapshot; requests that
// arrive meanwhile share it.
func (c *clusterNode) requestSnapshot() {
	select {
	case c.fullReq <- struct{}{}:
	default:
	}
}

// publishSnapshot publishes every local membership, in chunks, at the
// current seq. Holding the hub's group read lock keeps changes (and so
// deltas, which are published under its write lock) out until the last
// chunk is out.
func (c *clusterNode) publishSnapshot() {
	h := c.hub
	h.gmu.RLock()
	defer h.gmu.RUnlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	var bodies []wire
	var body wire
	groups := 0
	flush := func() {
		bodies = append(bodies, wire(nil).uint(uint64(groups)).append(body...))
		body, groups = body[:0:0], 0
	}
	for name, g := range h.groups {
		// A large group spans chunks: each carries some of its members.
		for ms := g.members; len(ms) > 0; {
			n, size := 0, len(body)+len(name)
			for n < len(ms) && (n == 0 || size < snapshotChunk) {
				size += len(ms[n].id) + 1
				n++
			}
			body = body.str(name).uint(uint64(n))
			for _, s := range ms[:n] {
				body = body.str(s.id)
			}
			groups++
			ms = ms[n:]
			if len(body) >= snapshotChunk {
				flush()
			}
		}
	}
	if groups > 0 || len(bodies) == 0 {
		flush()
	}
	for i, b := range bodies {
		last := byte(0)
		if i == len(bodies)-1 {
			last = 1
		}
		msg := append(stateHeader{msgFull, c.node, c.epoch, c.seq}.append(nil).uint(uint64(i)), last)
		c.publish(c.subj.state, append(msg, b...))
	}
}

func (w wire) append(b ...byte) wire { return append(w, b...) }
