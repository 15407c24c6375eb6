package app

import (
	"slices"
	"testing"
)

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

func TestGCPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{4 * mib, 64 * mib, 1500},  // the next collection at 64 MiB
		{16 * mib, 64 * mib, 300},  // still 64
		{32 * mib, 64 * mib, 100},  // Go's own pacing from half the floor up
		{500 * mib, 64 * mib, 100}, // and never below it
		{1 * mib, 64 * mib, 2000},  // bounded for a nearly empty heap
		{0, 64 * mib, 2000},
	} {
		if got := gcPercent(c.live, c.floor); got != c.want {
			t.Errorf("live %d MiB, floor %d MiB: %d, want %d", c.live/mib, c.floor/mib, got, c.want)
		}
	}
}

// A burst of new connections hands the pacing back to Go at once, and
// until a collection passes without one; then the floor is kept again.
// Connections that come and go make no burst.
func TestHeapFloorBurst(t *testing.T) {
	const mib = 1 << 20
	var set []int
	var held int64
	f := &heapFloor{bytes: 64 * mib, set: func(p int) int { set = append(set, p); return 0 },
		held: func() int64 { return held }}
	f.follow(4 * mib)
	for range 10 * burstConnections { // churn: each closed before the next
		held++
		f.opened()
		held--
	}
	for range burstConnections - 1 {
		held++
		f.opened()
	}
	f.follow(4 * mib) // fewer than a burst held: the floor stays
	for range burstConnections {
		held++
		f.opened()
	}
	f.follow(8 * mib) // the collection after a burst
	f.follow(8 * mib) // a quiet cycle
	if want := []int{1500, 100, 700}; !slices.Equal(set, want) {
		t.Fatalf("percentages set %v, want %v", set, want)
	}
	f.stopped.Store(true)
	f.follow(2 * mib)
	if len(set) != 3 {
		t.Fatalf("set %v after stopping", set)
	}
}
