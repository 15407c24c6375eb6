package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"duplex/internal/latency"
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

// fanoutResult: N clients in group 'bench'; client 0 also sends M
// broadcasts. A broadcast is complete when all N clients (its sender
// included) have received it; the sender never has more than W incomplete
// broadcasts. The window runs from the first measured send (after a warm-up
// whose broadcasts have all completed) to the completion of the last one.
type fanoutResult struct {
	err        string
	clients    int
	messages   int
	deliveries uint64 // measured deliveries received in the window
	elapsed    time.Duration
	rate       float64 // deliveries/s
	p50, p99   time.Duration
	missing    uint64 // deliveries expected but not received by the deadline
	cpu        usage
}

func (h *harness) fanout(ctx context.Context, p *proc) *fanoutResult {
	cfg := h.cfg
	r := &fanoutResult{messages: cfg.fanoutMessages}
	ctx, cancel := context.WithTimeout(ctx, cfg.fanoutDeadline)
	defer cancel()

	d := newDialer(p.addr, p.srv.path, h.sources, 16<<10)
	cs, _, err := dialMany(ctx, d, cfg.fanoutClients, 64)
	defer func() { closeAll(cs) }()
	r.clients = len(cs)
	if err != nil {
		r.err = fmt.Sprintf("connecting %d clients: %v (%d connected)", cfg.fanoutClients, err, len(cs))
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
	hists := make([]*latency.Histogram, n)
	readErrs := make(chan error, n)
	var wg sync.WaitGroup
	for i, c := range cs {
		hists[i] = new(latency.Histogram)
		wg.Add(1)
		go func(c *client, hs *latency.Histogram) {
			defer wg.Done()
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
		}(c, hists[i])
	}

	sender := cs[0]
	var buf []byte
	var t0, t1 time.Time
	var cpu func(time.Duration) usage
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
	sendErr := func(err error) {
		if r.err == "" {
			r.err = fmt.Sprintf("sending: %v", err)
		}
	}
	ok := true
	for seq := 0; seq < warm && ok; seq++ {
		if ok = acquire(); ok {
			buf = stamp(buf, "B:", seq, int64(time.Since(base)), cfg.size)
			if err := sender.write(ws.OpText, buf); err != nil {
				sendErr(err)
				ok = false
			}
		}
	}
	ok = ok && drain()
	if ok {
		t0 = time.Now()
		cpu = measureCPU(p)
		for seq := warm; seq < total && ok; seq++ {
			if ok = acquire(); ok {
				buf = stamp(buf, "B:", seq, int64(time.Since(base)), cfg.size)
				if err := sender.write(ws.OpText, buf); err != nil {
					sendErr(err)
					ok = false
				}
			}
		}
		ok = ok && drain()
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
	if t1.IsZero() && !t0.IsZero() {
		t1 = time.Now()
		r.cpu = cpu(t1.Sub(t0))
	}
	cancel()
	closeAll(cs)
	wg.Wait()
	all := new(latency.Histogram)
	for _, hs := range hists {
		all.Merge(hs)
	}
	r.deliveries = measured.Load()
	if !t0.IsZero() {
		r.elapsed = t1.Sub(t0)
		r.rate = float64(r.deliveries) / r.elapsed.Seconds()
	}
	expected := uint64(n) * uint64(cfg.fanoutMessages)
	if r.deliveries < expected {
		r.missing = expected - r.deliveries
	}
	r.p50, r.p99 = all.Quantile(0.50), all.Quantile(0.99)
	if r.err != "" || r.missing > 0 {
		r.rate = 0 // an incomplete run has no rate to compare
	}
	return r
}

// echoResult: C clients, each in a loop sending `E:` and waiting for its
// echo; messages/s counts echoes received inside the measured window.
type echoResult struct {
	err      string
	clients  int
	echoes   uint64
	elapsed  time.Duration
	rate     float64
	p50, p99 time.Duration
	cpu      usage
}

func (h *harness) echo(ctx context.Context, p *proc) *echoResult {
	cfg := h.cfg
	r := &echoResult{}
	ctx, cancel := context.WithTimeout(ctx, cfg.echoWarmup+cfg.echoDuration+60*time.Second)
	defer cancel()
	d := newDialer(p.addr, p.srv.path, h.sources, 4096)
	cs, _, err := dialMany(ctx, d, cfg.echoClients, 64)
	defer func() { closeAll(cs) }()
	r.clients = len(cs)
	if err != nil {
		r.err = fmt.Sprintf("connecting %d clients: %v (%d connected)", cfg.echoClients, err, len(cs))
		return r
	}
	var measuring, stop atomic.Bool
	var count atomic.Uint64
	base := time.Now()
	hists := make([]*latency.Histogram, len(cs))
	errs := make(chan error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		hists[i] = new(latency.Histogram)
		wg.Add(1)
		go func(c *client, hs *latency.Histogram) {
			defer wg.Done()
			var buf []byte
			for seq := 0; !stop.Load(); seq++ {
				buf = stamp(buf, "E:", seq, int64(time.Since(base)), cfg.size)
				if err := c.write(ws.OpText, buf); err != nil {
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
		}(c, hists[i])
	}
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
		_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	wg.Wait()
	all := new(latency.Histogram)
	for _, hs := range hists {
		all.Merge(hs)
	}
	r.p50, r.p99 = all.Quantile(0.50), all.Quantile(0.99)
	return r
}

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
	// Held connections are not read; drop the client side's buffers.
	for _, c := range cs {
		c.br, c.buf, c.wbuf = nil, nil, nil
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
	err      string
	done     uint64
	elapsed  time.Duration
	rate     float64
	p50, p99 time.Duration
	cpu      usage
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
					c.close()
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
