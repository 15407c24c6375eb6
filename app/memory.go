package app

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
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

// heapFloor lets the heap grow to at least bytes before the collector runs.
// Go collects when the heap has doubled its live data (GOGC=100), and a
// duplex server's live data is small (4 MiB for the bench app) while it
// allocates fast (every request's and message's objects): at 16,000
// requests a second it collected 70 times a second. Each collection marks
// the whole live heap, so fewer of them is less CPU for the same work.
// Past bytes/2 of live data the floor no longer matters and Go's own pacing
// (GOGC=100) applies: memory stays proportional to what the server holds.
//
// The floor is kept by setting the GC percentage after every collection,
// from the live heap that collection found, which is the one Go paces the
// next collection by: the next one then comes at bytes of heap. Set once a
// second instead, the percentage went stale while thousands of WebSocket
// upgrades grew the live heap eightfold in under a second, and the next
// collection came at 130 MiB instead of 16: idle connections were left
// scattered over pages full of garbage, 2.7 KiB of memory each instead of
// 1.4. Even set at every collection, a floor spread what the connections
// of a burst of upgrades keep over more pages (1.85 KiB each): a burst of
// connections held (burstConnections more than at the last collection)
// hands the pacing back to Go until it is over. An explicit GOGC in the environment turns the floor off.
type heapFloor struct {
	bytes   uint64
	percent int // the GC percentage set last; 0 before the first
	set     func(int) int
	stopped atomic.Bool
	live    []metrics.Sample
	// mu orders settings made from afterGC and opened.
	mu sync.Mutex
	// held is the number of connections open now; heldThen, at the last
	// collection.
	held     func() int64
	heldThen atomic.Int64
}

// burstConnections more held than at the last collection make a burst:
// what they keep should land on few pages, among little garbage, so Go
// paces the collector itself until a collection passes without one.
// Connections that come and go (upgrades answered and closed, HTTP clients
// without keep-alive) keep nothing and make no burst.
const burstConnections = 256

// maxGCPercent bounds the percentage set for a nearly empty heap.
const maxGCPercent = 2000

func newHeapFloor(bytes int64, held func() int64) *heapFloor {
	if _, explicit := os.LookupEnv("GOGC"); explicit || bytes <= 0 {
		return nil
	}
	return &heapFloor{bytes: uint64(bytes), set: debug.SetGCPercent, held: held,
		live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
}

// gcPercent is the percentage that makes the next collection come at floor
// bytes of heap, given live bytes of live data, and never lower than Go's
// default.
func gcPercent(live, floor uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	if floor*100/live < 200 {
		return 100
	}
	return int(min(floor*100/live-100, maxGCPercent))
}

// keep follows every collection until ctx is done, then gives Go its own
// pacing back.
func (f *heapFloor) keep(ctx context.Context, log zerolog.Logger) {
	if f == nil {
		return
	}
	log.Debug().Uint64("bytes", f.bytes).Msg("heap floor kept (--gc-heap-floor)")
	f.afterGC()
	f.arm()
	<-ctx.Done()
	// Under the lock that follow and opened set under, so that neither
	// sets a percentage after this one.
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped.Store(true)
	f.set(100)
}

// arm asks to be told of the next collection: a finalizer runs once the
// collection that found its object unreachable is over.
func (f *heapFloor) arm() {
	sentinel := &gcSentinel{f}
	runtime.SetFinalizer(sentinel, func(s *gcSentinel) {
		if s.f.stopped.Load() {
			return
		}
		s.f.afterGC()
		s.f.arm()
	})
}

type gcSentinel struct{ f *heapFloor }

func (f *heapFloor) afterGC() {
	metrics.Read(f.live)
	f.follow(f.live[0].Value.Uint64())
}

// follow sets the percentage for a collection that found live bytes.
func (f *heapFloor) follow(live uint64) {
	p := gcPercent(live, f.bytes)
	now := f.held()
	if now-f.heldThen.Swap(now) >= burstConnections {
		p = 100
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// A setting stops the world for a moment: not for a change of less
	// than a tenth.
	if f.percent != 0 && p*10 > f.percent*9 && p*10 < f.percent*11 {
		return
	}
	if !f.stopped.Load() {
		f.set(p)
		f.percent = p
	}
}

// opened counts a new connection; the one that makes a burst hands the
// pacing back to Go at once, which collects the garbage the heap floor let
// build up before the connections' own data is spread among it.
func (f *heapFloor) opened() {
	if f.held()-f.heldThen.Load() < burstConnections {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.percent != 100 && !f.stopped.Load() {
		f.set(100)
		f.percent = 100
	}
}
