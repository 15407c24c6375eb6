package websocket

import "time"

// The hub's sweeper drives pings and the idle timeout of all its sessions:
// one goroutine and one ticker per hub instead of a timer per session
// (about 200 bytes each, most of an idle session's cost after the session
// itself). It runs only while the hub has sessions.

// sweepPeriod is how often the sweeper looks: a quarter of the shorter of
// the two intervals, so that a ping or an idle close comes at most a
// quarter late; 0 when both are disabled.
func sweepPeriod(o *Options) time.Duration {
	var d time.Duration
	for _, v := range []time.Duration{o.PingInterval, o.IdleTimeout} {
		if v > 0 && (d == 0 || v < d) {
			d = v
		}
	}
	if d == 0 {
		return 0
	}
	return max(d/4, time.Millisecond)
}

// startSweeperLocked starts the sweeper for the hub's first live session;
// h.mu is held.
func (h *Hub) startSweeperLocked() {
	period := sweepPeriod(&h.opts)
	if period == 0 || h.sweepStop != nil {
		return
	}
	stop := make(chan struct{})
	h.sweepStop = stop
	go h.sweep(period, stop)
}

// stopSweeperLocked stops it once the last session is gone; h.mu is held.
func (h *Hub) stopSweeperLocked() {
	if h.sweepStop != nil {
		close(h.sweepStop)
		h.sweepStop = nil
	}
}

func (h *Hub) sweep(period time.Duration, stop chan struct{}) {
	t := time.NewTicker(period)
	defer t.Stop()
	var batch []*Session
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		// A snapshot, so that the registry's lock is held only for the
		// copy, not for the pings.
		h.mu.RLock()
		batch = batch[:0]
		for _, s := range h.sessions {
			batch = append(batch, s)
		}
		h.mu.RUnlock()
		now := monoNow()
		for i, s := range batch {
			s.keepalive(now)
			batch[i] = nil
		}
		if cap(batch) > 2*len(batch)+1024 {
			// The hub shrank a lot: let the big snapshot go.
			batch = nil
		}
	}
}

// keepalive closes a session silent for IdleTimeout and pings one quiet for
// half the ping interval, at most once per interval; the pong refreshes
// lastRead like any other frame. Only the sweeper calls it.
func (s *Session) keepalive(now int64) {
	if s.out.closing.Load() {
		return
	}
	o := &s.hub.opts
	idle := time.Duration(now - s.lastRead.Load())
	if s.paused.Load() {
		// Not reading is our choice (backpressure), not the peer's silence.
		idle = 0
	}
	if o.IdleTimeout > 0 && idle >= o.IdleTimeout {
		s.closeNow(StatusGoingAway, "idle timeout", ErrIdleTimeout, false)
		return
	}
	// lastPing 0: never pinged (monoNow starts at 0 with the process).
	if o.PingInterval > 0 && idle >= o.PingInterval/2 && (s.lastPing == 0 || time.Duration(now-s.lastPing) >= o.PingInterval) {
		s.lastPing = now
		s.enqueue(s.hub.ping)
	}
}
