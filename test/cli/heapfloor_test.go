package cli

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"duplex/test/harness"
)

// TestHeapFloor: with --gc-heap-floor at its default (64 MiB), a server
// with a small live heap answering a burst of requests collects far less
// often than with Go's own pacing (--gc-heap-floor 0), as counted by
// duplex_gc_cycles_total.
func TestHeapFloor(t *testing.T) {
	t.Parallel()
	cycles := func(args ...string) int64 {
		s := duplex.Start(t, append([]string{"--app", harness.App("myapp"), "--metrics-addr", "127.0.0.1:0"}, args...)...)
		url := harness.MetricsURL(t, s)
		harness.Get(t, s.URL+"/_/service/myapp/echo") // runtimes and modules loaded
		before := harness.Scrape(t, url)["duplex_gc_cycles_total"]
		// About 20 MB of garbage: 1200 answers of the request echoed.
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for c := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 150 {
					res, err := http.Get(fmt.Sprintf("%s/_/service/myapp/echo?c=%d&i=%d", s.URL, c, i))
					if err != nil {
						errs <- err
						return
					}
					res.Body.Close()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		return harness.Scrape(t, url)["duplex_gc_cycles_total"] - before
	}
	paced, floored := cycles("--gc-heap-floor", "0"), cycles()
	t.Logf("collections during 1200 requests: %d with Go's pacing, %d with the heap floor", paced, floored)
	if paced < 4 {
		t.Fatalf("only %d collections with Go's pacing: the load is too light to tell the floor's effect", paced)
	}
	if floored > paced/3 {
		t.Errorf("%d collections with the heap floor, %d without: want at most a third", floored, paced)
	}
}
