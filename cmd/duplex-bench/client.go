package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"
)

// ipBindAddressNoPort is IP_BIND_ADDRESS_NO_PORT (linux/in.h): bind() to a
// source address without picking the port yet, so that connect() chooses
// one per 4-tuple and each 127.0.0.x source has the whole ephemeral range.
const ipBindAddressNoPort = 24

// dialer opens WebSocket client connections to one server, spreading them
// over several loopback source addresses.
type dialer struct {
	addr    string // 127.0.0.1:PORT
	url     string // ws://127.0.0.1:PORT/path
	sources []net.IP
	next    atomic.Uint64
	bufSize int
}

func newDialer(addr, path string, sources int, bufSize int) *dialer {
	d := &dialer{addr: addr, url: "ws://" + addr + path, bufSize: bufSize}
	for i := 0; i < sources; i++ {
		d.sources = append(d.sources, net.IPv4(127, 0, 0, byte(2+i)))
	}
	return d
}

// client is one WebSocket connection. Reads belong to one goroutine; writes
// are serialised by mu.
type client struct {
	conn net.Conn
	br   *bufio.Reader
	buf  []byte // last payload read

	mu   sync.Mutex
	wbuf []byte
}

// dial connects, upgrades, and reads frames until `welcome`.
func (d *dialer) dial(ctx context.Context) (*client, error) {
	src := d.sources[d.next.Add(1)%uint64(len(d.sources))]
	nd := &net.Dialer{
		LocalAddr: &net.TCPAddr{IP: src},
		Control: func(network, address string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
			})
			if err != nil {
				return err
			}
			return serr
		},
	}
	wd := ws.Dialer{
		ReadBufferSize: d.bufSize,
		Timeout:        10 * time.Second,
		NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nd.DialContext(ctx, network, addr)
		},
	}
	conn, br, _, err := wd.Dial(ctx, d.url)
	if err != nil {
		return nil, err
	}
	if br == nil {
		br = bufio.NewReaderSize(conn, d.bufSize)
	}
	c := &client{conn: conn, br: br}
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

var errClosed = errors.New("server sent close")

// read returns the next data frame (text or binary); it answers pings and
// returns errClosed on a close frame. The payload is valid until the next
// read.
func (c *client) read() (ws.OpCode, []byte, error) {
	for {
		h, err := ws.ReadHeader(c.br)
		if err != nil {
			return 0, nil, err
		}
		if h.Length > 1<<20 {
			return 0, nil, fmt.Errorf("frame of %d bytes", h.Length)
		}
		if int64(cap(c.buf)) < h.Length {
			c.buf = make([]byte, h.Length)
		}
		p := c.buf[:h.Length]
		if _, err := io.ReadFull(c.br, p); err != nil {
			return 0, nil, err
		}
		if h.Masked {
			ws.Cipher(p, h.Mask, 0)
		}
		switch h.OpCode {
		case ws.OpPing:
			if err := c.write(ws.OpPong, p); err != nil {
				return 0, nil, err
			}
		case ws.OpPong:
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(p)
			return 0, nil, fmt.Errorf("%w: %d %s", errClosed, code, reason)
		default:
			return h.OpCode, p, nil
		}
	}
}

// write sends one masked frame with one Write.
func (c *client) write(op ws.OpCode, payload []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var mask [4]byte
	r := rand.Uint32()
	mask[0], mask[1], mask[2], mask[3] = byte(r), byte(r>>8), byte(r>>16), byte(r>>24)
	h := ws.Header{Fin: true, OpCode: op, Masked: true, Mask: mask, Length: int64(len(payload))}
	var hb bytes.Buffer
	_ = ws.WriteHeader(&hb, h)
	c.wbuf = append(append(c.wbuf[:0], hb.Bytes()...), payload...)
	ws.Cipher(c.wbuf[hb.Len():], mask, 0)
	_, err := c.conn.Write(c.wbuf)
	return err
}

func (c *client) close() {
	_ = c.conn.Close()
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

func closeAll(cs []*client) {
	for _, c := range cs {
		c.close()
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
