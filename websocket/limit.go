package websocket

import "sync/atomic"

// Limit caps the WebSocket sessions of a whole server, across the hubs of
// all its applications: past it an upgrade is answered 503 before the
// handshake, instead of the process running out of file descriptors and
// failing everyone.
type Limit struct {
	max  int64
	open atomic.Int64
}

// NewLimit allows at most max concurrent sessions; max <= 0 means no limit.
func NewLimit(max int) *Limit { return &Limit{max: int64(max)} }

// acquire takes a slot, reporting false when none is free. A nil Limit
// never refuses.
func (l *Limit) acquire() bool {
	if l == nil {
		return true
	}
	if l.open.Add(1) > l.max && l.max > 0 {
		l.open.Add(-1)
		return false
	}
	return true
}

func (l *Limit) release() {
	if l != nil {
		l.open.Add(-1)
	}
}

// Open is the number of sessions holding a slot.
func (l *Limit) Open() int {
	if l == nil {
		return 0
	}
	return int(l.open.Load())
}
