package app

import (
	"github.com/rs/zerolog"

	"duplex/app/auth"
	"duplex/websocket"
	"duplex/websocket/cluster"
)

// Shared is what the applications of one server share while it runs,
// built by the command from a Config. A Config holds settings only, as the
// command line decided them, and is not changed once built; anything with
// a life of its own (a logger, the user store, the connection budget, the
// cluster link) is here instead.
type Shared struct {
	Log zerolog.Logger
	// Auth is the server's id provider and login cookies; nil means
	// everyone is anonymous.
	Auth *auth.Auth
	// Limit is the connection budget HTTP and WebSocket share; nil means
	// unbounded.
	Limit *websocket.Limit
	// Cluster is this node's membership of a cluster; nil for a single
	// node.
	Cluster *Membership
}

// hubOptions are the WebSocket settings of cfg joined to what is shared:
// the connection budget and, for an application (app != ""), the cluster,
// whose subjects are per application so that apps never see each other's
// groups.
func (sh Shared) hubOptions(cfg Config, app string) websocket.Options {
	opts := cfg.WebSocket
	opts.Limit = sh.Limit
	if sh.Cluster != nil && app != "" {
		opts.NodeID = sh.Cluster.Node
		opts.Cluster = cluster.New(cluster.Options{Transport: sh.Cluster.link, TTL: sh.Cluster.TTL, App: app})
	}
	return opts
}
