// Package app is an application on disk (app.json, services/, webapp/,
// assets/, lib/) and the HTTP routes that serve one or more of them.
package app

import (
	"time"

	"github.com/rs/zerolog"

	"duplex/app/auth"
	"duplex/controller"
	"duplex/websocket"
)

// Config is everything the command line decides about a server.
type Config struct {
	Addr           string
	JSWorkers      int
	JSTimeout      time.Duration
	JSMaxCallStack int
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
	Dev            bool
	// MetricsAddr, when set, serves /metrics there.
	MetricsAddr string
	// Pprof also serves Go's profiler on the MetricsAddr listener; it shows
	// the heap, goroutine stacks and more, so it is off unless asked for.
	Pprof bool
	// WebSocket tunes every application's hub.
	WebSocket websocket.Options
	// Cluster, when enabled, spans groups over several nodes; JoinCluster
	// sets WebSocket.Cluster from it.
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
	// Auth is the server's id provider and login sessions, shared by every
	// application; nil means everyone is anonymous.
	Auth *auth.Auth
	Log  zerolog.Logger
}

// withDefaults fills the server's settings a Config leaves unset; the
// engine settings (JSWorkers, JSTimeout, JSMaxCallStack, MaxBody) get their
// defaults in controller.New, the one place that uses them.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = 10 * time.Second
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 60 * time.Second
	}
	if c.MaxBody <= 0 {
		// The router refuses by it too, before the engine sees a request.
		c.MaxBody = controller.DefaultMaxBody
	}
	if c.MaxBufferedBodies <= 0 {
		c.MaxBufferedBodies = 64 << 20
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	return c
}
