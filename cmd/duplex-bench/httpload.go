// The HTTP load generator: keep-alive connections, each with one request
// in flight (no pipelining), sending the same request over and over for a
// fixed time, like wrk or oha but without anything to install. As in wrk,
// each of its threads is one event loop over non-blocking sockets and
// epoll: a goroutine per connection, blocking in Go's netpoller, cost the
// same CPU per request but answered the fastest servers (Bun, Node.js)
// 30-40% slower than wrk -t1 did, the wake-up of each goroutine adding to
// every round trip.

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

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
	threads  int // event loops, each with its share of the connections
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
	tcp, err := net.ResolveTCPAddr("tcp4", l.addr)
	if err != nil {
		r.err = err.Error()
		return r
	}
	sa := &unix.SockaddrInet4{Port: tcp.Port}
	copy(sa.Addr[:], tcp.IP.To4())
	threads := min(max(l.threads, 1), max(l.conns, 1))
	st := &loadState{ctx: ctx, request: l.request, addr: sa}
	var (
		cpu func(time.Duration) usage
		t0  time.Time
	)
	begin := func() { // the window opens
		if l.measure != nil {
			cpu = l.measure()
		}
		t0 = time.Now()
		st.phase.Store(measuring)
	}
	if l.warmup <= 0 { // every response counts, the first ones too
		begin()
	}
	hists := make([]*latency.Histogram, threads)
	var wg sync.WaitGroup
	for t := range threads {
		hists[t] = new(latency.Histogram)
		n := l.conns/threads + btoi(t < l.conns%threads)
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.loop(n, hists[t])
		}()
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
	if l.warmup <= 0 || wait(l.warmup) {
		if l.warmup > 0 {
			begin()
		}
		ok := wait(l.duration)
		st.phase.Store(stopped)
		r.elapsed = time.Since(t0)
		if cpu != nil {
			r.cpu = cpu(r.elapsed)
		}
		r.requests, r.non2xx, r.errors = st.requests.Load(), st.non2xx.Load(), st.errs.Load()
		if ok {
			r.rate = float64(r.requests) / r.elapsed.Seconds()
		}
	}
	st.phase.Store(stopped)
	wg.Wait()
	r.quantiles(hists)
	if e := st.firstErr.Load(); e != nil {
		r.firstErr = (*e).Error()
	}
	if r.err == "" && (r.errors > 0 || r.non2xx > 0) {
		r.err = fmt.Sprintf("%d errors, %d non-2xx responses", r.errors, r.non2xx)
		if r.firstErr != "" {
			r.err += " (first error: " + r.firstErr + ")"
		}
	}
	return r
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// loadState is what the event loops of one run share.
type loadState struct {
	ctx     context.Context
	request []byte
	addr    *unix.SockaddrInet4

	// phase moves from warmUp to measuring to stopped, in one step each,
	// so that no response counts after the window and none is requested.
	phase                  atomic.Int32
	requests, non2xx, errs atomic.Uint64
	firstErr               atomic.Pointer[error]
}

const (
	warmUp int32 = iota
	measuring
	stopped
)

// fail counts err if the window is open.
func (st *loadState) fail(err error) {
	if st.phase.Load() == measuring {
		st.errs.Add(1)
		st.firstErr.CompareAndSwap(nil, &err)
	}
}

// loadConn is one connection of an event loop.
type loadConn struct {
	fd      int // -1 while closed
	buf     []byte
	written int       // bytes of the request written
	start   time.Time // when the request's first byte was written
	retry   time.Time // when to connect again after a failed connect
}

