package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"duplex/websocket"
)

// ClusterConfig joins the server to other duplex nodes over NATS, so that
// groups, send and close span them (--nats, --nats-embed and friends).
type ClusterConfig struct {
	NATS   []string // NATS servers to connect to
	Embed  bool     // run a NATS server inside the process instead
	Listen string   // the embedded server's route listener
	Routes []string // the other embedded servers' route listeners
	// TTL is how soon a node that vanished leaves the others' counts.
	TTL time.Duration
	// NodeID prefixes this node's session ids; default random per start.
	NodeID string
}

// Enabled reports whether a cluster was asked for.
func (c ClusterConfig) Enabled() bool { return len(c.NATS) > 0 || c.Embed }

// minClusterTTL keeps heartbeats (TTL/4) from flooding the link.
const minClusterTTL = 500 * time.Millisecond

func (c ClusterConfig) check() error {
	switch {
	case len(c.NATS) > 0 && c.Embed:
		return errors.New("--nats and --nats-embed: choose one (the embedded server is reached in-process)")
	case !c.Embed && (c.Listen != "" || len(c.Routes) > 0):
		return errors.New("--nats-listen and --nats-routes configure the embedded server: add --nats-embed")
	case c.TTL < minClusterTTL:
		return fmt.Errorf("--cluster-ttl %v: at least %v", c.TTL, minClusterTTL)
	case c.NodeID != "" && !websocket.ValidNodeID(c.NodeID):
		return fmt.Errorf("--node-id %q: use up to 64 letters, digits and '_'", c.NodeID)
	}
	return nil
}

// JoinCluster connects to NATS when cfg asks for a cluster and makes every
// hub created from cfg afterwards a member, under one node id. It returns
// the link to close once the applications are closed (nil without a
// cluster; Close accepts nil).
func JoinCluster(cfg *Config) (*websocket.NATSLink, error) {
	c := cfg.Cluster
	if !c.Enabled() {
		return nil, nil
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	node := c.NodeID
	if node == "" {
		// Random per start: a restarted node is a new node, and two
		// processes never share an id by accident.
		var b [6]byte
		rand.Read(b[:])
		node = hex.EncodeToString(b[:])
	}
	link, err := websocket.ConnectNATS(websocket.NATSOptions{URLs: c.NATS, Embed: c.Embed, Listen: c.Listen, Routes: c.Routes, NodeID: node, Log: cfg.Log})
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	cfg.WebSocket.NodeID = node
	cfg.WebSocket.Cluster = &websocket.ClusterOptions{Transport: link, TTL: c.TTL}
	cfg.Log.Info().Str("node", node).Dur("ttl", c.TTL).Bool("embedded", c.Embed).Msg("cluster: joined")
	return link, nil
}
