// Package app is an application on disk (app.json, services/, webapp/,
// assets/, lib/) and the HTTP routes that serve one or more of them.
package app

import (
	"cmp"
	"runtime"
	"time"

	"duplex/controller"
	"duplex/lib/dirigible/websockets"
	"duplex/websocket"
	"duplex/websocket/cluster"
)

// Config is everything the command line decides about a server: settings
// only (what they make at run time is in Shared).
type Config struct {
	Addr           string
	JSWorkers      int
	JSTimeout      time.Duration
	JSMaxCallStack int
	// JSEventQueue bounds the events waiting for an application's main.js
	// listeners.
	JSEventQueue int
	// JSMaxMemory is the heap size past which the longest-running script
	// call is stopped, and whose share bounds one built-in's allocation;
	// 0 means no limit.
	JSMaxMemory int64
	MaxBody     int64
	// MaxBufferedBodies bounds the request bodies held in memory at once,
	// all requests together: past it a request gets 503 before its body is
	// read.
	MaxBufferedBodies int64
	ShutdownTimeout   time.Duration
	// ReadHeaderTimeout bounds how long a client may take to send its
	// request headers (slowloris).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds a whole request, body included, so that a client
	// that stops sending half-way does not hold its connection forever.
	ReadTimeout    time.Duration
	MaxHeaderBytes int
	// NetHTTPOnly serves every connection with net/http, without the
	// epoll fast path (app/http1).
	NetHTTPOnly bool
	// GCHeapFloor is the heap size below which the garbage collector does
	// not run (app/memory.go, heapFloor); 0 leaves Go's pacing alone, as
	// does GOGC in the environment.
	GCHeapFloor int64
	Dev         bool
	// TLSCert and TLSKey, both or neither, are the PEM files of the
	// certificate and key Addr serves HTTPS (and wss://) with; SIGHUP
	// reads them again (Server.Reload).
	TLSCert, TLSKey string
	// TrustProxy lists the CIDRs (or addresses) of the proxies whose
	// X-Forwarded-For, -Proto and -Host headers say who the client is and
	// what it asked for.
	TrustProxy []string
	// MetricsAddr, when set, serves /metrics there.
	MetricsAddr string
	// Pprof also serves Go's profiler on the MetricsAddr listener; it shows
	// the heap, goroutine stacks and more, so it is off unless asked for.
	Pprof bool
	// WebSocket tunes every application's hub; its Limit, NodeID and
	// Cluster come from Shared.
	WebSocket websocket.Options
	// Cluster, when enabled, spans groups over several nodes (see
	// JoinCluster).
	Cluster ClusterConfig
	// OutboundAllow lists the CIDRs and host names that scripts may connect
	// to although they are loopback, private or link-local addresses.
	OutboundAllow []string
	// MaxClients bounds the outbound WebSocket clients (Dirigible's
	// createWebsocket) open at once, all applications together.
	MaxClients int
	// DirigibleV2 serves Eclipse Dirigible 2's service channel,
	// ws://host/service/js.
	DirigibleV2 bool
}

// DefaultConfig is every setting's default, gathered from the packages
// that own them: the command's flags show these, and a zero field of a
// Config gets them.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		JSWorkers:         runtime.GOMAXPROCS(0),
		JSTimeout:         controller.DefaultTimeout,
		JSMaxCallStack:    controller.DefaultMaxCallStack,
		JSEventQueue:      controller.DefaultEventQueue,
		MaxBody:           controller.DefaultMaxBody,
		MaxBufferedBodies: 64 << 20,
		GCHeapFloor:       64 << 20,
		ShutdownTimeout:   10 * time.Second,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		WebSocket:         websocket.DefaultOptions(),
		Cluster:           ClusterConfig{TTL: cluster.DefaultTTL},
		MaxClients:        websockets.DefaultMaxClients,
	}
}

// withDefaults fills the server's settings a Config leaves unset; the
// engine's and the hubs' get theirs in controller.New and websocket.NewHub,
// from the same constants.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	c.Addr = cmp.Or(c.Addr, d.Addr)
	// A zero (or negative) setting takes its default.
	c.ShutdownTimeout = cmp.Or(max(c.ShutdownTimeout, 0), d.ShutdownTimeout)
	c.ReadHeaderTimeout = cmp.Or(max(c.ReadHeaderTimeout, 0), d.ReadHeaderTimeout)
	c.ReadTimeout = cmp.Or(max(c.ReadTimeout, 0), d.ReadTimeout)
	// The router refuses by MaxBody too, before the engine sees a request.
	c.MaxBody = cmp.Or(max(c.MaxBody, 0), d.MaxBody)
	c.MaxBufferedBodies = cmp.Or(max(c.MaxBufferedBodies, 0), d.MaxBufferedBodies)
	c.MaxHeaderBytes = cmp.Or(max(c.MaxHeaderBytes, 0), d.MaxHeaderBytes)
	return c
}
