package cluster

import "duplex/websocket"

// A hub reaches the other nodes only through these methods.
var _ websocket.Cluster = (*Node)(nil)

// Publish implements websocket.Cluster: one message carrying the frame as
// it is, which every other node fans out to its members.
func (c *Node) Publish(group string, frame []byte) {
	c.publish(c.subj.groups+token(group), frame)
}

// Changed implements websocket.Cluster: a membership delta, numbered.
func (c *Node) Changed(join bool, group, id string) {
	kind := msgLeave
	if join {
		kind = msgJoin
	}
	c.mu.Lock()
	c.seq++
	c.publish(c.subj.state, stateHeader{kind, c.node, c.epoch, c.seq}.append(nil).str(group).str(id))
	c.mu.Unlock()
}

// Size implements websocket.Cluster.
func (c *Node) Size(group string) int { return c.remote.size(group) }

// AppendMembers implements websocket.Cluster.
func (c *Node) AppendMembers(group string, ids []string) []string {
	return c.remote.appendMembers(group, ids)
}

// Nodes implements websocket.Cluster.
func (c *Node) Nodes() int { return 1 + c.remote.count() }

// Remote implements websocket.Cluster: the id's prefix names its node.
func (c *Node) Remote(id string) bool {
	n := nodeOf(id)
	return n != "" && n != c.node
}

// Send implements websocket.Cluster.
func (c *Node) Send(id string, frame []byte) bool {
	return c.Remote(id) && c.command(nodeOf(id), append(wire{cmdSend}.str(id).uint(uint64(len(frame))), frame...))
}

// Close implements websocket.Cluster.
func (c *Node) Close(id string, code int, reason string) bool {
	return c.Remote(id) && c.command(nodeOf(id), wire{cmdClose}.str(id).uint(uint64(code)).str(reason))
}

// Member implements websocket.Cluster.
func (c *Node) Member(join bool, group, id string) bool {
	kind := cmdRemove
	if join {
		kind = cmdAdd
	}
	return c.Remote(id) && c.command(nodeOf(id), wire{kind}.str(group).str(id))
}

// command goes to the one node that holds the session, not to all.
func (c *Node) command(node string, msg []byte) bool {
	return c.publish(c.subj.nodes+node, msg)
}

// PublishEvent implements websocket.Cluster: the event as it is, on the
// application's event subject, which every other node's hub hears.
func (c *Node) PublishEvent(data []byte) { c.publish(c.subj.events, data) }
