// Package latency holds the latency histogram of the load generators
// (cmd/duplex-bench and test/soakclient), so that both report quantiles
// the same way.
package latency

import (
	"math"
	"sync/atomic"
	"time"
)

const (
	// Buckets are 1% wide on a log scale: a quantile is off by at most 1%,
	// while a histogram stays a fixed 9 KiB however many samples it takes.
	base    = 1.01
	minNs   = 1000.0 // everything below 1µs lands in bucket 0
	buckets = 2200   // 1µs * 1.01^2200 ≈ 53 minutes, far past any deadline
)

// Histogram counts durations. Its zero value is empty and ready; Add may be
// called from many goroutines at once (the soak client's 10,000 readers
// share one), and a load generator that wants no shared cache line keeps
// one per goroutine and merges them at the end.
type Histogram struct {
	counts [buckets]atomic.Uint32
	n      atomic.Uint64
	max    atomic.Int64
}

// bucket is the index of the bucket holding d.
func bucket(d time.Duration) int {
	v := float64(d)
	if v <= minNs {
		return 0
	}
	return min(int(math.Log(v/minNs)/math.Log(base))+1, buckets-1)
}

// upper is the upper edge of bucket i.
func upper(i int) time.Duration {
	if i == 0 {
		return time.Duration(minNs)
	}
	return time.Duration(minNs * math.Pow(base, float64(i)))
}

// Add counts one sample.
func (h *Histogram) Add(d time.Duration) {
	h.counts[bucket(d)].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Merge adds o's samples to h.
func (h *Histogram) Merge(o *Histogram) {
	for i := range o.counts {
		if c := o.counts[i].Load(); c > 0 {
			h.counts[i].Add(c)
		}
	}
	h.n.Add(o.n.Load())
	for {
		m, om := h.max.Load(), o.max.Load()
		if om <= m || h.max.CompareAndSwap(m, om) {
			return
		}
	}
}

// Count is the number of samples.
func (h *Histogram) Count() uint64 { return h.n.Load() }

// Max is the largest sample, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Quantile returns the upper edge of the bucket holding quantile q (0 for
// an empty histogram), never more than the largest sample: a quantile
// overstates by at most the bucket width, and the maximum is exact.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := max(uint64(math.Ceil(q*float64(n))), 1)
	var seen uint64
	for i := range h.counts {
		seen += uint64(h.counts[i].Load())
		if seen >= rank && i < buckets-1 {
			return min(upper(i), h.Max())
		}
	}
	// The last bucket also holds everything past its edge.
	return h.Max()
}
