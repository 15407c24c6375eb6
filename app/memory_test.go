package app

import "testing"

func TestWorthReturning(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		name                        string
		recent, live, objects, free uint64
		want                        bool
	}{
		{"quiet after a burst", 0, 20 * mib, 45 * mib, 10 * mib, true},
		{"still allocating", 3 * mib, 20 * mib, 45 * mib, 10 * mib, false},
		{"too little to bother", 0, 20 * mib, 22 * mib, 2 * mib, false},
		{"little against a large heap", 0, 1024 * mib, 1100 * mib, 100 * mib, false},
		{"much against a large heap", 0, 1024 * mib, 1200 * mib, 100 * mib, true},
		{"live above objects (stale reading)", 0, 30 * mib, 20 * mib, 9 * mib, true},
	}
	for _, c := range cases {
		if _, got := worthReturning(c.recent, c.live, c.objects, c.free); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
