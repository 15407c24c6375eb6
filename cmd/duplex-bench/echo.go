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
