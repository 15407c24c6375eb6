package app

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/rs/zerolog"
)

// Go's scavenger keeps the heap's free pages resident up to the next
// collection's goal, about twice the live heap. After a burst (thousands of
// upgrades, each leaving its request and JavaScript garbage) an idle server
// would hold twice what its connections need. returnMemory gives that back
// once the process is quiet: when it allocated little in the last period
// and at least a quarter of the live heap (and minReturn) could be
// returned, it collects and releases the free pages. A busy process is
// left to the Go runtime.
const (
	memoryPeriod = time.Second
	quietAllocs  = 2 << 20 // bytes allocated per period below which the process counts as quiet
	minReturn    = 8 << 20 // never collect for less
)

func returnMemory(ctx context.Context, log zerolog.Logger) {
	samples := []metrics.Sample{
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	t := time.NewTicker(memoryPeriod)
	defer t.Stop()
	var lastAllocs uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(samples)
		allocs, live := samples[0].Value.Uint64(), samples[1].Value.Uint64()
		objects, free := samples[2].Value.Uint64(), samples[3].Value.Uint64()
		recent := allocs - lastAllocs
		lastAllocs = allocs
		reclaimable, worth := worthReturning(recent, live, objects, free)
		if !worth {
			continue
		}
		start := time.Now()
		debug.FreeOSMemory()
		log.Debug().Uint64("reclaimable", reclaimable).Uint64("live", live).
			Dur("took", time.Since(start)).Msg("quiet: returned free memory to the system")
	}
}

// worthReturning reports what a collection could give back (garbage not
// yet collected plus free pages not yet released) and whether, with recent
// bytes allocated in the last period, the process is quiet and that is
// enough to be worth a collection now.
func worthReturning(recent, live, objects, free uint64) (uint64, bool) {
	reclaimable := free + objects - min(live, objects)
	return reclaimable, recent < quietAllocs && reclaimable >= minReturn && reclaimable >= live/4
}
