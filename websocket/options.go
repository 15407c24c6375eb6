package websocket

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Options tunes a Hub. A zero field takes the default noted next to it.
type Options struct {
	MaxMessage       int64         // default 65536; larger message → error event + close 1009
	IdleTimeout      time.Duration // default 300s, negative disables; no frame received for that long → error event + close 1001
	PingInterval     time.Duration // default 30s, negative disables; the server pings quiet peers so that a dead one runs into IdleTimeout
	MaxBacklog       int           // default 1 MiB of queued outbound bytes; past it the session is closed 1008
	WriteTimeout     time.Duration // default 10s per write syscall batch
	HandshakeTimeout time.Duration // default 10s to write the 101
	CloseTimeout     time.Duration // default 2s to wait for the peer's close frame after sending ours
	EventQueue       int           // default 64 inbound events per session; when full the read loop stops reading
	AllowedOrigins   []string      // exact scheme://host[:port] allowlist in addition to same-origin
	NodeID           string        // prefix of session ids; default random
	Limit            *Limit        // server-wide session cap shared by every hub; nil = none

	// Cluster, when set, makes the hub one node of the application's
	// cluster (package cluster builds one; each serves one hub): groups,
	// send and close span every node. NodeID must then be the same for
	// every hub of the process and unique in the cluster.
	Cluster Cluster
}

const (
	defaultMaxMessage       = 64 << 10
	defaultIdleTimeout      = 300 * time.Second
	defaultPingInterval     = 30 * time.Second
	defaultMaxBacklog       = 1 << 20
	defaultWriteTimeout     = 10 * time.Second
	defaultHandshakeTimeout = 10 * time.Second
	defaultCloseTimeout     = 2 * time.Second
	defaultEventQueue       = 64
)

// DefaultOptions are what a zero Options field becomes: written once, here,
// and shown by the command's flags.
func DefaultOptions() Options {
	o := Options{}.withDefaults()
	o.NodeID = "" // random for each hub that leaves it empty: no default
	return o
}

func (o Options) withDefaults() Options {
	if o.MaxMessage <= 0 {
		o.MaxMessage = defaultMaxMessage
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = defaultIdleTimeout
	}
	if o.PingInterval == 0 {
		o.PingInterval = defaultPingInterval
	}
	if o.MaxBacklog <= 0 {
		o.MaxBacklog = defaultMaxBacklog
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = defaultWriteTimeout
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = defaultHandshakeTimeout
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = defaultCloseTimeout
	}
	if o.EventQueue <= 0 {
		o.EventQueue = defaultEventQueue
	}
	if o.NodeID == "" {
		var b [4]byte
		rand.Read(b[:])
		o.NodeID = hex.EncodeToString(b[:])
	}
	return o
}