// loop runs n connections on one thread until the run stops.
func (st *loadState) loop(n int, hs *latency.Histogram) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		st.fail(err)
		return
	}
	defer unix.Close(epfd)
	conns := make([]*loadConn, n)
	byFd := map[int]*loadConn{}
	for i := range conns {
		conns[i] = &loadConn{fd: -1, buf: make([]byte, 0, 16<<10)}
	}
	closeConn := func(c *loadConn) {
		if c.fd >= 0 {
			_ = unix.EpollCtl(epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
			unix.Close(c.fd)
			delete(byFd, c.fd)
			c.fd = -1
		}
	}
	defer func() {
		for _, c := range conns {
			closeConn(c)
		}
	}()
	// send writes what is left of the request; it waits for EPOLLOUT when
	// the socket's buffer is full.
	send := func(c *loadConn) error {
		if c.written == 0 {
			c.start = time.Now()
		}
		for c.written < len(st.request) {
			k, err := unix.Write(c.fd, st.request[c.written:])
			if err == unix.EAGAIN {
				return unix.EpollCtl(epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT, Fd: int32(c.fd)})
			}
			if err != nil {
				return err
			}
			c.written += k
		}
		return nil
	}
	open := func(c *loadConn) error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		if err := unix.Connect(fd, st.addr); err != nil { // blocking: loopback is at once
			unix.Close(fd)
			return err
		}
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(fd)
			return err
		}
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
			unix.Close(fd)
			return err
		}
		c.fd, c.buf, c.written = fd, c.buf[:0], 0
		byFd[fd] = c
		return send(c)
	}
	broken := func(c *loadConn, err error) {
		closeConn(c)
		st.fail(err)
	}
	// answered handles a complete response: counts it, then sends the
	// next request on the connection, or on a new one.
	answered := func(c *loadConn, status int, keep bool) {
		switch st.phase.Load() {
		case measuring:
			hs.Add(time.Since(c.start))
			if status >= 200 && status < 300 {
				st.requests.Add(1)
			} else {
				st.non2xx.Add(1)
			}
		case stopped:
			return
		}
		c.buf, c.written = c.buf[:0], 0
		if !keep {
			closeConn(c)
			if err := open(c); err != nil {
				broken(c, err)
			}
			return
		}
		if err := send(c); err != nil {
			broken(c, err)
		}
	}
	events := make([]unix.EpollEvent, max(n, 1))
	for st.phase.Load() != stopped && st.ctx.Err() == nil {
		now := time.Now()
		for _, c := range conns {
			if c.fd < 0 && !now.Before(c.retry) {
				if err := open(c); err != nil {
					closeConn(c)
					st.fail(err)
					c.retry = now.Add(50 * time.Millisecond) // a refused connect must not spin
				}
			}
		}
		k, err := unix.EpollWait(epfd, events, 20)
		if err != nil && err != unix.EINTR {
			st.fail(err)
			return
		}
		for _, ev := range events[:max(k, 0)] {
			c := byFd[int(ev.Fd)]
			if c == nil {
				continue
			}
			if ev.Events&unix.EPOLLOUT != 0 && c.written < len(st.request) {
				if err := send(c); err != nil {
					broken(c, err)
					continue
				}
				if c.written == len(st.request) {
					_ = unix.EpollCtl(epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(c.fd)})
				}
			}
			if ev.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) == 0 {
				continue
			}
			if len(c.buf) == cap(c.buf) {
				if cap(c.buf) >= 1<<20 {
					broken(c, fmt.Errorf("%w: a response over 1 MiB", errMalformed))
					continue
				}
				c.buf = append(c.buf, make([]byte, cap(c.buf))...)[:len(c.buf)]
			}
			m, err := unix.Read(c.fd, c.buf[len(c.buf):cap(c.buf)])
			if err == unix.EAGAIN {
				continue
			}
			if err != nil {
				broken(c, err)
				continue
			}
			c.buf = c.buf[:len(c.buf)+m]
			eof := m == 0
			used, status, keep, err := parseResponse(c.buf, eof)
			switch {
			case err != nil:
				broken(c, err)
			case used > 0:
				if used < len(c.buf) { // bytes past the response: not HTTP as we speak it
					broken(c, fmt.Errorf("%w: %d bytes after the response", errMalformed, len(c.buf)-used))
					continue
				}
				answered(c, status, keep && !eof)
			case eof:
				broken(c, io.ErrUnexpectedEOF)
			}
		}
	}
}

var errMalformed = errors.New("malformed HTTP response")

// parseResponse parses the HTTP/1.x response at the start of buf. It
// returns the bytes it takes, or 0 while buf holds only part of it; eof
// says that no more bytes will come (the body of a response without a
// length runs to there). keepAlive says whether the connection may carry
// another request.
func parseResponse(buf []byte, eof bool) (used, status int, keepAlive bool, err error) {
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		if len(buf) > 64<<10 {
			return 0, 0, false, fmt.Errorf("%w: headers over 64 KiB", errMalformed)
		}
		return 0, 0, false, nil
	}
	head := buf[:end]
	line, head, _ := bytes.Cut(head, []byte("\r\n"))
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, 0, false, fmt.Errorf("%w: status line %q", errMalformed, oneLine(string(line), 80))
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, false, fmt.Errorf("%w: status line %q", errMalformed, oneLine(string(line), 80))
	}
	keepAlive = line[7] == '1' // HTTP/1.1 keeps the connection by default
	length, chunked := -1, false
	for len(head) > 0 {
		var h []byte
		h, head, _ = bytes.Cut(head, []byte("\r\n"))
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, 0, false, fmt.Errorf("%w: header %q", errMalformed, oneLine(string(h), 80))
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.Atoi(string(value))
			if err != nil || length < 0 {
				return 0, 0, false, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
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
	body := end + 4
	switch {
	case status < 200 || status == 204 || status == 304:
		return body, status, keepAlive, nil
	case chunked:
		n, err := chunkedEnd(buf[body:])
		if n == 0 || err != nil {
			return 0, 0, false, err
		}
		return body + n, status, keepAlive, nil
	case length >= 0:
		if len(buf) < body+length {
			return 0, 0, false, nil
		}
		return body + length, status, keepAlive, nil
	case eof:
		// No length: the body runs to the end of the connection.
		return len(buf), status, false, nil
	}
	return 0, 0, false, nil
}

// chunkedEnd returns the length of the chunked body (and trailers) at the
// start of b, or 0 while b holds only part of it.
func chunkedEnd(b []byte) (int, error) {
	pos := 0
	for {
		i := bytes.Index(b[pos:], []byte("\r\n"))
		if i < 0 {
			return 0, nil
		}
		size, _, _ := bytes.Cut(b[pos:pos+i], []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 32)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%w: chunk size %q", errMalformed, oneLine(string(b[pos:pos+i]), 40))
		}
		pos += i + 2
		if n == 0 {
			for { // trailers, then the empty line
				j := bytes.Index(b[pos:], []byte("\r\n"))
				if j < 0 {
					return 0, nil
				}
				pos += j + 2
				if j == 0 {
					return pos, nil
				}
			}
		}
		if len(b) < pos+int(n)+2 {
			return 0, nil
		}
		if !bytes.Equal(b[pos+int(n):pos+int(n)+2], []byte("\r\n")) {
			return 0, fmt.Errorf("%w: chunk not ended by CRLF", errMalformed)
		}
		pos += int(n) + 2
	}
}
