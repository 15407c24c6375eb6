package cluster

import (
	"errors"
	"strings"
	"sync"
)

// memBus is an in-memory Transport for cluster tests, with NATS's
// guarantees: order per publisher and subject, no echo, at most once. An
// endpoint can be cut off (its link down) and reconnected.
type memBus struct {
	mu  sync.Mutex
	eps []*memEndpoint
}

type memEndpoint struct {
	bus      *memBus
	up       bool
	subs     map[*memSub]struct{}
	watchers map[*func(bool)]struct{}
}

type memSub struct {
	pattern []string
	handle  func(string, []byte)
	q       chan memMsg
	done    chan struct{}
	exited  chan struct{}
}

type memMsg struct {
	subject string
	data    []byte
}

var errLinkDown = errors.New("link down")

func (b *memBus) endpoint() *memEndpoint {
	b.mu.Lock()
	defer b.mu.Unlock()
	ep := &memEndpoint{bus: b, up: true, subs: map[*memSub]struct{}{}, watchers: map[*func(bool)]struct{}{}}
	b.eps = append(b.eps, ep)
	return ep
}

func (ep *memEndpoint) Publish(subject string, data []byte) error {
	b := ep.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if !ep.up {
		return errLinkDown
	}
	tokens := strings.Split(subject, ".")
	for _, other := range b.eps {
		if other == ep || !other.up {
			continue
		}
		for s := range other.subs {
			if matchSubject(s.pattern, tokens) {
				select {
				case s.q <- memMsg{subject, append([]byte(nil), data...)}:
				default: // a slow consumer loses messages, as in NATS
				}
			}
		}
	}
	return nil
}

func matchSubject(pattern, tokens []string) bool {
	for i, p := range pattern {
		if p == ">" {
			return len(tokens) > i
		}
		if i >= len(tokens) || (p != "*" && p != tokens[i]) {
			return false
		}
	}
	return len(pattern) == len(tokens)
}

func (ep *memEndpoint) Subscribe(subject string, handle func(string, []byte)) (func(), error) {
	s := &memSub{pattern: strings.Split(subject, "."), handle: handle, q: make(chan memMsg, 1<<14), done: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		defer close(s.exited)
		for {
			select {
			case m := <-s.q:
				s.handle(m.subject, m.data)
			case <-s.done:
				return
			}
		}
	}()
	ep.bus.mu.Lock()
	ep.subs[s] = struct{}{}
	ep.bus.mu.Unlock()
	return func() {
		ep.bus.mu.Lock()
		delete(ep.subs, s)
		ep.bus.mu.Unlock()
		close(s.done)
		<-s.exited
	}, nil
}

func (ep *memEndpoint) Watch(fn func(bool)) func() {
	ep.bus.mu.Lock()
	defer ep.bus.mu.Unlock()
	ep.watchers[&fn] = struct{}{}
	return func() {
		ep.bus.mu.Lock()
		delete(ep.watchers, &fn)
		ep.bus.mu.Unlock()
	}
}

// setUp cuts the endpoint off the bus or brings it back; messages for it
// meanwhile are lost.
func (ep *memEndpoint) setUp(up bool) {
	ep.bus.mu.Lock()
	ep.up = up
	var fns []func(bool)
	for fn := range ep.watchers {
		fns = append(fns, *fn)
	}
	ep.bus.mu.Unlock()
	for _, fn := range fns {
		fn(up)
	}
}
