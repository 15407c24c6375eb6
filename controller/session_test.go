package controller

import (
	"io"
	"testing"

	"duplex/lib/libtest"
	"duplex/websocket"
)

// openSession makes a real session at target (path and query) with data,
// on a hub of its own, whose peer reads and discards: what the engine's
// event code gets from the hub, without a network.
func openSession(tb testing.TB, target string, data map[string]string) *websocket.Session {
	tb.Helper()
	s, peer := libtest.OpenSession(tb, libtest.Hub(tb), target, data)
	go io.Copy(io.Discard, peer)
	return s
}
