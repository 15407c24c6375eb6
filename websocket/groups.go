package websocket

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
// session is a member afterwards: false for an unknown or closed id.
func (h *Hub) AddToGroup(group, id string) bool {
	s := h.session(id)
	if s == nil {
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
	g.add(s)
	if s.groups == nil {
		s.groups = make(map[string]struct{})
	}
	s.groups[group] = struct{}{}
	return true
}

func newGroup() *group {
	return &group{index: make(map[*Session]int)}
}

// RemoveFromGroup reports whether the session was a member.
func (h *Hub) RemoveFromGroup(group, id string) bool {
	s := h.session(id)
	if s == nil {
		return false
	}
	h.gmu.Lock()
	defer h.gmu.Unlock()
	if _, ok := s.groups[group]; !ok {
		return false
	}
	delete(s.groups, group)
	if g := h.groups[group]; g != nil && g.remove(s) {
		delete(h.groups, group)
	}
	return true
}

// GroupSize is the number of local members; 0 for an unknown group.
func (h *Hub) GroupSize(group string) int {
	h.gmu.RLock()
	defer h.gmu.RUnlock()
	if g := h.groups[group]; g != nil {
		return len(g.members)
	}
	return 0
}

// GroupMembers lists the ids of the local members, in no particular order.
func (h *Hub) GroupMembers(group string) []string {
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
