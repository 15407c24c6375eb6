package auth

import (
	"container/list"
	"sync"
	"time"

	"duplex/websocket"
)

// throttle slows password guessing per client address: after freeFailures
// failed logins, an address must wait before its next attempt, twice as
// long after each further failure (up to maxDelay). It refuses early rather
// than sleeping, so that a guesser never holds a JavaScript worker.
//
// An attempt counts as a failure from the moment it is let through
// (begin), before bcrypt runs, and is taken back if the password was right
// (succeeded): a burst of concurrent guesses gets freeFailures checks, not
// one per request (200 at once were all checked when the count came after
// bcrypt).
//
// The table is bounded: past maxEntries, the address used least recently
// is forgotten. A spray of fresh addresses costs the sprayer its own
// records, never anyone else's login (a shared overflow entry locked real
// users out of new addresses).
type throttle struct {
	freeFailures int
	baseDelay    time.Duration
	maxDelay     time.Duration
	forget       time.Duration // an address quiet this long starts afresh
	maxEntries   int

	mu      sync.Mutex
	entries map[string]*list.Element // of *failures; front: used last
	lru     *list.List
}

type failures struct {
	key  string
	n    int
	last time.Time
}

func newThrottle() *throttle {
	return &throttle{
		freeFailures: 3,
		baseDelay:    time.Second,
		maxDelay:     5 * time.Minute,
		forget:       15 * time.Minute,
		maxEntries:   10000,
		entries:      map[string]*list.Element{},
		lru:          list.New(),
	}
}

// clientKey is the address guesses are counted against: the IP, or its /64
// for IPv6, where one host commonly holds the whole prefix (as connections
// are counted). Callers pass the client's address (websocket.PublicOf):
// behind a trusted proxy, the one it forwarded, or one client's guesses
// would lock out everyone behind the proxy.
func clientKey(remoteAddr string) string { return websocket.AddressKey(remoteAddr) }

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

// begin asks whether the address may try a password now. If so it counts
// the attempt as a failure and returns 0; otherwise it returns how long the
// address must still wait, and counts nothing.
func (t *throttle) begin(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.entry(key, now)
	if d := f.last.Add(t.delay(f.n)).Sub(now); d > 0 {
		return d
	}
	f.n++
	f.last = now
	return 0
}

// succeeded takes back the attempt begin counted: the password was right
// (or was never checked).
func (t *throttle) succeeded(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.entries[key]; ok {
		if f := e.Value.(*failures); f.n > 0 {
			f.n--
		}
	}
}

// entry is key's record, made (and the least recently used one dropped
// when the table is full) if there is none, or none recent.
func (t *throttle) entry(key string, now time.Time) *failures {
	if e, ok := t.entries[key]; ok {
		t.lru.MoveToFront(e)
		f := e.Value.(*failures)
		if now.Sub(f.last) > t.forget {
			f.n = 0
		}
		return f
	}
	if t.lru.Len() >= t.maxEntries {
		oldest := t.lru.Back()
		t.lru.Remove(oldest)
		delete(t.entries, oldest.Value.(*failures).key)
	}
	f := &failures{key: key}
	t.entries[key] = t.lru.PushFront(f)
	return f
}
