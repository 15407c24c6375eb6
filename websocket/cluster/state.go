package cluster

import (
	"sync"
	"time"
)

// remoteState is what one node knows of the others' group memberships:
// per node, the members it reported. It is fed by that node's messages,
// which arrive in the order they were sent but may be lost; a sequence
// number per message finds the losses, and a snapshot repairs them.
// GroupSize and GroupMembers read it without any network round trip.
type remoteState struct {
	// resyncGap is how long to wait before asking the same node for its
	// snapshot again (the request or its answer may be lost too).
	resyncGap time.Duration

	mu    sync.RWMutex
	nodes map[string]*remoteNode
}

type remoteNode struct {
	epoch  uint64 // incarnation: a restarted node starts over
	seq    uint64 // last message applied in order
	synced bool   // groups equal the node's state at seq
	seen   time.Time
	asked  time.Time // last snapshot request
	groups map[string]map[string]struct{}
	build  *snapshotBuild // snapshot being received, chunk by chunk
}

type snapshotBuild struct {
	seq    uint64
	next   uint64 // chunk expected next
	groups map[string]map[string]struct{}
}

func newRemoteState(resyncGap time.Duration) *remoteState {
	return &remoteState{resyncGap: resyncGap, nodes: make(map[string]*remoteNode)}
}

// node returns the record of an incarnation, starting a new one when a
// node appears or restarted; nil for a message of an older incarnation.
func (st *remoteState) node(name string, epoch uint64, now time.Time) *remoteNode {
	r := st.nodes[name]
	if r != nil && epoch < r.epoch {
		return nil
	}
	if r == nil || epoch > r.epoch {
		r = &remoteNode{epoch: epoch, groups: make(map[string]map[string]struct{})}
		st.nodes[name] = r
	}
	r.seen = now
	return r
}

// wantSnapshot reports whether to ask for r's snapshot now, at most once
// per resyncGap.
func (st *remoteState) wantSnapshot(r *remoteNode, now time.Time) bool {
	if now.Sub(r.asked) < st.resyncGap {
		return false
	}
	r.asked = now
	return true
}

// beat records a hello or heartbeat; it reports whether the node's
// snapshot is needed. Sequence 0 means "nothing yet": an empty state that
// needs no snapshot.
func (st *remoteState) beat(name string, epoch, seq uint64, now time.Time) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	r := st.node(name, epoch, now)
	if r == nil {
		return false
	}
	if seq == 0 && r.seq == 0 && len(r.groups) == 0 {
		r.synced = true
	}
	if r.synced && seq <= r.seq {
		return false
	}
	return st.wantSnapshot(r, now)
}

// delta applies a join or leave; it reports whether the node's snapshot is
// needed because messages were missed. Out of sync, deltas still apply
// (the best guess until the snapshot comes).
func (st *remoteState) delta(name string, epoch, seq uint64, join bool, group, id string, now time.Time) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	r := st.node(name, epoch, now)
	if r == nil {
		return false
	}
	if !r.synced && r.seq == 0 && seq == 1 && len(r.groups) == 0 {
		// The node's first change: its state before was empty.
		r.synced = true
	}
	if r.synced && seq <= r.seq {
		return false // already in a snapshot we applied
	}
	setMember(r.groups, join, group, id)
	if r.synced && seq == r.seq+1 {
		r.seq = seq
		return false
	}
	r.synced = false
	return st.wantSnapshot(r, now)
}

func setMember(groups map[string]map[string]struct{}, join bool, group, id string) {
	m := groups[group]
	if join {
		if m == nil {
			m = make(map[string]struct{})
			groups[group] = m
		}
		m[id] = struct{}{}
		return
	}
	delete(m, id)
	if len(m) == 0 {
		delete(groups, group)
	}
}

// chunk applies one chunk of a snapshot taken at seq; the last one
// replaces the node's groups. It reports whether to ask again (a chunk
// went missing).
func (st *remoteState) chunk(name string, epoch, seq, part uint64, last bool, entries map[string][]string, now time.Time) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	r := st.node(name, epoch, now)
	if r == nil {
		return false
	}
	if part == 0 {
		r.build = &snapshotBuild{seq: seq, groups: make(map[string]map[string]struct{})}
	}
	b := r.build
	if b == nil || b.seq != seq || b.next != part {
		r.build = nil
		return st.wantSnapshot(r, now)
	}
	for g, ids := range entries {
		for _, id := range ids {
			setMember(b.groups, true, g, id)
		}
	}
	b.next++
	if !last {
		return false
	}
	r.build = nil
	if r.synced && seq < r.seq {
		return false // older than what we applied since
	}
	r.groups, r.seq, r.synced = b.groups, seq, true
	return false
}

// forget drops a node (it said bye).
func (st *remoteState) forget(name string) {
	st.mu.Lock()
	delete(st.nodes, name)
	st.mu.Unlock()
}

// expire drops the nodes not heard from since before and returns them.
func (st *remoteState) expire(before time.Time) []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var gone []string
	for name, r := range st.nodes {
		if r.seen.Before(before) {
			delete(st.nodes, name)
			gone = append(gone, name)
		}
	}
	return gone
}

// size is the number of members of group on other nodes.
func (st *remoteState) size(group string) int {
	st.mu.RLock()
	defer st.mu.RUnlock()
	n := 0
	for _, r := range st.nodes {
		n += len(r.groups[group])
	}
	return n
}

// appendMembers appends the ids of group's members on other nodes.
func (st *remoteState) appendMembers(group string, ids []string) []string {
	st.mu.RLock()
	defer st.mu.RUnlock()
	for _, r := range st.nodes {
		for id := range r.groups[group] {
			ids = append(ids, id)
		}
	}
	return ids
}

// count is the number of other nodes known to be alive.
func (st *remoteState) count() int {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return len(st.nodes)
}
