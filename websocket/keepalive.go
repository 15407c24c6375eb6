package websocket

import "time"

// startTimer arms the single per-session timer that drives both pings and
// the idle timeout; time.AfterFunc costs no goroutine while it waits.
func (s *Session) startTimer() {
	o := &s.hub.opts
	d := nextTick(o, 0)
	if d <= 0 {
		return
	}
	s.mu.Lock()
	if !s.ended {
		s.timer = time.AfterFunc(d, s.tick)
	}
	s.mu.Unlock()
}

// nextTick is how long to sleep after having been idle for idle: until the
// next ping is due or until the idle timeout would expire, whichever first.
func nextTick(o *Options, idle time.Duration) time.Duration {
	var d time.Duration
	if o.PingInterval > 0 {
		d = o.PingInterval
	}
	if o.IdleTimeout > 0 {
		if rest := o.IdleTimeout - idle; d <= 0 || rest < d {
			d = rest
		}
	}
	return d
}

func (s *Session) tick() {
	o := &s.hub.opts
	idle := time.Since(time.Unix(0, s.lastRead.Load()))
	if s.paused.Load() {
		// Not reading is our choice (backpressure), not the peer's silence.
		idle = 0
	}
	if o.IdleTimeout > 0 && idle >= o.IdleTimeout {
		s.closeNow(StatusGoingAway, "idle timeout", ErrIdleTimeout, false)
		return
	}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.timer.Reset(max(nextTick(o, idle), time.Millisecond))
	s.mu.Unlock()
	// Only a quiet peer needs a ping to prove it is alive; its pong
	// refreshes lastRead like any other frame.
	if o.PingInterval > 0 && idle >= o.PingInterval/2 {
		s.enqueue(s.hub.ping)
	}
}
