package main

import (
	"math"
	"time"
)

// hist is a latency histogram with buckets 1% wide (log scale), from 1µs
// to well past any deadline; one per goroutine, merged at the end.
type hist struct {
	counts []uint32
	n      uint64
}

const (
	histBase    = 1.01
	histMinNs   = 1000.0 // everything below 1µs lands in bucket 0
	histBuckets = 2200   // 1µs * 1.01^2200 ≈ 53 minutes, far past any deadline
)

var histLogBase = math.Log(histBase)

func newHist() *hist { return &hist{counts: make([]uint32, histBuckets)} }

func (h *hist) add(d time.Duration) {
	v := float64(d)
	i := 0
	if v > histMinNs {
		i = int(math.Log(v/histMinNs)/histLogBase) + 1
		if i >= histBuckets {
			i = histBuckets - 1
		}
	}
	h.counts[i]++
	h.n++
}

func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// quantile returns the upper edge of the bucket holding quantile q.
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			if i == 0 {
				return time.Duration(histMinNs)
			}
			return time.Duration(histMinNs * math.Pow(histBase, float64(i)))
		}
	}
	return time.Duration(histMinNs * math.Pow(histBase, histBuckets))
}
