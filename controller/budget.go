package controller

import "sync/atomic"

// BodyBudget bounds the bytes of request bodies held in memory at once,
// across every application of a server. A body is read before a runtime is
// free, so without it a burst of large bodies waits in memory (40 bodies of
// 10 MB took RSS from 16 MB to 750 MB); with it, the request past the
// budget is answered 503 before its body is read.
type BodyBudget struct {
	max     int64
	used    atomic.Int64
	refused atomic.Int64
}

// NewBodyBudget returns a budget of max bytes.
func NewBodyBudget(max int64) *BodyBudget { return &BodyBudget{max: max} }

// take reserves n bytes, reporting false when they do not fit.
func (b *BodyBudget) take(n int64) bool {
	for {
		used := b.used.Load()
		if used+n > b.max {
			b.refused.Add(1)
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

// give returns n bytes taken before.
func (b *BodyBudget) give(n int64) { b.used.Add(-n) }

// Max is the budget's size.
func (b *BodyBudget) Max() int64 { return b.max }

// Used is how many bytes bodies hold now.
func (b *BodyBudget) Used() int64 { return b.used.Load() }

// Refused counts the requests refused for want of room.
func (b *BodyBudget) Refused() int64 { return b.refused.Load() }
