package websocket

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestStalledReaderGetsEverything: a peer that stops reading fills its
// socket; the write that finds it full waits for the poller's EPOLLOUT
// instead of failing or spinning, and once the peer reads again it gets
// every message, in order.
func TestStalledReaderGetsEverything(t *testing.T) {
	h := newRecHandler()
	// The write timeout is longer than the test waits: a lost wake-up
	// shows as missing messages, not as a timed-out write.
	ts := newTestServer(t, Options{MaxBacklog: 64 << 20, WriteTimeout: time.Minute}, h)
	c := dialRaw(t, ts, smallReceiveBuffer)
	s := h.nextOpen(t)

	const n = 256
	pad := strings.Repeat("x", 64<<10)
	for i := range n {
		if !ts.hub.Send(s.ID(), fmt.Appendf(nil, "%04d%s", i, pad), false) {
			t.Fatalf("send %d refused", i)
		}
	}
	// The writer found the socket full and waits for room: its wake-up
	// channel exists only after a wait.
	deadline := time.Now().Add(waitFor)
	for s.wsig.ch.Load() == nil {
		if time.Now().After(deadline) {
			t.Fatal("16 MiB went out without the socket ever filling up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := range n {
		f := c.read()
		if want := fmt.Sprintf("%04d", i); len(f.payload) != len(pad)+4 || string(f.payload[:4]) != want {
			t.Fatalf("message %d: got %q... (%d bytes)", i, f.payload[:min(4, len(f.payload))], len(f.payload))
		}
	}
}
