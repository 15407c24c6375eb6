package http1

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// which answers whether the fast path or net/http served the request.
func which(w http.ResponseWriter) string {
	if _, ok := w.(*response); ok {
		return "fast"
	}
	return "net/http"
}

func echo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", which(w))
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s host=%s ua=%s body=%s", r.Method, r.URL.RequestURI(), r.Host, r.UserAgent(), body)
	})
}

func TestKeepAliveRequestsOnOneConnection(t *testing.T) {
	ts := startServer(t, echo(), nil)
	c, br := ts.dial()
	for i := range 3 {
		send(t, c, fmt.Sprintf("GET /hello?i=%d HTTP/1.1\nHost: x\nUser-Agent: t\n\n", i))
		resp, body := answer(t, br, "GET")
		if got := resp.Header.Get("X-Served-By"); got != "fast" {
			t.Fatalf("request %d served by %s", i, got)
		}
		want := fmt.Sprintf("GET /hello?i=%d host=x ua=t body=", i)
		if body != want || resp.ContentLength != int64(len(want)) {
			t.Fatalf("answer %d: %q (length %d), want %q", i, body, resp.ContentLength, want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Fatalf("sniffed Content-Type %q", ct)
		}
		if _, err := http.ParseTime(resp.Header.Get("Date")); err != nil {
			t.Fatalf("Date: %v", err)
		}
	}
	if n := ts.fast.Served.Load(); n != 3 {
		t.Fatalf("fast path served %d requests, want 3", n)
	}
}

func TestPipelinedRequestsAnsweredInOrder(t *testing.T) {
	ts := startServer(t, echo(), nil)
	c, br := ts.dial()
	send(t, c, "GET /1 HTTP/1.1\nHost: x\n\nPOST /2 HTTP/1.1\nHost: x\nContent-Length: 5\n\nabcdeGET /3 HTTP/1.1\nHost: x\n\n")
	for i, want := range []string{"GET /1 host=x ua= body=", "POST /2 host=x ua= body=abcde", "GET /3 host=x ua= body="} {
		resp, body := answer(t, br, "GET")
		if body != want || resp.Header.Get("X-Served-By") != "fast" {
			t.Fatalf("answer %d: %q by %s, want %q", i, body, resp.Header.Get("X-Served-By"), want)
		}
	}
}

// Whatever the fast path does not take strictly goes to net/http, which
// answers it as it always did.
func TestHandoffToNetHTTP(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		method    string
		status    int
		body      string
	}{
		{"chunked body", "POST /c HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", "POST", 200, "POST /c host=x ua= body=abc"},
		{"chunked and length", "POST /c HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\nContent-Length: 3\n\n3\nabc\n0\n\n", "POST", 200, "POST /c host=x ua= body=abc"},
		{"HEAD", "HEAD /h HTTP/1.1\nHost: x\n\n", "HEAD", 200, ""},
		{"HTTP/1.0", "GET /old HTTP/1.0\nHost: x\n\n", "GET", 200, "GET /old host=x ua= body="},
		{"no Host", "GET / HTTP/1.1\nUser-Agent: t\n\n", "GET", 400, ""},
		{"two Hosts", "GET / HTTP/1.1\nHost: a\nHost: b\n\n", "GET", 400, ""},
		{"two lengths", "POST / HTTP/1.1\nHost: x\nContent-Length: 1\nContent-Length: 2\n\nab", "POST", 400, ""},
		{"space before colon", "GET / HTTP/1.1\nHost : x\n\n", "GET", 400, ""},
		{"folded header", "GET / HTTP/1.1\nHost: x\nX-A: 1\n 2\n\n", "GET", 200, "GET / host=x ua= body="},
		{"absolute target", "GET http://x/abs HTTP/1.1\nHost: x\n\n", "GET", 200, "GET /abs host=x ua= body="},
		{"expect continue", "POST /e HTTP/1.1\nHost: x\nExpect: 100-continue\nContent-Length: 2\n\nok", "POST", 200, "POST /e host=x ua= body=ok"},
		{"lower-case method", "get / HTTP/1.1\nHost: x\n\n", "GET", 200, "get / host=x ua= body="},
		{"bad target escape", "GET /%zz HTTP/1.1\nHost: x\n\n", "GET", 400, ""},
		{"control byte in value", "GET / HTTP/1.1\nHost: x\nX-A: a\x01b\n\n", "GET", 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, echo(), nil)
			c, br := ts.dial()
			send(t, c, tc.raw)
			resp, body := answer(t, br, tc.method)
			if resp.StatusCode == http.StatusContinue {
				resp, body = answer(t, br, tc.method)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%q)", resp.StatusCode, tc.status, body)
			}
			if tc.status == 200 && resp.Header.Get("X-Served-By") != "net/http" {
				t.Fatalf("served by %q, want net/http", resp.Header.Get("X-Served-By"))
			}
			if tc.body != "" && body != tc.body {
				t.Fatalf("body %q, want %q", body, tc.body)
			}
			if ts.fast.Handoffs.Load() != 1 || ts.fast.Served.Load() != 0 {
				t.Fatalf("handoffs %d, fast requests %d", ts.fast.Handoffs.Load(), ts.fast.Served.Load())
			}
		})
	}
}

