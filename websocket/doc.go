// Package websocket is duplex's WebSocket protocol and session layer
// (RFC 6455 over gobwas/ws). It knows nothing of JavaScript: the controller
// layer accepts upgrades through a Hub and receives XP-style open, message,
// error and close events through a Handler.
//
// Per connection there is one reader goroutine for the connection's whole
// life. Everything else exists only while there is work: the event
// dispatcher runs while events are queued (so a slow handler never stops
// pongs, and an idle session costs no goroutine for it), the writer runs
// while frames are pending and writes all of them with one writev, and the
// ping/idle timer is a time.AfterFunc.
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
// Group fan-out goes through a Broker so that a cluster transport can ship
// each encoded frame once per node, where Hub.FanoutLocal delivers it. With
// Options.Cluster the hub is one node of a cluster over a Transport (NATS):
// cluster.go says how groups, ids and counts span the nodes.
package websocket
