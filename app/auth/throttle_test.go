package auth

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fails counts n failed attempts of key at now.
func fails(th *throttle, key string, now time.Time, n int) {
	for range n {
		th.mu.Lock()
		f := th.entry(key, now)
		f.n++
		f.last = now
		th.mu.Unlock()
	}
}

func TestThrottleDelays(t *testing.T) {
	th := newThrottle()
	now := time.Unix(1_000_000, 0)
	const ip = "192.0.2.1"
	for i := 0; i < 3; i++ {
		if d := th.begin(ip, now); d != 0 {
			t.Fatalf("attempt %d: wait %v, want none", i+1, d)
		}
	}
	if d := th.begin(ip, now); d != time.Second {
		t.Errorf("after 3 failures: wait %v, want 1s", d)
	}
	fails(th, ip, now, 2)
	if d := th.begin(ip, now); d != 4*time.Second {
		t.Errorf("after 5 failures: wait %v, want 4s", d)
	}
	if d := th.begin(ip, now.Add(3*time.Second)); d != time.Second {
		t.Errorf("3s later: wait %v, want 1s", d)
	}
	if d := th.begin("192.0.2.2", now); d != 0 {
		t.Errorf("another address waits %v", d)
	}
	fails(th, ip, now, 100)
	if d := th.begin(ip, now); d != th.maxDelay {
		t.Errorf("after 105 failures: wait %v, want the cap %v", d, th.maxDelay)
	}
	if d := th.begin(ip, now.Add(th.forget+th.maxDelay)); d != 0 {
		t.Errorf("long after: wait %v, want none", d)
	}
}

// A burst of concurrent attempts is let through freeFailures at a time:
// each counts before its password is checked.
func TestThrottleBurst(t *testing.T) {
	th := newThrottle()
	now := time.Unix(1_000_000, 0)
	var passed atomic.Int64
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if th.begin("192.0.2.1", now) == 0 {
				passed.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := passed.Load(); n != 3 {
		t.Errorf("%d of 200 concurrent attempts let through, want 3", n)
	}
	// A right password gives its attempt back.
	th.succeeded("192.0.2.1")
	if d := th.begin("192.0.2.1", now); d != 0 {
		t.Errorf("after a success: wait %v, want none", d)
	}
}

// A spray of addresses cannot grow the table past its bound, and cannot
// lock anyone out: the least recently used addresses are forgotten, and a
// new address starts afresh.
func TestThrottleBounded(t *testing.T) {
	th := newThrottle()
	th.maxEntries = 100
	now := time.Unix(1_000_000, 0)
	fails(th, "198.51.100.7", now, 10) // a guesser, early
	for i := 0; i < 10_000; i++ {
		fails(th, "10.0."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256), now, 1)
	}
	if n := len(th.entries); n > th.maxEntries || th.lru.Len() != n {
		t.Fatalf("%d entries (%d in the LRU list), want at most %d", n, th.lru.Len(), th.maxEntries)
	}
	if d := th.begin("203.0.113.9", now); d != 0 {
		t.Errorf("a new address during a spray waits %v, want none", d)
	}
	if _, ok := th.entries["10.0.0.0"]; ok {
		t.Error("the least recently used address was kept")
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
