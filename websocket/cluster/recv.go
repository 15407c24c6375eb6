package cluster

import (
	"strings"
	"time"

	"duplex/websocket"
	"duplex/websocket/frame"
)

// onGroup delivers another node's group message to the local members.
func (c *Node) onGroup(subject string, f []byte) {
	group, ok := untoken(strings.TrimPrefix(subject, c.subj.groups))
	if !ok || !frame.WellFormed(f, c.maxMessage) {
		c.invalid("group message", subject)
		return
	}
	c.hub.Fanout(group, f)
}

// onEvent hands another node's application event to the hub.
func (c *Node) onEvent(subject string, data []byte) {
	if int64(len(data)) > c.maxMessage {
		c.invalid("event", subject)
		return
	}
	c.hub.Event(data)
}

// invalid drops a message from another node that no duplex node sends:
// counted, and logged at most once a second (a flood must not flood the
// log too).
func (c *Node) invalid(what, subject string) {
	c.hub.Drop(websocket.DropClusterInvalid, 1)
	now := time.Now().UnixNano()
	if last := c.invalidLogged.Load(); now-last > int64(time.Second) && c.invalidLogged.CompareAndSwap(last, now) {
		c.log.Warn().Str("subject", subject).Str("message", what).
			Msg("cluster: malformed message from another node dropped (see duplex_ws_dropped_total{reason=\"cluster_invalid\"})")
	}
}

// onState folds another node's membership messages into remoteState and
// asks that node for its snapshot when some went missing.
func (c *Node) onState(_ string, data []byte) {
	r := reader{b: data}
	h := readStateHeader(&r)
	if r.err != nil {
		return
	}
	if h.node == c.node {
		// NoEcho keeps our own messages away: this is another process
		// with our node id, and the two will not see each other.
		if h.epoch != c.epoch && c.clash.CompareAndSwap(false, true) {
			c.log.Error().Msg("cluster: another process uses this node id; give each node its own --node-id")
		}
		return
	}
	now := time.Now()
	resync := false
	switch h.kind {
	case msgHello:
		// Its snapshot follows; the newcomer needs ours.
		c.remote.beat(h.node, h.epoch, h.seq, now)
		c.requestSnapshot()
	case msgBeat:
		resync = c.remote.beat(h.node, h.epoch, h.seq, now)
	case msgJoin, msgLeave:
		group, id := r.str(), r.str()
		if r.err != nil {
			return
		}
		resync = c.remote.delta(h.node, h.epoch, h.seq, h.kind == msgJoin, group, id, now)
	case msgFull:
		part, last := r.uint(), r.byte() == 1
		entries := readSnapshot(&r)
		if r.err != nil {
			return
		}
		resync = c.remote.chunk(h.node, h.epoch, h.seq, part, last, entries, now)
	case msgBye:
		c.remote.forget(h.node)
	}
	if resync {
		c.command(h.node, wire{cmdSync}.str(c.node))
	}
}

// onCommand applies what another node asked of this node's sessions,
// through the hub's local-only operations: a command is never forwarded
// again, whatever id it names.
func (c *Node) onCommand(_ string, data []byte) {
	r := reader{b: data}
	switch kind := r.byte(); kind {
	case cmdSend:
		id, f := r.str(), r.bytes()
		if r.err != nil || !frame.WellFormed(f, c.maxMessage) {
			c.invalid("send command", "")
			return
		}
		c.hub.Send(id, f)
	case cmdClose:
		id, code, reason := r.str(), r.uint(), r.str()
		if r.err == nil {
			c.hub.Close(id, int(code), reason)
		}
	case cmdAdd, cmdRemove:
		group, id := r.str(), r.str()
		if r.err == nil {
			c.hub.Member(kind == cmdAdd, group, id)
		}
	case cmdSync:
		c.requestSnapshot()
	}
}
