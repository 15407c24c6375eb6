package websocket

// group is one entry of the group index: a slice for fast fan-out. Each
// member keeps its own position (membership.pos) for O(1) removal, rather
// than the group keeping a map of positions: one map entry per member was
// most of what a group cost.
type group struct {
	members []*Session
}

// membership is one group a session is in; guarded by hub.gmu.
type membership struct {
	name string
	pos  int // index in the group's members
}

// memberOf is the index in s.groups of group, or -1.
func (s *Session) memberOf(group string) int {
	for i := range s.groups {
		if s.groups[i].name == group {
			return i
		}
	}
	return -1
}

func newGroup() *group { return &group{} }

func (g *group) add(name string, s *Session) {
	s.groups = append(s.groups, membership{name: name, pos: len(g.members)})
	g.members = append(g.members, s)
}

// remove takes the member at pos out, moving the last member into its
// place; it reports whether the group is empty afterwards.
func (g *group) remove(name string, pos int) bool {
	last := len(g.members) - 1
	if pos != last {
		moved := g.members[last]
		g.members[pos] = moved
		moved.groups[moved.memberOf(name)].pos = pos
	}
	g.members[last] = nil
	g.members = g.members[:last]
	return len(g.members) == 0
}

func (g *group) ids() []string {
	ids := make([]string, len(g.members))
	for i, s := range g.members {
		ids[i] = s.id
	}
	return ids
}

// AddToGroup makes the session a member of group. It reports whether the
// session is a member afterwards: false for an unknown or closed id. In a
// cluster, an id of another node is added there (true: the request was
// published), and counts in GroupSize once that node reported it.
func (h *Hub) AddToGroup(group, id string) bool {
	return h.member(true, group, id)
}

// RemoveFromGroup reports whether the session was a member (for an id of
// another node: whether the request was published).
func (h *Hub) RemoveFromGroup(group, id string) bool {
	return h.member(false, group, id)
}

// member serves an id of this node here; any other is the cluster's to
// forward, or refuse.
func (h *Hub) member(join bool, group, id string) bool {
	if s := h.session(id); s != nil {
		return h.setMember(join, group, s)
	}
	return h.cluster.Member(join, group, id)
}

func (h *Hub) setMember(join bool, group string, s *Session) bool {
	if join {
		return h.join(group, s)
	}
	return h.leave(group, s)
}

func (h *Hub) join(group string, s *Session) bool {
	h.gmu.Lock()
	defer h.gmu.Unlock()
	if s.removed {
		return false
	}
	if s.memberOf(group) >= 0 {
		return true
	}
	g := h.groups[group]
	if g == nil {
		g = newGroup()
		h.groups[group] = g
	}
	g.add(group, s)
	h.cluster.Changed(true, group, s.id)
	return true
}

func (h *Hub) leave(group string, s *Session) bool {
	h.gmu.Lock()
	defer h.gmu.Unlock()
	i := s.memberOf(group)
	if i < 0 {
		return false
	}
	if h.groups[group].remove(group, s.groups[i].pos) {
		delete(h.groups, group)
	}
	last := len(s.groups) - 1
	s.groups[i] = s.groups[last]
	s.groups[last] = membership{}
	s.groups = s.groups[:last]
	h.cluster.Changed(false, group, s.id)
	return true
}

// GroupSize is the number of members; 0 for an unknown group. In a
// cluster it adds the members other nodes reported: no network round
// trip, and current within about a second (see package cluster).
func (h *Hub) GroupSize(group string) int {
	return h.localSize(group) + h.cluster.Size(group)
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
	return h.cluster.AppendMembers(group, h.localMembers(group))
}

func (h *Hub) localMembers(group string) []string {
	h.gmu.RLock()
	defer h.gmu.RUnlock()
	g := h.groups[group]
	if g == nil {
		return nil
	}
	return g.ids()
}

// fanout queues an encoded frame to every local member of group. The
// read lock lets fan-outs run in parallel; enqueue never blocks, so a slow
// member cannot hold it.
func (h *Hub) fanout(group string, frame []byte) int {
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
