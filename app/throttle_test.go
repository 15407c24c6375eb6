package app

import (
	"strconv"
	"testing"
	"time"
)

func TestThrottleDelays(t *testing.T) {
	th := newThrottle()
	now := time.Unix(1_000_000, 0)
	const ip = "192.0.2.1"
	for i := 0; i < 3; i++ {
		if d := th.wait(ip, now); d != 0 {
			t.Fatalf("after %d failures: wait %v, want none", i, d)
		}
		th.fail(ip, now)
	}
	if d := th.wait(ip, now); d != time.Second {
		t.Errorf("after 3 failures: wait %v, want 1s", d)
	}
	th.fail(ip, now)
	th.fail(ip, now)
	if d := th.wait(ip, now); d != 4*time.Second {
		t.Errorf("after 5 failures: wait %v, want 4s", d)
	}
	if d := th.wait(ip, now.Add(3*time.Second)); d != time.Second {
		t.Errorf("3s later: wait %v, want 1s", d)
	}
	if d := th.wait("192.0.2.2", now); d != 0 {
		t.Errorf("another address waits %v", d)
	}
	for i := 0; i < 100; i++ {
		th.fail(ip, now)
	}
	if d := th.wait(ip, now); d != th.maxDelay {
		t.Errorf("after 105 failures: wait %v, want the cap %v", d, th.maxDelay)
	}
	if d := th.wait(ip, now.Add(th.forget+th.maxDelay)); d != 0 {
		t.Errorf("long after: wait %v, want none", d)
	}
}

// A spray of addresses cannot grow the table past its bound; past it the
// newcomers share one entry and slow down together.
func TestThrottleBounded(t *testing.T) {
	th := newThrottle()
	th.maxEntries = 100
	now := time.Unix(1_000_000, 0)
	for i := 0; i < 10_000; i++ {
		th.fail("10.0."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256), now)
	}
	if n := len(th.entries); n > th.maxEntries+1 {
		t.Fatalf("%d entries, want at most %d", n, th.maxEntries+1)
	}
	if d := th.wait("203.0.113.9", now); d == 0 {
		t.Errorf("a new address during a spray is not slowed down")
	}
	// Once the spray is old, it is swept away and newcomers start afresh.
	later := now.Add(th.forget + time.Minute)
	th.fail("203.0.113.9", later)
	if _, ok := th.entries["203.0.113.9"]; !ok {
		t.Errorf("old entries were not swept for a new address")
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:5555":           "192.0.2.1",
		"[2001:db8::1]:443":        "2001:db8::/64",
		"[2001:db8::ffff:1:2:3]:1": "2001:db8::/64",
		"[::ffff:192.0.2.7]:80":    "192.0.2.7",
		"not an address":           "not an address",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
