package http1

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// testServer is a Server behind a real listener, with net/http behind it
// for what it hands off, as app.Server arranges them.
type testServer struct {
	t        testing.TB
	fast     *Server
	ln       net.Listener
	fallback *http.Server
	handed   *chanListener
	addr     string
	// owners counts the owner connections closed: each connection ends
	// exactly once.
	closed atomic.Int64
	wg     sync.WaitGroup
}

// owner is the connection Adopt is given; it counts its closing.
type owner struct {
	net.Conn
	ts   *testServer
	once sync.Once
}

func (o *owner) NetConn() net.Conn { return o.Conn }

func (o *owner) Close() error {
	err := o.Conn.Close()
	o.once.Do(func() { o.ts.closed.Add(1) })
	return err
}

func startServer(t testing.TB, h http.Handler, tune func(*Config)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, ln: ln, addr: ln.Addr().String()}
	ts.handed = &chanListener{addr: ln.Addr(), ch: make(chan net.Conn, 16), done: make(chan struct{})}
	ts.fallback = &http.Server{Handler: h, ReadHeaderTimeout: 2 * time.Second, MaxHeaderBytes: 4096}
	cfg := Config{
		Handler: h,
		Handoff: func(o, gc net.Conn, buffered []byte) {
			ow := o.(*owner)
			ow.Conn = &prefix{Conn: gc, head: buffered}
			ts.handed.ch <- ow
		},
		MaxHeaderBytes: 4096,
		IdleTimeout:    time.Minute,
		Log:            zerolog.New(zerolog.NewTestWriter(t)),
	}
	if tune != nil {
		tune(&cfg)
	}
	ts.fast, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.wg.Add(2)
	go func() {
		defer ts.wg.Done()
		_ = ts.fallback.Serve(ts.handed)
	}()
	go func() {
		defer ts.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			o := &owner{Conn: c, ts: ts}
			if err := ts.fast.Adopt(o); err != nil {
				t.Errorf("Adopt: %v", err)
				o.Close()
			}
		}
	}()
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) stop() {
	ts.ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.fast.Shutdown(ctx); err != nil {
		ts.t.Errorf("Shutdown: %v", err)
	}
	_ = ts.fallback.Shutdown(ctx)
	ts.wg.Wait()
}

// dial opens a client connection with a reader for its answers.
func (ts *testServer) dial() (net.Conn, *bufio.Reader) {
	ts.t.Helper()
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

// send writes raw request bytes.
func send(t *testing.T, c net.Conn, raw string) {
	t.Helper()
	if _, err := c.Write([]byte(strings.ReplaceAll(raw, "\n", "\r\n"))); err != nil {
		t.Fatal(err)
	}
}

// answer reads one response.
func answer(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	resp.Body.Close()
	return resp, b.String()
}

type chanListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

type prefix struct {
	net.Conn
	head []byte
}

func (p *prefix) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}
