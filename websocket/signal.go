package websocket

import (
	"sync/atomic"
	"time"
)

// signal wakes the one goroutine that waits for a socket to become
// writable (or readable while closing). The poller fires it; the waiter
// resets it before the attempt that may fail and waits only after that
// attempt, so a readiness edge that comes in between is never lost. The
// channel is made on the first wait: sockets that never block never pay
// for it.
type signal struct {
	fired atomic.Bool
	ch    atomic.Pointer[chan struct{}]
}

func (g *signal) reset() { g.fired.Store(false) }

func (g *signal) fire() {
	g.fired.Store(true)
	if c := g.ch.Load(); c != nil {
		select {
		case *c <- struct{}{}:
		default:
		}
	}
}

func (g *signal) channel() *chan struct{} {
	if c := g.ch.Load(); c != nil {
		return c
	}
	nc := make(chan struct{}, 1)
	if g.ch.CompareAndSwap(nil, &nc) {
		return &nc
	}
	return g.ch.Load()
}

// block waits for a fire since the last reset. A stale wake-up may return
// early; callers check their condition again.
func (g *signal) block() {
	c := g.channel()
	if g.fired.Load() {
		return
	}
	<-*c
}

// wait reports false when d passed without a fire since the last reset. A
// stale wake-up may return true early; callers retry their operation.
func (g *signal) wait(d time.Duration) bool {
	c := g.channel()
	if g.fired.Load() {
		return true
	}
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-*c:
		return true
	case <-t.C:
		return false
	}
}
