package main

import (
	"fmt"
	"time"

	"duplex/test/latency"
)

// usage is CPU time spent over a measured window, in cores (1.0 = one core
// busy all along): by the server, by the harness (the clients), and by
// everything else on the machine (other processes, interrupts not charged
// to either), which should be near 0 for a clean measurement.
type usage struct {
	server, client, other float64
}

func measureCPU(p *proc) func(elapsed time.Duration) usage {
	s0, c0, m0 := p.cpu(), selfCPU(), machineBusy()
	return func(elapsed time.Duration) usage {
		if elapsed <= 0 {
			return usage{}
		}
		u := usage{
			server: float64(p.cpu()-s0) / float64(elapsed),
			client: float64(selfCPU()-c0) / float64(elapsed),
		}
		u.other = float64(machineBusy()-m0)/float64(elapsed) - u.server - u.client
		if u.other < 0 {
			u.other = 0
		}
		return u
	}
}

func (u usage) String() string {
	return fmt.Sprintf("server %.2f cores, clients %.2f, other %.2f", u.server, u.client, u.other)
}

// window is what a throughput scenario measures over its window: how much
// per second, with what latency, at what CPU cost; err says why it stopped
// short, if it did.
type window struct {
	err      string
	elapsed  time.Duration
	rate     float64
	p50, p99 time.Duration
	cpu      usage
}

// quantiles sets p50 and p99 from the scenario's per-client histograms.
func (w *window) quantiles(hs []*latency.Histogram) {
	var all latency.Histogram
	for _, h := range hs {
		all.Merge(h)
	}
	w.p50, w.p99 = all.Quantile(0.50), all.Quantile(0.99)
}
