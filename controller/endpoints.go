package controller

import (
	"net/http"
	"strings"
	"sync"

	"duplex/lib"
	"duplex/websocket"
)

// maxEndpoints bounds the hosts an engine keeps one lib.Endpoint for: the
// Host header is the client's to choose, and a table of every value ever
// sent would grow without end. Past it, a session gets an Endpoint of its
// own.
const maxEndpoints = 64

// endpoints shares one lib.Endpoint per scheme and host among the sessions
// of an engine: the upgrade's host is kept for every session's lifetime,
// and nearly all of them came to the same one or two.
type endpoints struct {
	mu    sync.Mutex
	known map[lib.Endpoint]*lib.Endpoint
}

// of is the Endpoint the upgrade request r came to, as its client asked
// for it (websocket.PublicOf).
func (t *endpoints) of(r *http.Request) *lib.Endpoint {
	pub := websocket.PublicOf(r)
	key := lib.Endpoint{Scheme: pub.Scheme, Host: pub.Host}
	t.mu.Lock()
	defer t.mu.Unlock()
	if ep, ok := t.known[key]; ok {
		return ep
	}
	// A copy: the request's host shares the request's memory.
	ep := &lib.Endpoint{Scheme: pub.Scheme, Host: strings.Clone(pub.Host)}
	if t.known == nil {
		t.known = map[lib.Endpoint]*lib.Endpoint{}
	}
	if len(t.known) < maxEndpoints {
		t.known[*ep] = ep
	}
	return ep
}
