package websocket

// Fanout is the node-local half of group messaging: deliver an encoded
// frame to the members of group connected to this node. Hub implements it.
type Fanout interface {
	FanoutLocal(group string, frame []byte) int
}

// Broker carries a group message to every node, each of which then fans it
// out locally, so a cluster transport (NATS) ships each message once per
// node and the frame is encoded once in the whole cluster. Publish returns
// the number of local recipients.
type Broker interface {
	Publish(group string, frame []byte) int
}

type localBroker struct{ local Fanout }

// NewLocalBroker is the single-node broker: publishing is local delivery.
func NewLocalBroker(local Fanout) Broker { return localBroker{local} }

func (b localBroker) Publish(group string, frame []byte) int {
	return b.local.FanoutLocal(group, frame)
}
