package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"duplex/test/latency"
)

// idleResult: K connections opened (each waits for its welcome) and held
// without traffic; RSS growth of a freshly started server, per connection.
type idleResult struct {
	err         string
	conns       int
	rss0, rss1  int64
	perConn     float64 // bytes
	openElapsed time.Duration
}

func (h *harness) idle(ctx context.Context, p *proc) *idleResult {
	cfg := h.cfg
	r := &idleResult{}
	ctx, cancel := context.WithTimeout(ctx, cfg.idleDeadline)
	defer cancel()
	time.Sleep(cfg.settle)
	rss0, err := p.rss()
	if err != nil {
		r.err = fmt.Sprintf("reading RSS: %v", err)
		return r
	}
	r.rss0 = rss0
	d := newDialer(p.addr, p.srv.path, h.sources, 256)
	t0 := time.Now()
	cs, failed, err := dialMany(ctx, d, cfg.idleConns, 64)
	r.openElapsed = time.Since(t0)
	defer func() { closeAll(cs) }()
	// Held connections are not read; drop the welcome each one holds.
	for _, c := range cs {
		c.buf = nil
	}
	r.conns = len(cs)
	if err != nil {
		r.err = fmt.Sprintf("%d of %d connections failed (first: %v)", failed, cfg.idleConns, err)
	}
	select {
	case <-time.After(cfg.settle):
	case <-ctx.Done():
	}
	rss1, err := p.rss()
	if err != nil {
		r.err = fmt.Sprintf("reading RSS: %v (server alive: %v)", err, p.alive())
		return r
	}
	r.rss1 = rss1
	if len(cs) > 0 {
		r.perConn = float64(rss1-rss0) / float64(len(cs))
	}
	return r
}

// upgradeResult: U connections, at most P at once, each counted when its
// welcome arrives (the JavaScript get accepted it and the open event ran),
// then closed.
type upgradeResult struct {
	window
	done uint64
}

func (h *harness) upgrades(ctx context.Context, p *proc) *upgradeResult {
	cfg := h.cfg
	r := &upgradeResult{}
	ctx, cancel := context.WithTimeout(ctx, cfg.upgradeDeadline)
	defer cancel()
	d := newDialer(p.addr, p.srv.path, h.sources, 512)
	round := func(n int, hs *latency.Histogram) (uint64, error) {
		var next, done atomic.Int64
		var mu sync.Mutex
		var firstErr error
		var wg sync.WaitGroup
		hists := make([]*latency.Histogram, cfg.upgradeConcurrency)
		for w := 0; w < cfg.upgradeConcurrency; w++ {
			hists[w] = new(latency.Histogram)
			wg.Add(1)
			go func(mine *latency.Histogram) {
				defer wg.Done()
				for next.Add(1) <= int64(n) && ctx.Err() == nil {
					start := time.Now()
					c, err := d.dial(ctx)
					if err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						continue
					}
					mine.Add(time.Since(start))
					c.Close()
					done.Add(1)
				}
			}(hists[w])
		}
		wg.Wait()
		if hs != nil {
			for _, x := range hists {
				hs.Merge(x)
			}
		}
		if firstErr == nil && ctx.Err() != nil {
			firstErr = ctx.Err()
		}
		return uint64(done.Load()), firstErr
	}
	if _, err := round(cfg.upgradeConcurrency*4, nil); err != nil {
		r.err = fmt.Sprintf("warm-up: %v", err)
		return r
	}
	all := new(latency.Histogram)
	t0 := time.Now()
	cpu := measureCPU(p)
	done, err := round(cfg.upgrades, all)
	r.elapsed = time.Since(t0)
	r.cpu = cpu(r.elapsed)
	r.done = done
	if err != nil {
		r.err = fmt.Sprintf("%d of %d upgrades failed or missed the deadline (first: %v)", uint64(cfg.upgrades)-done, cfg.upgrades, err)
	} else {
		r.rate = float64(done) / r.elapsed.Seconds()
	}
	r.p50, r.p99 = all.Quantile(0.50), all.Quantile(0.99)
	return r
}