func TestOversizedHeadGets431FromNetHTTP(t *testing.T) {
	ts := startServer(t, echo(), nil)
	c, br := ts.dial()
	send(t, c, "GET / HTTP/1.1\nHost: x\nX-Big: "+strings.Repeat("a", 10000)+"\n\n")
	resp, _ := answer(t, br, "GET")
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
}

// waitFor polls cond, the state of the server under test, until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRequestInPartsGoesToNetHTTP(t *testing.T) {
	ts := startServer(t, echo(), nil)
	c, br := ts.dial()
	send(t, c, "POST /parts HTTP/1.1\nHost: x\nContent-Length: 6\n\nabc")
	waitFor(t, "the handoff", func() bool { return ts.fast.Handoffs.Load() == 1 })
	send(t, c, "def")
	resp, body := answer(t, br, "POST")
	if body != "POST /parts host=x ua= body=abcdef" || resp.Header.Get("X-Served-By") != "net/http" {
		t.Fatalf("answer %q by %s", body, resp.Header.Get("X-Served-By"))
	}
	// The connection goes on under net/http.
	send(t, c, "GET /next HTTP/1.1\nHost: x\n\n")
	if _, body := answer(t, br, "GET"); body != "GET /next host=x ua= body=" {
		t.Fatalf("next answer %q", body)
	}
}

func TestLargeAnswerIsStreamedChunked(t *testing.T) {
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 256) // 4 KiB
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			for range 256 {
				w.Write(chunk)
			}
			return
		}
		io.WriteString(w, "small")
	}), nil)
	c, br := ts.dial()
	send(t, c, "GET /big HTTP/1.1\nHost: x\n\n")
	resp, body := answer(t, br, "GET")
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("Transfer-Encoding %v, want chunked", resp.TransferEncoding)
	}
	if body != strings.Repeat(string(chunk), 256) {
		t.Fatalf("body of %d bytes, want %d", len(body), 256*len(chunk))
	}
	send(t, c, "GET /small HTTP/1.1\nHost: x\n\n")
	if _, body := answer(t, br, "GET"); body != "small" {
		t.Fatalf("next answer %q", body)
	}
}

// Answers that do not fit the socket's send buffer finish through Go's
// net package, in order, none lost.
func TestAnswersPastTheSendBuffer(t *testing.T) {
	const n, size = 200, 60 << 10
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(r.URL.Query().Get("i"))
		w.Write(bytes.Repeat([]byte{byte('a' + i%26)}, size))
	}), nil)
	c, br := ts.dial()
	var reqs strings.Builder
	for i := range n {
		fmt.Fprintf(&reqs, "GET /?i=%d HTTP/1.1\nHost: x\n\n", i)
	}
	go func() {
		// The answers are read meanwhile; a failed write shows as a
		// missing answer.
		_, _ = c.Write([]byte(strings.ReplaceAll(reqs.String(), "\n", "\r\n")))
	}()
	for i := range n {
		resp, body := answer(t, br, "GET")
		if resp.StatusCode != 200 || body != strings.Repeat(string(rune('a'+i%26)), size) {
			t.Fatalf("answer %d: status %d, %d bytes", i, resp.StatusCode, len(body))
		}
	}
	if ts.fast.Handoffs.Load() != 1 {
		t.Fatalf("handoffs %d, want 1: the send buffer never filled", ts.fast.Handoffs.Load())
	}
}

func TestHijackTakesTheDescriptorAndPipelinedBytes(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		ahead, _ := rw.Reader.Peek(rw.Reader.Buffered())
		fd := conn.(interface{ DetachFD() int }).DetachFD()
		if fd < 0 {
			t.Error("no descriptor")
			conn.Close()
			return
		}
		msg := "HTTP/1.1 101 Switching Protocols\r\n\r\nahead=" + string(ahead)
		unix.Write(fd, []byte(msg))
		unix.Close(fd)
		conn.Close()
	}), nil)
	c, br := ts.dial()
	send(t, c, "GET /ws HTTP/1.1\nHost: x\nConnection: upgrade\nUpgrade: x\n\nPING")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("answer %v, %v", resp, err)
	}
	rest, _ := io.ReadAll(br)
	if string(rest) != "ahead=PING" {
		t.Fatalf("after the 101: %q", rest)
	}
	waitFor(t, "the owner closed", func() bool { return ts.closed.Load() == 1 })
}

