package websocket

import "slices"

// group is one entry of the group index: a slice for fast fan-out plus
// positions for O(1) removal.
type group struct {
	members []*Session
	index   map[*Session]int
}

func (g *group) add(s *Session) bool {
	if _, ok := g.index[s]; ok {
		return false
	}
	g.index[s] = len(g.members)
	g.members = append(g.members, s)
	return true
}

// remove reports whether the group is empty afterwards.
func (g *group) remove(s *Session) bool {
	i, ok := g.index[s]
	if !ok {
		return len(g.members) == 0
	}
	last := len(g.members) - 1
	if i != last {
		moved := g.members[last]
		g.members[i] = moved
		g.index[moved] = i
	}
	g.members[last] = nil
	g.members = g.members[:last]
	delete(g.index, s)
	return len(g.members) == 0
}

// AddToGroup makes the session a member of group. It reports whether the
// session is a member afterwards: false for an unknown or closed id. In a
// cluster, an id of another node is added there (true: the request was
// published), and counts in GroupSize once that node reported it.
func (h *Hub) AddToGroup(group, id string) bool {
	s := h.session(id)
	if s == nil {
		if h.cluster != nil && h.cluster.remoteID(id) {
			return h.cluster.member(true, group, id)
		}
		return false
	}
	h.gmu.Lock()
	defer h.gmu.Unlock()
	if s.removed {
		return false
	}
	g := h.groups[group]
	if g == nil {
		g = newGroup()
		h.groups[group] = g
	}
	if !g.add(s) {
		return true
	}
	if h.cluster != nil {
		h.cluster.changed(true, group, id)
	}
	s.groups = append(s.groups, group)
	return true
}

func newGroup() *group {
	return &group{index: make(map[*Session]int)}
}

// RemoveFromGroup reports whether the session was a member (for an id of
// another node: whether the request was published).
func (h *Hub) RemoveFromGroup(group, id string) bool {
	s := h.session(id)
	if s == nil {
		if h.cluster != nil && h.cluster.remoteID(id) {
			return h.cluster.member(false, group, id)
		}
		return false
	}
	h.gmu.Lock()
	defer h.gmu.Unlock()
	i := slices.Index(s.groups, group)
	if i < 0 {
		return false
	}
	last := len(s.groups) - 1
	s.groups[i] = s.groups[last]
	s.groups[last] = ""
	s.groups = s.groups[:last]
	if g := h.groups[group]; g != nil && g.remove(s) {
		delete(h.groups, group)
	}
	if h.cluster != nil {
		h.cluster.changed(false, group, id)
	}
	return true
}

// GroupSize is the number of members; 0 for an unknown group. In a
// cluster it adds the members other nodes reported: no network round
// trip, and current within about a second (see ClusterOptions).
func (h *Hub) GroupSize(group string) int {
	n := h.localSize(group)
	if h.cluster != nil {
		n += h.cluster.remote.size(group)
	}
	return n
}

func (h *Hub) localSize(group string) int {
	h.gmu.RLock()
	defer h.gmu.RUnlock()
	if g := h.groups[group]; g != nil {
		return len(g.members)
	}
	return 0
}

// GroupMembers lists the ids of the members, in no particular order; in a
// cluster, those of every node, as GroupSize counts them.
func (h *Hub) GroupMembers(group string) []string {
	ids := h.localMembers(group)
	if h.cluster != nil {
		ids = h.cluster.remote.appendMembers(group, ids)
	}
	return ids
}

func (h *Hub) localMembers(group string) []string {
	h.gmu.RLock()
	defer h.gmu.RUnlock()
	g := h.groups[group]
	if g == nil {
		return nil
	}
	ids := make([]string, len(g.members))
	for i, s := range g.members {
		ids[i] = s.id
	}
	return ids
}

// FanoutLocal queues an encoded frame to every local member of group. The
// read lock lets fan-outs run in parallel; enqueue never blocks, so a slow
// member cannot hold it.
func (h *Hub) FanoutLocal(group string, frame []byte) int {
	h.gmu.RLock()
	defer h.gmu.RUnlock()
	g := h.groups[group]
	if g == nil {
		return 0
	}
	n := 0
	for _, s := range g.members {
		if s.enqueue(frame) {
			n++
		}
	}
	h.stats.messagesOut.Add(int64(n))
	return n
}
