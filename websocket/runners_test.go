package websocket

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Handlers that wait, on more sessions than there are runners, do not hold
// up the events of other sessions: the stall check starts runners that
// take over the queue.
func TestWaitingHandlersDoNotStallOthers(t *testing.T) {
	h := newRecHandler()
	gate := make(chan struct{})
	var waiting sync.WaitGroup
	h.message = func(e *Event) error {
		if string(e.Message) == "wait" {
			waiting.Done()
			<-gate
		}
		h.hub.Send(e.Session.ID(), e.Message, false)
		return nil
	}
	ts := newTestServer(t, Options{}, h)
	blocked := 2*runtime.GOMAXPROCS(0) + 1
	var cs []*rawClient
	for range blocked {
		c := connect(t, ts)
		h.nextOpen(t)
		cs = append(cs, c)
	}
	free := connect(t, ts)
	h.nextOpen(t)
	waiting.Add(blocked)
	for _, c := range cs {
		c.text("wait")
	}
	waiting.Wait()
	start := time.Now()
	for i := range 3 {
		want := fmt.Sprint("free ", i)
		free.text(want)
		if f := free.read(); string(f.payload) != want {
			t.Fatalf("got %q, want %q", f.payload, want)
		}
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("three echoes took %v while %d handlers waited", took, blocked)
	}
	close(gate)
	for _, c := range cs {
		if f := c.read(); string(f.payload) != "wait" {
			t.Fatalf("got %q, want the held message", f.payload)
		}
	}
}
