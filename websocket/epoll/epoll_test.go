package epoll

import (
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

// TestParkWakesOnSignal: a parked wait and a blocked one both return the
// eventfd once Signal wrote to it, and a look finds nothing after Drain.
func TestParkWakesOnSignal(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := New("test-epoll")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	events := make([]unix.EpollEvent, 4)
	if n, err := s.Look(events); n != 0 || err != nil {
		t.Fatalf("a new set looked ready: %d, %v", n, err)
	}
	for name, wait := range map[string]func([]unix.EpollEvent) (int, error){"park": s.Park, "block": s.Block} {
		done := make(chan int, 1)
		go func() {
			n, err := wait(events)
			if err != nil || n != 1 || int(events[0].Fd) != s.Wake {
				t.Errorf("%s: %d events, first %d, %v", name, n, events[0].Fd, err)
			}
			done <- n
		}()
		// Later, so that the waiter most likely waits by then rather than
		// finding the event at its first look (either way it must wake).
		time.AfterFunc(20*time.Millisecond, s.Signal)
		<-done
		s.Drain()
		if n, err := s.Look(events); n != 0 || err != nil {
			t.Fatalf("%s: still ready after Drain: %d, %v", name, n, err)
		}
	}
}
