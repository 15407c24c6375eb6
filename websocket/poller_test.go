package websocket

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// The poller spins (looks for readiness without blocking) only while
// traffic keeps coming: once every client is quiet it must wait again
// (blocked in epoll_wait or parked in Go's netpoller), not burn a core. A spinning loop would use about all
// of the window's CPU; a blocked one next to nothing. Not parallel, so
// that the process's CPU time is this test's.
func TestQuietPollerBlocks(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	clients := make([]*rawClient, 8)
	for i := range clients {
		clients[i] = connect(t, ts)
		h.nextOpen(t)
	}
	// Several sockets ready at once: what makes the loop spin.
	for round := range 20 {
		for i, c := range clients {
			c.text(fmt.Sprintf("%d-%d", round, i))
		}
		for i, c := range clients {
			c.expectText(fmt.Sprintf("%d-%d", round, i))
		}
	}
	const window = 500 * time.Millisecond
	before := cpuTime(t)
	time.Sleep(window) // measuring what happens while nothing does
	used := cpuTime(t) - before
	t.Logf("quiet window: %v of CPU", used)
	if used > window/5 {
		t.Fatalf("quiet server used %v of CPU in %v: the poller did not go back to blocking", used, window)
	}
	for i, c := range clients { // and it still wakes up
		c.text(fmt.Sprintf("after-%d", i))
		c.expectText(fmt.Sprintf("after-%d", i))
	}
}

func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
