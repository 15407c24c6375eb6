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

// testServer is a Server accepting on a real listener, with net/http
// behind it for what it hands off, as app.Server arranges them.
type testServer struct {
	t        testing.TB
	fast     *Server
	fallback *http.Server
	handed   *HandoffListener
	addr     string
	// closed counts the owner connections closed: each connection ends
	// exactly once.
	closed atomic.Int64
	served chan error
}

// owner is the connection the accept function makes for a socket: its
// addresses until a handoff gives it the socket, and a count of closing.
type owner struct {
	net.Conn
	local, remote net.Addr
	ts            *testServer
	once          sync.Once
}

func (o *owner) LocalAddr() net.Addr  { return o.local }
func (o *owner) RemoteAddr() net.Addr { return o.remote }

func (o *owner) Close() error {
	var err error
	if o.Conn != nil {
		err = o.Conn.Close()
	}
	o.once.Do(func() { o.ts.closed.Add(1) })
	return err
}

func startServer(t testing.TB, h http.Handler, tune func(*Config)) *testServer {
	t.Helper()
	return startServerWith(t, h, tune, nil, nil)
}

// startServerWith is startServer whose accept function asks refuse first
// (true means it refused the socket, and closed it), and that tells
// failed of failed accepts (by default, they fail the test).
func startServerWith(t testing.TB, h http.Handler, tune func(*Config), refuse func(fd int) bool, failed func(error)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, addr: ln.Addr().String(), served: make(chan error, 1)}
	// The fast path listens on a duplicate; the handoff listener closes
	// the original, already closed, at the end.
	ts.handed = NewHandoffListener(ln)
	ts.fallback = &http.Server{Handler: h, ReadHeaderTimeout: 2 * time.Second, MaxHeaderBytes: 4096}
	cfg := Config{
		Handler: h,
		Handoff: func(o, gc net.Conn, buffered []byte) {
			ow := o.(*owner)
			ow.Conn = WithBuffered(gc, buffered)
			ts.handed.Push(ow)
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
	go func() { ts.served <- ts.fallback.Serve(ts.handed) }()
	accept := func(fd int, remote net.Addr) (net.Conn, bool) {
		if refuse != nil && refuse(fd) {
			return nil, false
		}
		return &owner{local: ln.Addr(), remote: remote, ts: ts}, true
	}
	if failed == nil {
		failed = func(err error) { t.Errorf("accept: %v", err) }
	}
	if err := ts.fast.Listen(ln.(*net.TCPListener), accept, failed); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.fast.Shutdown(ctx); err != nil {
		ts.t.Errorf("Shutdown: %v", err)
	}
	_ = ts.fallback.Shutdown(ctx)
	<-ts.served
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
