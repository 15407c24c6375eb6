// Package cluster makes the hubs of one application on several nodes act
// as one: a Node is a hub's websocket.Cluster over a Transport (NATS, in
// package nats). Group messages are fanned out by the hub that sends them
// to its own members and published once, as the encoded frame, for the
// other nodes, whose Node fans them out to theirs. Sessions of other nodes
// are reached by id, whose prefix names their node (ValidNodeID). Every
// node keeps what the others reported of their groups (remoteState), fed
// by membership deltas, heartbeats and snapshots, so that group sizes and
// member lists cost no network round trip.
//
// The hub is reached only through websocket.Local: this package never
// takes the hub's locks nor reads its maps, and websocket does not import
// it.
package cluster
