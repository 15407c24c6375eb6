// The two message scenarios, fan-out and echo: clients that send and
// receive over open connections, timed by the latency histogram.

package main

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"duplex/test/latency"
)

// fanoutResult: N clients in group 'bench'; client 0 also sends M
// broadcasts. A broadcast is complete when all N clients (its sender
// included) have received it; the sender never has more than W incomplete
// broadcasts. The window runs from the first measured send (after a warm-up
// whose broadcasts have all completed) to the completion of the last one.
type fanoutResult struct {
	window     // rate: deliveries/s
	clients    int
	messages   int
	deliveries uint64 // measured deliveries received in the window
	missing    uint64 // deliveries expected but not received by the deadline
}

func (h *harness) fanout(ctx context.Context, p *proc) *fanoutResult {
	cfg := h.cfg
	r := &fanoutResult{messages: cfg.fanoutMessages}
	ctx, cancel := context.WithTimeout(ctx, cfg.fanoutDeadline)
	defer cancel()

	cs := h.connect(ctx, p, cfg.fanoutClients, 16<<10, &r.window)
	defer func() { closeAll(cs) }()
	r.clients = len(cs)
	if r.err != "" {
		return r
	}
	n := len(cs)
	warm := cfg.fanoutMessages / 10
	if warm > 200 {
		warm = 200
	}
	if warm < cfg.inflight {
		warm = cfg.inflight
	}
	total := warm + cfg.fanoutMessages
	counts := make([]atomic.Int32, total)
	slots := make(chan struct{}, cfg.inflight)
	for i := 0; i < cfg.inflight; i++ {
		slots <- struct{}{}
	}
	base := time.Now()
	var measured atomic.Uint64
	readErrs := make(chan error, n)
	hists, join := eachClient(cs, func(c *client, hs *latency.Histogram) {
		var mine uint64
		defer func() { measured.Add(mine) }()
		for {
			op, pl, err := c.read()
			if err != nil {
				if ctx.Err() == nil {
					readErrs <- err
				}
				return
			}
			now := time.Since(base)
			if op != ws.OpText || !bytes.HasPrefix(pl, []byte("B:")) {
				continue
			}
			seq, ts, ok := parseStamp(pl)
			if !ok || seq < 0 || seq >= total {
				continue
			}
			if seq >= warm {
				hs.Add(now - time.Duration(ts))
				mine++
			}
			if counts[seq].Add(1) == int32(n) {
				slots <- struct{}{}
			}
		}
	})

	sender := cs[0]
	var buf []byte
	var t0, t1 time.Time
	acquire := func() bool {
		select {
		case <-slots:
			return true
		case <-ctx.Done():
			return false
		case err := <-readErrs:
			r.err = fmt.Sprintf("a client's connection failed: %v", err)
			return false
		}
	}
	// drain waits until every broadcast sent so far has completed.
	drain := func() bool {
		for i := 0; i < cfg.inflight; i++ {
			if !acquire() {
				return false
			}
		}
		for i := 0; i < cfg.inflight; i++ {
			slots <- struct{}{}
		}
		return true
	}
	// broadcast sends broadcasts from..to-1, each once a slot is free, and
	// waits until every one of them has completed.
	broadcast := func(from, to int) bool {
		for seq := from; seq < to; seq++ {
			if !acquire() {
				return false
			}
			buf = stamp(buf, "B:", seq, int64(time.Since(base)), cfg.size)
			if err := sender.WriteMessage(ws.OpText, buf); err != nil {
				if r.err == "" {
					r.err = fmt.Sprintf("sending: %v", err)
				}
				return false
			}
		}
		return drain()
	}
	ok := broadcast(0, warm)
	if ok {
		t0 = time.Now()
		cpu := measureCPU(p)
		ok = broadcast(warm, total)
		t1 = time.Now()
		r.cpu = cpu(t1.Sub(t0))
	}
	if !ok && r.err == "" {
		if ctx.Err() != nil {
			r.err = fmt.Sprintf("deadline %s reached", cfg.fanoutDeadline)
		} else {
			r.err = "stopped"
		}
	}
	cancel()
	closeAll(cs)
	join()
	r.deliveries = measured.Load()
	if !t0.IsZero() {
		r.elapsed = t1.Sub(t0)
		r.rate = float64(r.deliveries) / r.elapsed.Seconds()
	}
	expected := uint64(n) * uint64(cfg.fanoutMessages)
	if r.deliveries < expected {
		r.missing = expected - r.deliveries
	}
	r.quantiles(hists)
	if r.err != "" || r.missing > 0 {
		r.rate = 0 // an incomplete run has no rate to compare
	}
	return r
}

// echoResult: C clients, each in a loop sending `E:` and waiting for its
// echo; messages/s counts echoes received inside the measured window.
type echoResult struct {
	window
	clients int
	echoes  uint64
}

func (h *harness) echo(ctx context.Context, p *proc) *echoResult {
	cfg := h.cfg
	r := &echoResult{}
	ctx, cancel := context.WithTimeout(ctx, cfg.echoWarmup+cfg.echoDuration+60*time.Second)
	defer cancel()
	cs := h.connect(ctx, p, cfg.echoClients, 4096, &r.window)
	defer func() { closeAll(cs) }()
	r.clients = len(cs)
	if r.err != "" {
		return r
	}
	var measuring, stop atomic.Bool
	var count atomic.Uint64
	base := time.Now()
	errs := make(chan error, len(cs))
	hists, join := eachClient(cs, func(c *client, hs *latency.Histogram) {
		var buf []byte
		for seq := 0; !stop.Load(); seq++ {
			buf = stamp(buf, "E:", seq, int64(time.Since(base)), cfg.size)
			if err := c.WriteMessage(ws.OpText, buf); err != nil {
				errs <- err
				return
			}
			for {
				op, pl, err := c.read()
				if err != nil {
					if !stop.Load() {
						errs <- err
					}
					return
				}
				if op != ws.OpText || !bytes.HasPrefix(pl, []byte("E:")) {
					continue
				}
				got, ts, ok := parseStamp(pl)
				if !ok || got != seq {
					continue
				}
				if measuring.Load() {
					hs.Add(time.Since(base) - time.Duration(ts))
					count.Add(1)
				}
				break
			}
		}
	})
	wait := func(d time.Duration) bool {
		select {
		case <-time.After(d):
			return true
		case err := <-errs:
			r.err = fmt.Sprintf("a client's connection failed: %v", err)
		case <-ctx.Done():
			r.err = "deadline reached"
		}
		return false
	}
	if wait(cfg.echoWarmup) {
		t0 := time.Now()
		cpu := measureCPU(p)
		measuring.Store(true)
		ok := wait(cfg.echoDuration)
		measuring.Store(false)
		r.elapsed = time.Since(t0)
		r.cpu = cpu(r.elapsed)
		r.echoes = count.Load()
		if ok {
			r.rate = float64(r.echoes) / r.elapsed.Seconds()
		}
	}
	stop.Store(true)
	// A client blocked on a lost echo is woken by the read deadline.
	for _, c := range cs {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	join()
	r.quantiles(hists)
	return r
}
