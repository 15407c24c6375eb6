package controller

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"duplex/lib/libtest"
	"duplex/websocket"
)

// openSession makes a real session at target (path and query) with data,
// on a hub of its own, whose peer reads and discards: what the engine's
// event code gets from the hub, without a network.
func openSession(tb testing.TB, target string, data map[string]string) *websocket.Session {
	tb.Helper()
	hub := websocket.NewHub(websocket.Options{}, zerolog.Nop())
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
	})
	s, peer := libtest.OpenSession(tb, hub, target, data)
	go io.Copy(io.Discard, peer)
	return s
}
