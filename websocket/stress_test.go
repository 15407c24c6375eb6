package websocket

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// TestConcurrentChurn mixes fan-outs from several goroutines, handlers that
// send to the group, server closes, client closes and abrupt drops, then
// shuts down: the race detector and goleak judge.
func TestConcurrentChurn(t *testing.T) {
	h := newRecHandler()
	h.open = func(s *Session) error {
		h.hub.AddToGroup("all", s.ID())
		return nil
	}
	h.message = func(e *Event) error {
		h.hub.SendToGroup("all", e.Message, e.Binary)
		return nil
	}
	ts := newTestServer(t, Options{MaxBacklog: 64 << 10, EventQueue: 4}, h)
	const clients = 40
	var cs []*rawClient
	var ids []string
	for i := 0; i < clients; i++ {
		cs = append(cs, connect(t, ts))
		ids = append(ids, h.nextOpen(t).ID())
	}
	var wg sync.WaitGroup
	// Readers drain (answering close frames) until the server closes.
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				f, err := c.readFrame(waitFor)
				if err != nil {
					// Like a browser: the server's FIN ends the connection.
					c.conn.Close()
					return
				}
				if f.op == ws.OpClose {
					c.conn.Write(frameBytes(0x88, f.payload[:min(2, len(f.payload))], true))
				}
			}
		}()
	}
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				ts.hub.SendToGroup("all", []byte(fmt.Sprintf("g%d-%d", g, i)), false)
				ts.hub.GroupSize("all")
			}
		}()
	}
	for i, c := range cs[:20] {
		c.conn.SetWriteDeadline(time.Now().Add(waitFor))
		c.conn.Write(frameBytes(0x81, []byte("from client"), true))
		switch i % 4 {
		case 0:
			ts.hub.Close(ids[i], 4001, "server says bye")
		case 1:
			c.conn.Write(frameBytes(0x88, []byte{0x03, 0xe8}, true))
		case 2:
			c.conn.Close()
		case 3:
			ts.hub.RemoveFromGroup("all", ids[i])
			ts.hub.AddToGroup("other", ids[i])
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.hub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		c.conn.Close()
	}
	wg.Wait()
	for _, id := range ids {
		events := h.events(id)
		closes := 0
		for len(events) > 0 {
			if r := <-events; r.typ == EventClose {
				closes++
			}
		}
		if closes != 1 {
			t.Fatalf("session %s got %d close events", id, closes)
		}
	}
	if ts.hub.SessionCount() != 0 || ts.hub.GroupSize("all") != 0 || ts.hub.GroupSize("other") != 0 {
		t.Fatal("state left after shutdown")
	}
}
