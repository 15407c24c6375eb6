package app

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// throttle slows password guessing per client address: after freeFailures
// failed logins, an address must wait before its next attempt, twice as
// long after each further failure (up to maxDelay). It refuses early rather
// than sleeping, so that a guesser never holds a JavaScript worker.
//
// The table is bounded: past maxEntries, addresses not yet in it share one
// entry, so a spray of fresh addresses slows itself down as a crowd instead
// of growing memory or wiping the records of known guessers.
type throttle struct {
	freeFailures int
	baseDelay    time.Duration
	maxDelay     time.Duration
	forget       time.Duration // an address quiet this long starts afresh
	maxEntries   int

	mu      sync.Mutex
	entries map[string]*failures
	swept   time.Time
}

type failures struct {
	n    int
	last time.Time
}

// crowd is the shared entry of addresses that found the table full.
const crowd = "*"

func newThrottle() *throttle {
	return &throttle{
		freeFailures: 3,
		baseDelay:    time.Second,
		maxDelay:     5 * time.Minute,
		forget:       15 * time.Minute,
		maxEntries:   10000,
		entries:      map[string]*failures{},
	}
}

// clientKey is the address guesses are counted against: the IP, or its /64
// for IPv6, where one host commonly holds the whole prefix.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// delay is how long after its last failure an address with n failures must
// wait.
func (t *throttle) delay(n int) time.Duration {
	if n < t.freeFailures {
		return 0
	}
	d := t.baseDelay
	for i := t.freeFailures; i < n && d < t.maxDelay; i++ {
		d *= 2
	}
	return min(d, t.maxDelay)
}

// wait returns how long the address must still wait before it may try a
// password; 0 means now.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.entries[key]
	if f == nil {
		f = t.entries[crowd]
		if f == nil || len(t.entries) < t.maxEntries {
			return 0
		}
	}
	return max(0, f.last.Add(t.delay(f.n)).Sub(now))
}

// fail counts a failed login of the address.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.entries[key]
	if f == nil {
		if len(t.entries) >= t.maxEntries && now.Sub(t.swept) > time.Second {
			t.swept = now
			for k, e := range t.entries {
				if now.Sub(e.last) > t.forget {
					delete(t.entries, k)
				}
			}
		}
		if len(t.entries) >= t.maxEntries {
			key = crowd
			f = t.entries[crowd]
		}
	}
	if f == nil || now.Sub(f.last) > t.forget {
		f = &failures{}
		t.entries[key] = f
	}
	f.n++
	f.last = now
}