func TestPanicClosesTheConnectionOnly(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, "fine")
	}), nil)
	c, br := ts.dial()
	send(t, c, "GET /panic HTTP/1.1\nHost: x\n\n")
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after a panic: %v, want EOF", err)
	}
	c2, br2 := ts.dial()
	send(t, c2, "GET /ok HTTP/1.1\nHost: x\n\n")
	if _, body := answer(t, br2, "GET"); body != "fine" {
		t.Fatalf("other connection: %q", body)
	}
}

func TestConnectionCloseEndsTheConnection(t *testing.T) {
	ts := startServer(t, echo(), nil)
	c, br := ts.dial()
	send(t, c, "GET /bye HTTP/1.1\nHost: x\nConnection: close\n\n")
	resp, body := answer(t, br, "GET")
	if !resp.Close || body != "GET /bye host=x ua= body=" {
		t.Fatalf("Close %v, body %q", resp.Close, body)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the answer: %v, want EOF", err)
	}
	waitFor(t, "the owner closed", func() bool { return ts.closed.Load() == 1 })
}

// A handler that waits holds its own connection, not the others.
func TestWaitingHandlersDoNotHoldOthersUp(t *testing.T) {
	release := make(chan struct{})
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			<-release
		}
		io.WriteString(w, r.URL.Path)
	}), nil)
	var waiting []*bufio.Reader
	for range ts.fast.target + 2 {
		c, br := ts.dial()
		send(t, c, "GET /wait HTTP/1.1\nHost: x\n\n")
		waiting = append(waiting, br)
	}
	c, br := ts.dial()
	send(t, c, "GET /now HTTP/1.1\nHost: x\n\n")
	if _, body := answer(t, br, "GET"); body != "/now" {
		t.Fatalf("answer %q", body)
	}
	close(release)
	for _, br := range waiting {
		if _, body := answer(t, br, "GET"); body != "/wait" {
			t.Fatalf("answer %q", body)
		}
	}
}

func TestShutdownClosesIdleAndFinishesBusy(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-release
		}
		io.WriteString(w, "done")
	}), nil)
	idle, idleBR := ts.dial()
	send(t, idle, "GET / HTTP/1.1\nHost: x\n\n")
	answer(t, idleBR, "GET")
	busy, busyBR := ts.dial()
	send(t, busy, "GET /slow HTTP/1.1\nHost: x\n\n")
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- ts.fast.Shutdown(t.Context()) }()
	if _, err := idleBR.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection at shutdown: %v, want EOF", err)
	}
	close(release)
	resp, body := answer(t, busyBR, "GET")
	if body != "done" || !resp.Close {
		t.Fatalf("busy connection's answer %q, Close %v", body, resp.Close)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}

func TestIdleConnectionsTimeOut(t *testing.T) {
	ts := startServer(t, echo(), func(c *Config) { c.IdleTimeout = 50 * time.Millisecond })
	c, br := ts.dial()
	send(t, c, "GET / HTTP/1.1\nHost: x\n\n")
	answer(t, br, "GET")
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v, want EOF", err)
	}
}

func TestAnswerHeadLikeNetHTTP(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/nocontent":
			w.Header().Set("Content-Length", "5")
			w.WriteHeader(http.StatusNoContent)
			if _, err := w.Write([]byte("x")); err != http.ErrBodyNotAllowed {
				t.Errorf("write to 204: %v", err)
			}
		case "/split":
			w.Header().Set("X-Evil", "a\r\nSet-Cookie: b")
			w.Header()["Bad Name"] = []string{"v"}
			w.WriteHeader(299)
		case "/short":
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "12345")
		}
	}), nil)
	c, br := ts.dial()
	send(t, c, "GET /nocontent HTTP/1.1\nHost: x\n\n")
	resp, _ := answer(t, br, "GET")
	if resp.StatusCode != 204 || resp.Header.Get("Content-Length") != "" {
		t.Fatalf("204: %v %v", resp.StatusCode, resp.Header)
	}
	send(t, c, "GET /split HTTP/1.1\nHost: x\n\n")
	resp, _ = answer(t, br, "GET")
	if resp.StatusCode != 299 || resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("X-Evil") != "a  Set-Cookie: b" || resp.Header.Get("Bad Name") != "" {
		t.Fatalf("299: %v %v", resp.Status, resp.Header)
	}
	send(t, c, "GET /short HTTP/1.1\nHost: x\n\n")
	raw, _ := io.ReadAll(br) // the connection ends after the short answer
	if !bytes.HasSuffix(raw, []byte("\r\n\r\n12345")) || !bytes.Contains(raw, []byte("Connection: close")) {
		t.Fatalf("short answer %q", raw)
	}
}

