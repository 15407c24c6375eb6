package latency

import (
	"sync"
	"testing"
	"time"
)

// TestHistQuantiles is the test duplex-bench and the soak client each had
// for their own histogram.
func TestHistQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Add(time.Duration(i) * time.Microsecond)
	}
	var o Histogram
	o.Add(time.Hour) // one outlier far past the last bucket
	h.Merge(&o)
	check := func(q float64, want time.Duration) {
		t.Helper()
		got := h.Quantile(q)
		if got < want || float64(got) > float64(want)*1.021 {
			t.Errorf("Quantile(%v) = %v, want %v within 2%%", q, got, want)
		}
	}
	check(0.5, 500*time.Microsecond)
	check(0.99, 990*time.Microsecond)
	if got := h.Quantile(1); got != time.Hour {
		t.Errorf("Quantile(1) = %v, want the largest sample, 1h", got)
	}
	if h.Max() != time.Hour || h.Count() != 1001 {
		t.Errorf("Max %v, Count %d; want 1h, 1001", h.Max(), h.Count())
	}
	var empty Histogram
	if empty.Quantile(0.5) != 0 {
		t.Error("an empty histogram has a median")
	}
}

// TestSmallSamples: a quantile is never above the largest sample, so that a
// run of sub-microsecond samples does not report 1µs.
func TestSmallSamples(t *testing.T) {
	var h Histogram
	h.Add(200 * time.Nanosecond)
	h.Add(300 * time.Nanosecond)
	if got := h.Quantile(0.99); got != 300*time.Nanosecond {
		t.Errorf("Quantile(0.99) = %v, want 300ns", got)
	}
}

func TestConcurrentAdd(t *testing.T) {
	var h Histogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				h.Add(time.Duration(g*1000+i) * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	if h.Count() != 8000 {
		t.Fatalf("Count %d, want 8000", h.Count())
	}
	if h.Max() != 7999*time.Microsecond {
		t.Errorf("Max %v, want 7.999ms", h.Max())
	}
}
