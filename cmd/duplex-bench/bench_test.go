package main

import (
	"testing"
	"time"
)

func TestStampRoundTrip(t *testing.T) {
	buf := stamp(nil, "B:", 1234, 987654321, 64)
	if len(buf) != 64 {
		t.Fatalf("len %d, want 64", len(buf))
	}
	seq, ns, ok := parseStamp(buf)
	if !ok || seq != 1234 || ns != 987654321 {
		t.Fatalf("parseStamp(%q) = %d, %d, %v", buf, seq, ns, ok)
	}
	for _, bad := range []string{"", "B:", "B:x:1:", "B:1:", "B:1:y:"} {
		if _, _, ok := parseStamp([]byte(bad)); ok {
			t.Errorf("parseStamp(%q) ok", bad)
		}
	}
}

func TestHistQuantiles(t *testing.T) {
	h := newHist()
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	o := newHist()
	o.add(time.Hour) // one outlier far past the last bucket
	h.merge(o)
	check := func(q float64, want time.Duration) {
		got := h.quantile(q)
		if got < want || float64(got) > float64(want)*1.021 {
			t.Errorf("quantile(%v) = %v, want %v within 2%%", q, got, want)
		}
	}
	check(0.5, 500*time.Microsecond)
	check(0.99, 990*time.Microsecond)
	if h.quantile(1) < 50*time.Minute {
		t.Errorf("max = %v", h.quantile(1))
	}
	if newHist().quantile(0.5) != 0 {
		t.Error("empty histogram has a median")
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "—", 999: "999", 1000: "1,000", 1234567.4: "1,234,567"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}
