package websocket

import (
	"strings"
	"time"

	"duplex/websocket/frame"
)

// onGroup delivers another node's group message to the local members.
func (c *clusterNode) onGroup(subject string, f []byte) {
	group, ok := untoken(strings.TrimPrefix(subject, c.subj.groups))
	if !ok || !frame.WellFormed(f, c.hub.opts.MaxMessage) {
		c.invalid("group message", subject)
		return
	}
	c.hub.FanoutLocal(group, f)
}

// invalid drops a message from another node that no duplex node sends:
// counted, and logged at most once a second (a flood must not flood the
// log too).
func (c *clusterNode) invalid(what, subject string) {
	c.hub.stats.drop(DropClusterInvalid, 1)
	now := time.Now().UnixNano()
	if last := c.invalidLogged.Load(); now-last > int64(time.Second) && c.invalidLogged.CompareAndSwap(last, now) {
		c.log.Warn().Str("subject", subject).Str("message", what).
			Msg("cluster: malformed message from another node dropped (see duplex_ws_dropped_total{reason=\"cluster_invalid\"})")
	}
}

// onState folds another node's membership messages into remoteState and
// asks that node for its snapshot when some went missing.
func (c *clusterNode) onState(_ string, data []byte) {
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

func readSnapshot(r *reader) map[string][]string {
	n := r.uint()
	entries := make(map[string][]string)
	for i := uint64(0); i < n && r.err == nil; i++ {
		group, count := r.str(), r.uint()
		if count > uint64(len(r.b)) {
			r.err = errShortMessage
			break
		}
		ids := entries[group]
		for j := uint64(0); j < count && r.err == nil; j++ {
			ids = append(ids, r.str())
		}
		entries[group] = ids
	}
	return entries
}

// onCommand applies what another node asked of this node's sessions. The
// ids are local here, so the hub does not forward them again.
func (c *clusterNode) onCommand(_ string, data []byte) {
	r := reader{b: data}
	switch r.byte() {
	case cmdSend:
		id, f := r.str(), r.bytes()
		if r.err != nil || !frame.WellFormed(f, c.hub.opts.MaxMessage) {
			c.invalid("send command", "")
			return
		}
		c.hub.sendFrame(id, f)
	case cmdClose:
		id, code, reason := r.str(), r.uint(), r.str()
		if r.err == nil {
			c.hub.Close(id, int(code), reason)
		}
	case cmdAdd:
		group, id := r.str(), r.str()
		if r.err == nil {
			c.hub.AddToGroup(group, id)
		}
	case cmdRemove:
		group, id := r.str(), r.str()
		if r.err == nil {
			c.hub.RemoveFromGroup(group, id)
		}
	case cmdSync:
		c.requestSnapshot()
	}
}
