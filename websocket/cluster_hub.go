package websocket

// Publish implements Cluster: one message carrying the frame as
// it is, which every other node fans out to its members.
func (c *clusterNode) Publish(group string, frame []byte) {
	c.publish(c.subj.groups+token(group), frame)
}

// Changed implements Cluster: a membership delta, numbered.
func (c *clusterNode) Changed(join bool, group, id string) {
	kind := msgLeave
	if join {
		kind = msgJoin
	}
	c.mu.Lock()
	c.seq++
	c.publish(c.subj.state, stateHeader{kind, c.node, c.epoch, c.seq}.append(nil).str(group).str(id))
	c.mu.Unlock()
}

// Size implements Cluster.
func (c *clusterNode) Size(group string) int { return c.remote.size(group) }

// AppendMembers implements Cluster.
func (c *clusterNode) AppendMembers(group string, ids []string) []string {
	return c.remote.appendMembers(group, ids)
}

// Nodes implements Cluster.
func (c *clusterNode) Nodes() int { return 1 + c.remote.count() }

// Remote implements Cluster: the id's prefix names its node.
func (c *clusterNode) Remote(id string) bool {
	n := nodeOf(id)
	return n != "" && n != c.node
}

// Send implements Cluster.
func (c *clusterNode) Send(id string, frame []byte) bool {
	return c.Remote(id) && c.command(nodeOf(id), append(wire{cmdSend}.str(id).uint(uint64(len(frame))), frame...))
}

// Close implements Cluster.
func (c *clusterNode) Close(id string, code int, reason string) bool {
	return c.Remote(id) && c.command(nodeOf(id), wire{cmdClose}.str(id).uint(uint64(code)).str(reason))
}

// Member implements Cluster.
func (c *clusterNode) Member(join bool, group, id string) bool {
	kind := cmdRemove
	if join {
		kind = cmdAdd
	}
	return c.Remote(id) && c.command(nodeOf(id), wire{kind}.str(group).str(id))
}

// command goes to the one node that holds the session, not to all.
func (c *clusterNode) command(node string, msg []byte) bool {
	return c.publish(c.subj.nodes+node, msg)
}
