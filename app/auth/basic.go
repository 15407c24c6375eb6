package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// basicCache remembers HTTP Basic credentials that passed bcrypt, for a
// short while, so that a client authenticating every request does not cost
// a bcrypt each time. It keeps a keyed hash of the credentials (the key is
// random per process), never the password, and it is bounded: when full it
// starts over.
type basicCache struct {
	key []byte
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[[32]byte]basicEntry
}

type basicEntry struct {
	login string
	// hash is the user's password hash when verified: a password changed
	// since then no longer matches.
	hash    string
	expires time.Time
}

func newBasicCache() *basicCache {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &basicCache{key: key, ttl: time.Minute, max: 1024, entries: map[[32]byte]basicEntry{}}
}

func (c *basicCache) sum(name, password string) [32]byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var s [32]byte
	copy(s[:], m.Sum(nil))
	return s
}

// get returns the login that name and password were verified for, and the
// password hash they were verified against.
func (c *basicCache) get(name, password string, now time.Time) (string, string, bool) {
	s := c.sum(name, password)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[s]
	if !ok || now.After(e.expires) {
		return "", "", false
	}
	return e.login, e.hash, true
}

func (c *basicCache) put(name, password, login, hash string, now time.Time) {
	s := c.sum(name, password)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[s] = basicEntry{login: login, hash: hash, expires: now.Add(c.ttl)}
}
