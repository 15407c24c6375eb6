package cluster

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"duplex/websocket"
)

// Transport is the publish/subscribe link between the nodes of a cluster:
// NATS in duplex (package nats), an in-memory bus in tests. Subjects
// follow NATS: dot-separated tokens, '*' matching one token in a
// subscription. What the nodes rely on:
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

// Options joins a hub to the hubs of the same application on other nodes.
// The hub's websocket.Options.NodeID names this node (see ValidNodeID).
type Options struct {
	Transport Transport
	// App scopes subjects: applications never see each other's groups.
	App string
	// TTL is how soon a node that stopped without a word (kill -9, lost
	// link) leaves every count; default 10s. Heartbeats go every TTL/4 and
	// a node that misses three is dropped.
	TTL time.Duration
}

// DefaultTTL is Options.TTL when left zero.
const DefaultTTL = 10 * time.Second

// Node is a hub's membership in a cluster, its websocket.Cluster. It
// carries the hub's group messages and commands for sessions of other
// nodes, and keeps remoteState current from the membership deltas,
// heartbeats and snapshots of the others. A Node serves one hub.
type Node struct {
	t       Transport
	subj    subjects
	ttl     time.Duration
	silence time.Duration // a node silent this long is dropped
	epoch   uint64
	remote  *remoteState

	// Set by Start, from the hub.
	hub        websocket.Local
	node       string
	maxMessage int64
	log        zerolog.Logger

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

// New makes the node of one hub; it joins when the hub starts it
// (websocket.NewHub with the node in Options.Cluster).
func New(o Options) *Node {
	ttl := o.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Node{
		t:       o.Transport,
		subj:    newSubjects(o.App),
		ttl:     ttl,
		silence: ttl * 3 / 4,
		epoch:   uint64(time.Now().UnixNano()),
		remote:  newRemoteState(ttl / 10),
		fullReq: make(chan struct{}, 1),
		linkUp:  make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
}

// Start implements websocket.Cluster: it subscribes, says hello and starts
// the heartbeats. A second hub would publish under the first one's node
// and sequence numbers, so it is refused.
func (c *Node) Start(hub websocket.Local) {
	if c.hub != nil {
		panic("cluster: a Node serves one hub")
	}
	c.hub = hub
	c.node = hub.NodeID()
	c.maxMessage = hub.MaxMessage()
	c.log = hub.Log().With().Str("node", c.node).Logger()
	subs := []struct {
		subject string
		handle  func(string, []byte)
	}{
		{c.subj.groups + "*", c.onGroup},
		{c.subj.state, c.onState},
		{c.subj.nodes + c.node, c.onCommand},
		{c.subj.events, c.onEvent},
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
}

// run sends heartbeats, drops silent nodes and publishes the snapshots
// asked for, on one goroutine so that none of it blocks a caller.
func (c *Node) run() {
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

// Stop implements websocket.Cluster. Saying goodbye lets the others forget
// this node at once rather than after the TTL; the hub stops its node
// after its sessions are gone, so their leave deltas went out before.
func (c *Node) Stop() {
	c.stopped.Do(func() {
		if c.hub == nil {
			return // never started: nothing to leave
		}
		c.unwatch()
		close(c.done)
		c.wg.Wait()
		for _, u := range c.unsubs {
			u()
		}
		c.beat(msgBye)
	})
}

func (c *Node) onLink(up bool) {
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
func (c *Node) publish(subject string, data []byte) bool {
	err := c.t.Publish(subject, data)
	if err == nil {
		return true
	}
	c.hub.Drop(websocket.DropCluster, 1)
	c.lost.Add(1)
	if !c.down.Load() {
		now := time.Now().UnixNano()
		if last := c.lastLog.Load(); now-last > int64(time.Minute) && c.lastLog.CompareAndSwap(last, now) {
			c.log.Warn().Err(err).Int("bytes", len(data)).Msg("cluster: message for other nodes not published (counted in duplex_ws_dropped_total{reason=\"cluster\"})")
		}
	}
	return false
}

func (c *Node) beat(kind byte) {
	c.mu.Lock()
	c.publish(c.subj.state, stateHeader{kind, c.node, c.epoch, c.seq}.append(nil))
	c.mu.Unlock()
}
