package main

import (
	"testing"
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

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "—", 999: "999", 1000: "1,000", 1234567.4: "1,234,567"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}
