// Package nats is the NATS side of clustering: one connection per process
// to a NATS cluster, or a NATS server run inside the process that routes to
// the embedded servers of the other nodes. It offers the connection as a
// cluster.Transport and knows nothing of sessions or groups; the hubs do.
//
// It is the only package that imports nats-io, so that nothing else (the
// JavaScript engine, the built-in modules) links a NATS server.
package nats
