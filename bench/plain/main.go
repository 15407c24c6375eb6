// Command plain is the benchmark protocol of cmd/duplex-bench on a plain
// gobwas/ws server, without JavaScript: our own ceiling.
//
//	on open:     join group 'bench', send 'welcome'
//	'B:...':     the frame goes to every member of 'bench', sender included
//	'E:...':     the frame goes back to the sender only
//
// It is deliberately simple: one goroutine per connection reads frames, and
// a broadcast encodes the frame once and writes it to each recipient with
// one write (one syscall), in the sender's goroutine.
//
// Usage: plain [--addr 127.0.0.1:PORT]  (or $PORT)
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"github.com/gobwas/ws"
)

type conn struct {
	net.Conn
	mu sync.Mutex // serialises writes
}

func (c *conn) write(frame []byte) error {
	c.mu.Lock()
	_, err := c.Conn.Write(frame)
	c.mu.Unlock()
	return err
}

// group is 'bench': a copy-on-write slice so broadcasts read it lock-free.
type group struct {
	mu      sync.Mutex
	members map[*conn]struct{}
	snap    []*conn
}

func (g *group) update(f func()) {
	g.mu.Lock()
	f()
	g.snap = make([]*conn, 0, len(g.members))
	for c := range g.members {
		g.snap = append(g.snap, c)
	}
	g.mu.Unlock()
}

func (g *group) list() []*conn {
	g.mu.Lock()
	s := g.snap
	g.mu.Unlock()
	return s
}

var bench = &group{members: map[*conn]struct{}{}}

// textFrame encodes an unmasked server text frame.
func textFrame(payload []byte) []byte { return frame(ws.OpText, payload) }

// frame encodes an unmasked server frame: header and payload in one slice,
// so that it goes out in one write.
func frame(op ws.OpCode, payload []byte) []byte {
	h := ws.Header{Fin: true, OpCode: op, Length: int64(len(payload))}
	buf := make([]byte, 0, ws.HeaderSize(h)+len(payload))
	_ = ws.WriteHeader(sliceWriter{&buf}, h)
	return append(buf, payload...)
}

type sliceWriter struct{ b *[]byte }

func (w sliceWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}

var welcome = textFrame([]byte("welcome"))

func serve(nc net.Conn) {
	defer nc.Close()
	if _, err := ws.Upgrade(nc); err != nil {
		return
	}
	c := &conn{Conn: nc}
	bench.update(func() { bench.members[c] = struct{}{} })
	defer bench.update(func() { delete(bench.members, c) })
	if c.write(welcome) != nil {
		return
	}
	br := bufio.NewReaderSize(nc, 4<<10)
	var payload []byte
	for {
		h, err := ws.ReadHeader(br)
		if err != nil {
			return
		}
		if h.Length > 64<<10 {
			return
		}
		if int64(cap(payload)) < h.Length {
			payload = make([]byte, h.Length)
		}
		p := payload[:h.Length]
		if _, err := io.ReadFull(br, p); err != nil {
			return
		}
		if h.Masked {
			ws.Cipher(p, h.Mask, 0)
		}
		switch h.OpCode {
		case ws.OpClose:
			_ = c.write(frame(ws.OpClose, nil))
			return
		case ws.OpPing:
			_ = c.write(frame(ws.OpPong, p))
			continue
		case ws.OpText:
		default:
			continue
		}
		if !h.Fin || len(p) < 2 || p[1] != ':' {
			continue
		}
		switch p[0] {
		case 'B':
			f := textFrame(p)
			for _, m := range bench.list() {
				_ = m.write(f)
			}
		case 'E':
			_ = c.write(textFrame(p))
		}
	}
}

func main() {
	addr := flag.String("addr", "", "listen address (default 127.0.0.1:$PORT)")
	flag.Parse()
	if *addr == "" {
		port := os.Getenv("PORT")
		if port == "" {
			port = "8080"
		}
		*addr = "127.0.0.1:" + port
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "{\"message\":\"listening\",\"addr\":%q}\n", ln.Addr().String())
	for {
		nc, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		go serve(nc)
	}
}
