// Package websocket is duplex's WebSocket session layer (RFC 6455 over
// gobwas/ws). It knows nothing of JavaScript: the controller layer accepts
// upgrades through a Hub and receives XP-style open, message, error and
// close events through a Handler. The protocol itself, without I/O (frames,
// the incremental parser, close rules, the opening handshake), is package
// frame, so that it can be read, tested and fuzzed apart from the engine.
//
// An idle connection holds no goroutine, no buffer and no timer. After the
// upgrade the socket is taken from Go's net package (adoptFD) and watched
// by the hub's epoll poller; readiness queues it for the runners, kept
// goroutines, one per core (runners.go), one of which reads what is there
// and runs the events it read itself, so a message costs no hand-off
// between goroutines (as in Jetty, bytes that arrive while a handler runs
// are read once it returns). Replies a handler sends to its own session are written
// by the same goroutine when the handler returns. Other frames go to the
// hub's flushers (flushers.go), at most half as many as cores, which write each
// session's pending frames with one non-blocking writev; only a socket
// that is full gets a goroutine of its own, which waits for EPOLLOUT. One
// sweeper per hub (keepalive.go) pings quiet peers and closes silent ones.
//
// Inbound events sit in a per-session queue of Options.EventQueue entries;
// when it is full the reader stops reading, which pushes back on the peer
// through TCP. Close frames the reader must send (echo, protocol failure)
// travel through that queue too, so a message read before the close is
// handled, and its reply sent, before the close frame (Autobahn 3.2, 7.1.1).
//
// Outbound, a message is encoded into a frame once; a group fan-out queues
// the same bytes to every member without blocking on any of them. A member
// whose queue passes Options.MaxBacklog is closed with 1008.
//
// A hub always talks to its Cluster (cluster.go) about other nodes: group
// messages, membership changes, counts, sessions addressed by id. Alone on
// its node it has one that knows of no other node; with Options.Cluster
// set by package cluster (websocket/cluster) it is one node of a cluster
// over NATS, which ships each encoded frame once per node and reaches this
// hub only through Local. That package says how groups, ids and counts
// span the nodes; this one does not import it.
package websocket

// The engine is Linux's epoll: a build for another system stops here, with
// a message that says so.
import _ "duplex/websocket/internal/linuxonly"
