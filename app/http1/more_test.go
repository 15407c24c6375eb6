package http1

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A handler that outlives Shutdown's context: Shutdown answers the
// context's error, the connection is shut at once (the client is not left
// waiting), and the late answer goes nowhere. The descriptor stays the
// handler's until it returns, which then closes it once.
func TestShutdownPastItsContextShutsBusyConnections(t *testing.T) {
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		close(started)
		<-release
		io.WriteString(w, "too late")
	}), nil)
	c, br := ts.dial()
	send(t, c, "GET /stuck HTTP/1.1\nHost: x\n\n")
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the handler is in flight: Shutdown cannot finish first
	if err := ts.fast.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown past its context: %v, want context.Canceled", err)
	}
	if b, err := br.ReadByte(); err == nil {
		t.Fatalf("the busy connection read %q after Shutdown gave up, want its end", b)
	}
	close(release)
	<-done
	waitFor(t, "the owner closed", func() bool { return ts.closed.Load() == 1 })
	if n := ts.closed.Load(); n != 1 {
		t.Fatalf("owner closed %d times", n)
	}
}

// A handler that hijacks and uses the connection as a net.Conn (not
// through DetachFD) gets the socket from Go's net package: reads, writes
// and deadlines work, and closing it closes the owner once.
func TestHijackedConnWorksAsNetConn(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Error("SetDeadline:", err)
		}
		if _, err := io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\n\r\nready;"); err != nil {
			t.Error("write:", err)
			return
		}
		// What came behind the request is in rw; what comes after, on
		// the socket.
		buf := make([]byte, 8)
		if _, err := io.ReadFull(rw, buf); err != nil {
			t.Error("read:", err)
			return
		}
		io.WriteString(conn, "got="+string(buf))
	}), nil)
	c, br := ts.dial()
	send(t, c, "GET /raw HTTP/1.1\nHost: x\nConnection: upgrade\nUpgrade: x\n\nAHEAD")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("answer %v, %v", resp, err)
	}
	ready := make([]byte, len("ready;"))
	if _, err := io.ReadFull(br, ready); err != nil || string(ready) != "ready;" {
		t.Fatalf("first bytes %q, %v", ready, err)
	}
	send(t, c, "LATE")
	rest, _ := io.ReadAll(br)
	if string(rest) != "got=AHEADLAT" {
		t.Fatalf("after the first bytes: %q, want got=AHEADLAT", rest)
	}
	waitFor(t, "the owner closed", func() bool { return ts.closed.Load() == 1 })
}

// A body longer than the fast path reads itself goes to net/http with
// the bytes already read, and arrives whole.
func TestLongBodyGoesToNetHTTPWhole(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("X-Served-By", which(w))
		io.WriteString(w, strconv.Itoa(len(body))+":"+strconv.FormatBool(strings.Trim(string(body), "x") == ""))
	}), func(c *Config) { c.MaxHeaderBytes = 1 << 20 })
	c, br := ts.dial()
	n := maxBody + 4096
	send(t, c, "POST /long HTTP/1.1\nHost: x\nContent-Length: "+strconv.Itoa(n)+"\n\n")
	if _, err := c.Write([]byte(strings.Repeat("x", n))); err != nil {
		t.Fatal(err)
	}
	resp, body := answer(t, br, "POST")
	if want := strconv.Itoa(n) + ":true"; body != want {
		t.Fatalf("body %q, want %q", body, want)
	}
	if got := resp.Header.Get("X-Served-By"); got != "net/http" {
		t.Fatalf("served by %s, want net/http", got)
	}
}

// The fast path sends no informational answers: a handler's 103 is
// dropped and its final answer is the first the client reads (net/http
// would send the 103; a client must accept either).
func TestInformationalAnswersAreNotSent(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made")
	}), nil)
	c, br := ts.dial()
	send(t, c, "GET /hints HTTP/1.1\nHost: x\n\n")
	resp, body := answer(t, br, "GET")
	if resp.StatusCode != http.StatusCreated || body != "made" {
		t.Fatalf("first answer %d %q, want 201 made", resp.StatusCode, body)
	}
}