// A connection given away (here, upgraded) leaves its read buffer, whole,
// to the next: the next request is read in one read, not in doubling
// pieces from an empty buffer.
func TestReadBufferSurvivesHandoff(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/up" {
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close()
			return
		}
		io.WriteString(w, "ok")
	}), nil)
	for range 3 {
		c, br := ts.dial()
		send(t, c, "GET /up HTTP/1.1\nHost: x\n\n")
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("after the hijack: %v", err)
		}
	}
	for range 4 {
		bp := ts.fast.bufs.Get().(*[]byte)
		if cap(*bp) < 16<<10 {
			t.Fatalf("a pooled read buffer of %d bytes", cap(*bp))
		}
		defer ts.fast.bufs.Put(bp)
	}
}

// A client that shuts its side with its last request gets the answer and
// then the end of the connection, not an open socket until the idle
// timeout: its FIN came with the request, in one read.
func TestHalfCloseWithTheRequestEndsTheConnection(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			close(started)
			<-release
		}
		io.WriteString(w, r.URL.Path)
	}), nil)
	c, br := ts.dial()
	// The first request holds the connection, so that the second one and
	// the FIN are read together once it is answered.
	send(t, c, "GET /wait HTTP/1.1\nHost: x\n\n")
	<-started
	send(t, c, "GET /last HTTP/1.1\nHost: x\n\n")
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	close(release)
	for _, want := range []string{"/wait", "/last"} {
		if _, body := answer(t, br, "GET"); body != want {
			t.Fatalf("answer %q, want %q", body, want)
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the last answer: %v, want EOF (the IdleTimeout is a minute)", err)
	}
	waitFor(t, "the owner closed", func() bool { return ts.closed.Load() == 1 })
}

// A handler that panics after its answer began to stream (its socket went
// to Go's net package) ends that connection, and no file that took the
// freed descriptor number meanwhile.
func TestPanicAfterStreamingClosesNoOtherFile(t *testing.T) {
	pipes := make(chan [2]*os.File, 1)
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), streamAt+1)) // streams: the socket is Go's now
		pr, pw, err := os.Pipe()                       // takes the lowest free numbers
		if err != nil {
			t.Error(err)
		}
		pipes <- [2]*os.File{pr, pw}
		panic(http.ErrAbortHandler)
	}), nil)
	c, br := ts.dial()
	send(t, c, "GET /stream HTTP/1.1\nHost: x\n\n")
	p := <-pipes
	defer p[0].Close()
	defer p[1].Close()
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("reading to the end: %v", err)
	}
	waitFor(t, "the owner closed", func() bool { return ts.closed.Load() == 1 })
	if _, err := p[1].Write([]byte("ok")); err != nil {
		t.Fatalf("the handler's pipe after the panic: %v", err)
	}
	var b [2]byte
	if _, err := io.ReadFull(p[0], b[:]); err != nil || string(b[:]) != "ok" {
		t.Fatalf("the handler's pipe after the panic: %q, %v", b, err)
	}
}

// Shutdown waits for an answer still being written through Go's net
// package, whose connection the fast path no longer counts.
func TestShutdownWaitsForStreamingAnswers(t *testing.T) {
	streaming, release := make(chan struct{}), make(chan struct{})
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), streamAt+1))
		close(streaming)
		<-release
		io.WriteString(w, "end")
	}), nil)
	c, br := ts.dial()
	send(t, c, "GET /stream HTTP/1.1\nHost: x\n\n")
	<-streaming
	stopped := make(chan error, 1)
	go func() { stopped <- ts.fast.Shutdown(t.Context()) }()
	// The answer's end cannot come before the handler is released, and
	// Shutdown must not return before it.
	done := make(chan string, 1)
	go func() {
		_, body := answer(t, br, "GET")
		done <- body
	}()
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned (%v) while an answer was still being written", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if body := <-done; !strings.HasSuffix(body, "end") {
		t.Fatalf("answer ends %q", body[max(0, len(body)-10):])
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}
