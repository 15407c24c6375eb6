package websocket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// TestSlowConsumer: a member that never reads is closed with 1008 once its
// backlog passes MaxBacklog, logged once, while a normal member of the same
// group receives every message without waiting for it.
func TestSlowConsumer(t *testing.T) {
	h := newRecHandler()
	h.open = func(s *Session) error {
		h.hub.AddToGroup("room", s.ID())
		return nil
	}
	ts := newTestServer(t, Options{MaxBacklog: 256 << 10, WriteTimeout: 500 * time.Millisecond}, h)

	slow := dialRaw(t, ts, smallReceiveBuffer)
	slowID := h.nextOpen(t).ID()
	normal := connect(t, ts)
	h.nextOpen(t)

	received := make(chan uint32, 1<<16)
	readErr := make(chan error, 1)
	go func() {
		for {
			f, err := normal.readFrame(waitFor)
			if err != nil {
				readErr <- err
				return
			}
			if f.op != ws.OpBinary {
				readErr <- fmt.Errorf("unexpected frame %v", f.op)
				return
			}
			received <- binary.BigEndian.Uint32(f.payload)
		}
	}()

	msg := make([]byte, 16<<10)
	got := uint32(0)
	// waitNormal keeps the normal member at most a few messages behind,
	// so only the slow one builds a backlog.
	waitNormal := func(upTo uint32) {
		for got < upTo {
			select {
			case seq := <-received:
				if seq != got {
					t.Fatalf("normal member got %d, want %d", seq, got)
				}
				got++
			case err := <-readErr:
				t.Fatalf("normal member: %v", err)
			case <-time.After(waitFor):
				t.Fatalf("normal member stuck at %d", got)
			}
		}
	}
	slowEvents := h.events(slowID)
	sent := uint32(0)
	closed := false
	for !closed {
		if sent > 4096 {
			t.Fatal("slow consumer never closed")
		}
		binary.BigEndian.PutUint32(msg, sent)
		ts.hub.SendToGroup("room", msg, true)
		sent++
		if sent > 4 {
			waitNormal(sent - 4)
		}
		for !closed {
			select {
			case r := <-slowEvents:
				if r.typ == EventError && !errors.Is(r.err, ErrBacklogExceeded) {
					t.Fatalf("slow error %v", r.err)
				}
				if r.typ == EventClose {
					if r.code != StatusPolicyViolation {
						t.Fatalf("slow close code %d", r.code)
					}
					closed = true
				}
				continue
			default:
			}
			break
		}
	}
	ts.waitRemoved(t, slowID)
	for i := 0; i < 10; i++ {
		binary.BigEndian.PutUint32(msg, sent)
		if n := ts.hub.SendToGroup("room", msg, true); n != 1 {
			t.Fatalf("after close SendToGroup = %d", n)
		}
		sent++
	}
	waitNormal(sent)
	if n := len(ts.logs.Lines("backlog exceeded")); n != 1 {
		t.Fatalf("%d backlog log lines, want 1", n)
	}
	t.Logf("slow consumer closed after %d messages of %d bytes", sent-10, len(msg))
	slow.conn.Close()
}

// TestMessageLargerThanBacklog: a message bigger than MaxBacklog is still
// delivered when nothing else waits for the peer; the backlog limits what
// piles up, not the size of one message that MaxMessage allows.
func TestMessageLargerThanBacklog(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{MaxBacklog: 1024, MaxMessage: 16 << 10}, h)
	c := connect(t, ts)
	big := strings.Repeat("x", 8<<10)
	c.text(big)
	c.expectText(big)
	c.text("after")
	c.expectText("after")
}
