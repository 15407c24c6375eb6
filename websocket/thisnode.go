package websocket

// ThisNode is a hub restricted to the sessions of this node, as every hub
// of Enonic XP is: a group message reaches the local members only, and an
// id of another node is unknown. A script handling an event that every
// node of a cluster handles (XP's distributed events) acts through it, so
// that each socket gets the message once, from its own node, and not once
// per node.
type ThisNode struct{ h *Hub }

// ThisNode returns the hub's node-only view.
func (h *Hub) ThisNode() ThisNode { return ThisNode{h} }

// SendFrom is Hub.SendFrom for a session of this node; false for any
// other id.
func (n ThisNode) SendFrom(current *Session, id string, data []byte, binary bool) bool {
	if n.h.session(id) == nil {
		return false
	}
	return n.h.SendFrom(current, id, data, binary)
}

// SendToGroup queues the message to the group's members on this node and
// returns how many there were.
func (n ThisNode) SendToGroup(group string, data []byte, binary bool) int {
	f := encode(data, binary)
	if f == nil {
		n.h.stats.drop(DropInvalidUTF8, 1)
		return 0
	}
	return n.h.fanout(group, f)
}

// AddToGroup and RemoveFromGroup act on a session of this node; false for
// any other id.
func (n ThisNode) AddToGroup(group, id string) bool { return n.local().Member(true, group, id) }

func (n ThisNode) RemoveFromGroup(group, id string) bool {
	return n.local().Member(false, group, id)
}

// GroupSize and GroupMembers count this node's members only.
func (n ThisNode) GroupSize(group string) int { return n.h.localSize(group) }

func (n ThisNode) GroupMembers(group string) []string { return n.h.localMembers(group) }

// Close closes a session of this node; false for any other id.
func (n ThisNode) Close(id string, code int, reason string) bool {
	return n.local().Close(id, code, reason)
}

func (n ThisNode) local() local { return local{n.h} }
