package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"duplex/test/latency"
	"duplex/websocket/wstest"
)

// dialer opens WebSocket client connections to one server, spreading them
// over several loopback source addresses.
type dialer struct {
	url     string // ws://127.0.0.1:PORT/path
	sources []net.IP
	next    atomic.Uint64
	bufSize int
}

func newDialer(addr, path string, sources int, bufSize int) *dialer {
	return &dialer{url: "ws://" + addr + path, sources: wstest.LoopbackSources(sources), bufSize: bufSize}
}

// client is one WebSocket connection. Reads belong to one goroutine.
type client struct {
	*wstest.Conn
	buf []byte // the last payload read, whose memory the next read reuses
}

// dial connects, upgrades, and reads messages until `welcome`.
func (d *dialer) dial(ctx context.Context) (*client, error) {
	src := d.sources[d.next.Add(1)%uint64(len(d.sources))]
	wd := wstest.Dialer{NetDial: wstest.DialFrom(src), ReadBufferSize: d.bufSize}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := wd.Dial(hctx, d.url)
	cancel()
	if err != nil {
		return nil, err
	}
	conn.MaxPayload = 1 << 20
	c := &client{Conn: conn}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetReadDeadline(dl)
	}
	for {
		op, p, err := c.read()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("waiting for welcome: %w", err)
		}
		if op == ws.OpText && string(p) == "welcome" {
			break
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	return c, nil
}

// read returns the next data message; it answers pings. The payload is
// valid until the next read.
func (c *client) read() (ws.OpCode, []byte, error) {
	m, err := c.ReadMessageInto(c.buf)
	if err != nil {
		return 0, nil, err
	}
	c.buf = m.Payload
	return m.OpCode, m.Payload, nil
}

// dialMany opens n clients with at most par handshakes at once. It returns
// the clients that connected and the first error, if any.
func dialMany(ctx context.Context, d *dialer, n, par int) ([]*client, int, error) {
	clients := make([]*client, n)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		failed   int
	)
	jobs := make(chan int)
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				c, err := d.dial(ctx)
				if err != nil {
					mu.Lock()
					failed++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				clients[i] = c
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	out := clients[:0]
	for _, c := range clients {
		if c != nil {
			out = append(out, c)
		}
	}
	if firstErr == nil && len(out) < n {
		firstErr = ctx.Err()
	}
	return out, failed, firstErr
}

// connect opens a scenario's n clients to p's server; a shortfall is the
// scenario's error.
func (h *harness) connect(ctx context.Context, p *proc, n, bufSize int, w *window) []*client {
	cs, _, err := dialMany(ctx, newDialer(p.addr, p.srv.path, h.sources, bufSize), n, 64)
	if err != nil {
		w.err = fmt.Sprintf("connecting %d clients: %v (%d connected)", n, err, len(cs))
	}
	return cs
}

// eachClient runs fn for every client on a goroutine of its own, with a
// histogram of its own, so that the clients share no cache line; join
// waits for every fn to return.
func eachClient(cs []*client, fn func(c *client, hs *latency.Histogram)) (hists []*latency.Histogram, join func()) {
	var wg sync.WaitGroup
	hists = make([]*latency.Histogram, len(cs))
	for i, c := range cs {
		hists[i] = new(latency.Histogram)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(c, hists[i])
		}()
	}
	return hists, wg.Wait
}

func closeAll(cs []*client) {
	for _, c := range cs {
		c.Close()
	}
}

// stamp builds a payload "<prefix><seq>:<nanos>:" padded with 'x' to size.
func stamp(dst []byte, prefix string, seq int, nanos int64, size int) []byte {
	dst = append(dst[:0], prefix...)
	dst = strconv.AppendInt(dst, int64(seq), 10)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, nanos, 10)
	dst = append(dst, ':')
	for len(dst) < size {
		dst = append(dst, 'x')
	}
	return dst
}

// parseStamp reads seq and nanos back from a payload built by stamp.
func parseStamp(p []byte) (seq int, nanos int64, ok bool) {
	if len(p) < 2 {
		return 0, 0, false
	}
	p = p[2:]
	i := bytes.IndexByte(p, ':')
	if i <= 0 {
		return 0, 0, false
	}
	s, err := strconv.Atoi(string(p[:i]))
	if err != nil {
		return 0, 0, false
	}
	p = p[i+1:]
	j := bytes.IndexByte(p, ':')
	if j <= 0 {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(string(p[:j]), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return s, n, true
}
