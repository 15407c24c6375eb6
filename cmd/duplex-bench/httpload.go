// The HTTP load generator: keep-alive connections, each with one request
// in flight (no pipelining), sending the same request over and over for a
// fixed time, like wrk or oha but without anything to install.

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"duplex/test/latency"
)

// httpLoad is one run of the load generator: conns connections to addr,
// each sending request (a whole HTTP/1.1 request, bytes as sent) and
// reading the response, again and again; warmup unmeasured, then
// duration measured.
type httpLoad struct {
	addr     string
	request  []byte
	conns    int
	warmup   time.Duration
	duration time.Duration
	// measure, if set, starts the CPU measurement when the window opens
	// (measureCPU of the server's process); it returns the usage over it.
	measure func() func(elapsed time.Duration) usage
}

// httpStats is what a run of the load generator measured in its window:
// rate is 2xx responses per second; p50 and p99 are over every response
// (the time from the request's first byte written to its response's last
// byte read).
type httpStats struct {
	window
	conns    int
	requests uint64 // 2xx responses in the window
	non2xx   uint64 // other responses in the window
	errors   uint64 // failed connects, writes, reads and malformed responses
	firstErr string // the first error's text
}

// run drives the load and returns what it measured. A connection that
// fails or that the server closes is opened again, and the failure counted.
func (l httpLoad) run(ctx context.Context) *httpStats {
	r := &httpStats{conns: l.conns}
	var measuring, stop atomic.Bool
	var (
		requests, non2xx, errs atomic.Uint64
		errOnce                sync.Once
	)
	fail := func(err error) {
		if measuring.Load() {
			errs.Add(1)
			errOnce.Do(func() { r.firstErr = err.Error() })
		}
	}
	// No read or write outlives the run by more than this.
	deadline := time.Now().Add(l.warmup + l.duration + 10*time.Second)
	hists := make([]*latency.Histogram, l.conns)
	var wg sync.WaitGroup
	for i := range hists {
		hists[i] = new(latency.Histogram)
		wg.Add(1)
		go func(hs *latency.Histogram) {
			defer wg.Done()
			c := &httpConn{addr: l.addr, deadline: deadline}
			defer c.close()
			for !stop.Load() && ctx.Err() == nil {
				if c.nc == nil {
					if err := c.dial(ctx); err != nil {
						fail(err)
						select { // a refused connect must not spin
						case <-time.After(50 * time.Millisecond):
						case <-ctx.Done():
						}
						continue
					}
				}
				start := time.Now()
				status, keep, err := c.roundTrip(l.request)
				if err != nil {
					c.close()
					if !stop.Load() {
						fail(err)
					}
					continue
				}
				if measuring.Load() {
					hs.Add(time.Since(start))
					if status >= 200 && status < 300 {
						requests.Add(1)
					} else {
						non2xx.Add(1)
					}
				}
				if !keep {
					c.close()
				}
			}
		}(hists[i])
	}
	wait := func(d time.Duration) bool {
		select {
		case <-time.After(d):
			return true
		case <-ctx.Done():
			r.err = "interrupted"
			return false
		}
	}
	if wait(l.warmup) {
		var cpu func(time.Duration) usage
		if l.measure != nil {
			cpu = l.measure()
		}
		t0 := time.Now()
		measuring.Store(true)
		ok := wait(l.duration)
		measuring.Store(false)
		r.elapsed = time.Since(t0)
		if cpu != nil {
			r.cpu = cpu(r.elapsed)
		}
		r.requests, r.non2xx, r.errors = requests.Load(), non2xx.Load(), errs.Load()
		if ok {
			r.rate = float64(r.requests) / r.elapsed.Seconds()
		}
	}
	stop.Store(true)
	wg.Wait()
	r.quantiles(hists)
	if r.err == "" && (r.errors > 0 || r.non2xx > 0) {
		r.err = fmt.Sprintf("%d errors, %d non-2xx responses", r.errors, r.non2xx)
		if r.firstErr != "" {
			r.err += " (first error: " + r.firstErr + ")"
		}
	}
	return r
}

// httpConn is one client connection of the load generator.
type httpConn struct {
	addr     string
	deadline time.Time
	nc       net.Conn
	br       *bufio.Reader
}

func (c *httpConn) dial(ctx context.Context) error {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	nc, err := d.DialContext(dctx, "tcp", c.addr)
	cancel()
	if err != nil {
		return err
	}
	_ = nc.SetDeadline(c.deadline)
	c.nc = nc
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, 16<<10)
	} else {
		c.br.Reset(nc)
	}
	return nil
}

func (c *httpConn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// roundTrip writes req and reads one response; it returns the status and
// whether the connection may carry another request.
func (c *httpConn) roundTrip(req []byte) (status int, keepAlive bool, err error) {
	if _, err := c.nc.Write(req); err != nil {
		return 0, false, err
	}
	return readResponse(c.br)
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse reads one HTTP/1.x response from br, skipping its body: by
// Content-Length, chunked, or to the end of the connection.
func readResponse(br *bufio.Reader) (status int, keepAlive bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, fmt.Errorf("%w: status line %q", errMalformed, oneLine(string(line), 80))
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("%w: status line %q", errMalformed, oneLine(string(line), 80))
	}
	keepAlive = line[7] == '1' // HTTP/1.1 keeps the connection by default
	length, chunked := int64(-1), false
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("%w: header %q", errMalformed, oneLine(string(h), 80))
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.ParseInt(string(value), 10, 64)
			if err != nil || length < 0 {
				return 0, false, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keepAlive = false
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				keepAlive = true
			}
		}
	}
	switch {
	case status < 200 || status == 204 || status == 304:
		return status, keepAlive, nil
	case chunked:
		return status, keepAlive, skipChunked(br)
	case length >= 0:
		_, err := br.Discard(int(length))
		return status, keepAlive, err
	}
	// No length: the body runs to the end of the connection.
	_, err = io.Copy(io.Discard, br)
	return status, false, err
}

// skipChunked reads a chunked body and its trailers.
func skipChunked(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: chunk size %q", errMalformed, oneLine(string(line), 40))
		}
		if n == 0 {
			for { // trailers, then the empty line
				t, err := br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := br.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}
