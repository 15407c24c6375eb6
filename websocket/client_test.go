package websocket

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"go.uber.org/goleak"
)

// clientLeakCheck verifies, after every other cleanup of the test (test
// servers included), that the test left no goroutine behind.
func clientLeakCheck(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// clientTestServer serves every connection accepted on a loopback listener
// with serve, after the WebSocket upgrade when upgrade is set. Cleanup
// closes the listener and every connection and waits for the goroutines.
func clientTestServer(t *testing.T, upgrade bool, serve func(conn net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				if upgrade {
					if _, err := ws.Upgrade(conn); err != nil {
						return
					}
				}
				serve(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// clientEchoServe echoes every message; a close frame is echoed by
// wsutil's control handler, which ends the loop.
func clientEchoServe(conn net.Conn) {
	for {
		msg, op, err := wsutil.ReadClientData(conn)
		if err != nil {
			return
		}
		if err := wsutil.WriteServerMessage(conn, op, msg); err != nil {
			return
		}
	}
}

// readClientCloseFrame reads frames from the client until its close frame
// and returns the close code in it (0 for an empty one). Every client frame
// must be masked.
func readClientCloseFrame(conn net.Conn) (int, error) {
	for {
		f, err := ws.ReadFrame(conn)
		if err != nil {
			return 0, err
		}
		if !f.Header.Masked {
			return 0, errors.New("client frame not masked")
		}
		f = ws.UnmaskFrameInPlace(f)
		if f.Header.OpCode == ws.OpClose {
			code, _ := ws.ParseCloseFrameData(f.Payload)
			return int(code), nil
		}
	}
}

// clientRec is a ClientEvent as the test handler saw it (message copied).
type clientRec struct {
	typ  EventType
	msg  string
	bin  bool
	code int
	err  error
}

func clientRecorder() (func(ClientEvent), chan clientRec) {
	ch := make(chan clientRec, 1024)
	return func(e ClientEvent) {
		ch <- clientRec{typ: e.Type, msg: string(e.Message), bin: e.Binary, code: e.CloseCode, err: e.Err}
	}, ch
}

func nextClientRec(t *testing.T, ch chan clientRec) clientRec {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitFor):
		t.Fatal("no client event")
	}
	return clientRec{}
}

func expectClientRec(t *testing.T, ch chan clientRec, typ EventType) clientRec {
	t.Helper()
	r := nextClientRec(t, ch)
	if r.typ != typ {
		t.Fatalf("got %v event (msg %q, code %d, err %v), want %v", r.typ, r.msg, r.code, r.err, typ)
	}
	return r
}

func expectClientClose(t *testing.T, ch chan clientRec, code int) {
	t.Helper()
	if r := expectClientRec(t, ch, EventClose); r.code != code {
		t.Fatalf("close code %d, want %d", r.code, code)
	}
}

func waitClientDone(t *testing.T, c *Client) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(waitFor):
		t.Fatal("client not done")
	}
}

func recvCode(t *testing.T, ch chan int) int {
	t.Helper()
	select {
	case code := <-ch:
		return code
	case <-time.After(waitFor):
		t.Fatal("server saw no close frame")
	}
	return 0
}

func dialClient(t *testing.T, uri string, opts ClientOptions) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	c, err := Dial(ctx, uri, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientEchoInOrder(t *testing.T) {
	clientLeakCheck(t)
	addr := clientTestServer(t, true, clientEchoServe)
	uri := "ws://" + addr + "/echo"
	c := dialClient(t, uri, ClientOptions{})
	if c.URI() != uri {
		t.Fatalf("URI() = %q", c.URI())
	}
	handle, ch := clientRecorder()
	c.Start(handle)
	const n = 100
	for i := range n {
		if err := c.Send([]byte(fmt.Sprintf("message %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SendBinary([]byte{0, 1, 2, 0xff}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		r := expectClientRec(t, ch, EventMessage)
		if want := fmt.Sprintf("message %d", i); r.msg != want || r.bin {
			t.Fatalf("message %d: got %q (binary %v), want text %q", i, r.msg, r.bin, want)
		}
	}
	if r := expectClientRec(t, ch, EventMessage); r.msg != "\x00\x01\x02\xff" || !r.bin {
		t.Fatalf("binary echo: got %q (binary %v)", r.msg, r.bin)
	}
	c.Close(StatusNormal, "")
	expectClientClose(t, ch, StatusNormal)
	waitClientDone(t, c)
	if len(ch) != 0 {
		t.Fatalf("events after close: %+v", <-ch)
	}
}

func TestClientLargeAndConcurrentSends(t *testing.T) {
	clientLeakCheck(t)
	addr := clientTestServer(t, true, clientEchoServe)
	c := dialClient(t, "ws://"+addr, ClientOptions{MaxMessage: 1 << 20})
	handle, ch := clientRecorder()
	c.Start(handle)
	big := strings.Repeat("x", 70000) // 64-bit length header
	mid := strings.Repeat("y", 300)   // 16-bit length header
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, m := range []string{big, mid} {
				if err := c.Send([]byte(m)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for range 8 {
		seen[expectClientRec(t, ch, EventMessage).msg]++
	}
	if seen[big] != 4 || seen[mid] != 4 {
		t.Fatalf("got %d big and %d mid messages, want 4 each", seen[big], seen[mid])
	}
	c.Close(StatusNormal, "")
	expectClientClose(t, ch, StatusNormal)
	waitClientDone(t, c)
}

func TestClientServerCloses(t *testing.T) {
	clientLeakCheck(t)
	echoed := make(chan int, 1)
	addr := clientTestServer(t, true, func(conn net.Conn) {
		wsutil.WriteServerText(conn, []byte("before close"))
		wsutil.WriteServerMessage(conn, ws.OpClose, ws.NewCloseFrameBody(4001, "bye"))
		code, err := readClientCloseFrame(conn)
		if err != nil {
			code = -1
		}
		echoed <- code
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{})
	handle, ch := clientRecorder()
	c.Start(handle)
	if r := expectClientRec(t, ch, EventMessage); r.msg != "before close" {
		t.Fatalf("message %q", r.msg)
	}
	expectClientClose(t, ch, 4001)
	waitClientDone(t, c)
	if code := recvCode(t, echoed); code != 4001 {
		t.Fatalf("client echoed %d, want 4001", code)
	}
	if err := c.Send([]byte("late")); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("Send after end: %v, want ErrClientClosed", err)
	}
}

func TestClientServerClosesWithoutCode(t *testing.T) {
	clientLeakCheck(t)
	echoed := make(chan int, 1)
	addr := clientTestServer(t, true, func(conn net.Conn) {
		wsutil.WriteServerMessage(conn, ws.OpClose, nil)
		code, err := readClientCloseFrame(conn)
		if err != nil {
			code = -1
		}
		echoed <- code
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{})
	handle, ch := clientRecorder()
	c.Start(handle)
	expectClientClose(t, ch, StatusNoStatus)
	waitClientDone(t, c)
	if code := recvCode(t, echoed); code != 0 {
		t.Fatalf("client echoed code %d, want an empty close frame", code)
	}
}

func TestClientCloseHandshake(t *testing.T) {
	clientLeakCheck(t)
	got := make(chan int, 1)
	addr := clientTestServer(t, true, func(conn net.Conn) {
		code, err := readClientCloseFrame(conn)
		if err != nil {
			code = -1
		}
		got <- code
		wsutil.WriteServerMessage(conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), ""))
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{})
	handle, ch := clientRecorder()
	c.Start(handle)
	c.Close(4000, "done")
	c.Close(4002, "again") // idempotent: nothing more is sent
	if code := recvCode(t, got); code != 4000 {
		t.Fatalf("server got close code %d, want 4000", code)
	}
	expectClientClose(t, ch, 4000)
	waitClientDone(t, c)
	if err := c.Send([]byte("x")); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("Send after Close: %v, want ErrClientClosed", err)
	}
}

func TestClientCloseUnsendableCode(t *testing.T) {
	clientLeakCheck(t)
	got := make(chan int, 1)
	addr := clientTestServer(t, true, func(conn net.Conn) {
		code, err := readClientCloseFrame(conn)
		if err != nil {
			code = -1
		}
		got <- code
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{})
	handle, ch := clientRecorder()
	c.Start(handle)
	c.Close(StatusNoStatus, "")
	if code := recvCode(t, got); code != StatusNormal {
		t.Fatalf("server got close code %d, want 1000", code)
	}
	// The server hangs up without its close frame.
	expectClientClose(t, ch, StatusAbnormal)
	waitClientDone(t, c)
}

func TestClientCloseTimeout(t *testing.T) {
	clientLeakCheck(t)
	release := make(chan struct{})
	addr := clientTestServer(t, true, func(conn net.Conn) {
		readClientCloseFrame(conn)
		<-release // never answers the close frame
	})
	defer close(release)
	c := dialClient(t, "ws://"+addr, ClientOptions{CloseTimeout: 50 * time.Millisecond})
	handle, ch := clientRecorder()
	c.Start(handle)
	c.Close(StatusNormal, "")
	expectClientClose(t, ch, StatusAbnormal) // no error event before it
	waitClientDone(t, c)
}

func TestClientSendAfterClose(t *testing.T) {
	clientLeakCheck(t)
	addr := clientTestServer(t, true, clientEchoServe)
	c := dialClient(t, "ws://"+addr, ClientOptions{})
	handle, ch := clientRecorder()
	c.Start(handle)
	c.Close(StatusNormal, "")
	if err := c.Send([]byte("x")); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("Send after Close: %v, want ErrClientClosed", err)
	}
	if err := c.SendBinary([]byte("x")); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("SendBinary after Close: %v, want ErrClientClosed", err)
	}
	expectClientClose(t, ch, StatusNormal)
	waitClientDone(t, c)
}

func TestClientCloseWithoutStart(t *testing.T) {
	clientLeakCheck(t)
	got := make(chan int, 1)
	addr := clientTestServer(t, true, func(conn net.Conn) {
		code, err := readClientCloseFrame(conn)
		if err != nil {
			code = -1
		}
		got <- code
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{CloseTimeout: 50 * time.Millisecond})
	if err := c.Send([]byte("before close")); err != nil {
		t.Fatal(err)
	}
	c.Close(4003, "")
	if code := recvCode(t, got); code != 4003 {
		t.Fatalf("server got close code %d, want 4003", code)
	}
	waitClientDone(t, c)
	if err := c.Send([]byte("x")); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("Send after release: %v, want ErrClientClosed", err)
	}
	c.Close(StatusNormal, "") // no-op
	c.Start(func(e ClientEvent) { t.Errorf("event after release: %v", e.Type) })
}

func TestClientStartAfterClose(t *testing.T) {
	clientLeakCheck(t)
	addr := clientTestServer(t, true, clientEchoServe)
	c := dialClient(t, "ws://"+addr, ClientOptions{CloseTimeout: waitFor})
	c.Close(4004, "")
	handle, ch := clientRecorder()
	c.Start(handle)
	expectClientClose(t, ch, 4004)
	waitClientDone(t, c)
}

func TestClientDialRefused(t *testing.T) {
	clientLeakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	c, err := Dial(ctx, "ws://"+addr, ClientOptions{})
	if err == nil {
		c.Close(StatusNormal, "")
		t.Fatal("Dial to a closed port succeeded")
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("error %v, want connection refused", err)
	}
}

func TestClientDialNotWebSocket(t *testing.T) {
	clientLeakCheck(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	_, err := Dial(ctx, "ws://"+srv.Listener.Addr().String()+"/nope", ClientOptions{})
	if err == nil {
		t.Fatal("Dial to a plain HTTP server succeeded")
	}
	if !strings.Contains(err.Error(), "404") {
		t.Fatalf("error %q does not mention 404", err)
	}
	var se ws.StatusError
	if !errors.As(err, &se) || int(se) != http.StatusNotFound {
		t.Fatalf("error %v does not wrap ws.StatusError(404)", err)
	}
}

func TestClientDialBadScheme(t *testing.T) {
	clientLeakCheck(t)
	for _, uri := range []string{"http://127.0.0.1:1/", "ftp://127.0.0.1/x", "//127.0.0.1/x"} {
		_, err := Dial(context.Background(), uri, ClientOptions{
			NetDial: func(context.Context, string, string) (net.Conn, error) {
				t.Errorf("%s: NetDial called", uri)
				return nil, errors.New("no")
			},
		})
		if err == nil {
			t.Fatalf("%s: Dial succeeded", uri)
		}
		scheme, _, _ := strings.Cut(uri, ":")
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", scheme)) {
			t.Fatalf("%s: error %q does not name the scheme", uri, err)
		}
	}
}

// clientPolicyError is what a policy-checking NetDial returns.
type clientPolicyError struct{ addr string }

func (e *clientPolicyError) Error() string { return "address " + e.addr + " is forbidden" }

func TestClientNetDialErrorAs(t *testing.T) {
	clientLeakCheck(t)
	for _, tc := range []struct {
		uri  string
		addr string
	}{
		{
			uri:  "ws://127.0.0.1:9/x",
			addr: "127.0.0.1:9",
		},
		{
			uri:  "ws://localhost/x",
			addr: "localhost:80",
		},
		{
			uri:  "wss://127.0.0.1/x",
			addr: "127.0.0.1:443",
		},
	} {
		_, err := Dial(context.Background(), tc.uri, ClientOptions{
			NetDial: func(_ context.Context, network, addr string) (net.Conn, error) {
				return nil, &clientPolicyError{addr: network + " " + addr}
			},
		})
		var pe *clientPolicyError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: error %v does not wrap the NetDial error", tc.uri, err)
		}
		if pe.addr != "tcp "+tc.addr {
			t.Fatalf("%s: NetDial got %q, want %q", tc.uri, pe.addr, "tcp "+tc.addr)
		}
	}
}

func TestClientDialTimeout(t *testing.T) {
	clientLeakCheck(t)
	accepted := make(chan struct{}, 1)
	addr := clientTestServer(t, false, func(conn net.Conn) {
		accepted <- struct{}{}
		var b [1]byte
		for {
			if _, err := conn.Read(b[:]); err != nil {
				return // closed by cleanup
			}
		}
	})
	const timeout = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	c, err := Dial(ctx, "ws://"+addr, ClientOptions{})
	elapsed := time.Since(start)
	if err == nil {
		c.Close(StatusNormal, "")
		t.Fatal("Dial to a silent server succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want a deadline exceeded", err)
	}
	if elapsed > timeout+time.Second {
		t.Fatalf("Dial took %v with a %v timeout", elapsed, timeout)
	}
	select {
	case <-accepted:
	case <-time.After(waitFor):
		t.Fatal("server never accepted")
	}
}

func TestClientHeaderSent(t *testing.T) {
	clientLeakCheck(t)
	origin := make(chan string, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		u := ws.Upgrader{OnHeader: func(k, v []byte) error {
			if strings.EqualFold(string(k), "Origin") {
				origin <- string(v)
			}
			return nil
		}}
		if _, err := u.Upgrade(conn); err != nil {
			return
		}
		clientEchoServe(conn)
	}()
	defer func() { ln.Close(); <-done }()
	c := dialClient(t, "ws://"+ln.Addr().String(), ClientOptions{
		Header: http.Header{"Origin": {"https://dirigible.example"}},
	})
	select {
	case o := <-origin:
		if o != "https://dirigible.example" {
			t.Fatalf("Origin %q", o)
		}
	case <-time.After(waitFor):
		t.Fatal("no Origin header in the handshake")
	}
	handle, ch := clientRecorder()
	c.Start(handle)
	c.Close(StatusNormal, "")
	expectClientClose(t, ch, StatusNormal)
	waitClientDone(t, c)
}

// TestClientFramesBehindHandshake has the server write its 101 answer and
// the first frames in one write, so that Dial's buffered reader holds
// them.
func TestClientFramesBehindHandshake(t *testing.T) {
	clientLeakCheck(t)
	addr := clientTestServer(t, false, func(conn net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		out := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(h[:]) + "\r\n\r\n")
		out = append(out, newFrame(ws.OpText, []byte("first"))...)
		out = append(out, newFrame(ws.OpBinary, []byte("second"))...)
		if _, err := conn.Write(out); err != nil {
			return
		}
		clientEchoServe(conn)
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{})
	handle, ch := clientRecorder()
	c.Start(handle)
	if r := expectClientRec(t, ch, EventMessage); r.msg != "first" || r.bin {
		t.Fatalf("first message %q binary %v", r.msg, r.bin)
	}
	if r := expectClientRec(t, ch, EventMessage); r.msg != "second" || !r.bin {
		t.Fatalf("second message %q binary %v", r.msg, r.bin)
	}
	if err := c.Send([]byte("third")); err != nil {
		t.Fatal(err)
	}
	if r := expectClientRec(t, ch, EventMessage); r.msg != "third" {
		t.Fatalf("third message %q", r.msg)
	}
	c.Close(StatusNormal, "")
	expectClientClose(t, ch, StatusNormal)
	waitClientDone(t, c)
}

func TestClientFragmentsAndPings(t *testing.T) {
	clientLeakCheck(t)
	pongs := make(chan string, 2)
	addr := clientTestServer(t, true, func(conn net.Conn) {
		for _, f := range []ws.Frame{
			ws.NewPingFrame([]byte("p1")),
			ws.NewFrame(ws.OpText, false, []byte("hel")),
			ws.NewPingFrame([]byte("p2")),
			ws.NewFrame(ws.OpContinuation, false, []byte("lo ")),
			ws.NewFrame(ws.OpContinuation, true, []byte("wörld")),
		} {
			if err := ws.WriteFrame(conn, f); err != nil {
				return
			}
		}
		for range 2 {
			f, err := ws.ReadFrame(conn)
			if err != nil || !f.Header.Masked || f.Header.OpCode != ws.OpPong {
				pongs <- fmt.Sprintf("bad frame %+v %v", f.Header, err)
				return
			}
			pongs <- string(ws.UnmaskFrameInPlace(f).Payload)
		}
		clientEchoServe(conn)
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{MaxMessage: 16})
	handle, ch := clientRecorder()
	c.Start(handle)
	if r := expectClientRec(t, ch, EventMessage); r.msg != "hello wörld" || r.bin {
		t.Fatalf("reassembled %q binary %v", r.msg, r.bin)
	}
	for _, want := range []string{"p1", "p2"} {
		select {
		case p := <-pongs:
			if p != want {
				t.Fatalf("pong %q, want %q", p, want)
			}
		case <-time.After(waitFor):
			t.Fatal("no pong")
		}
	}
	c.Close(StatusNormal, "")
	expectClientClose(t, ch, StatusNormal)
	waitClientDone(t, c)
}

// clientFailureCase is a server misbehaving in one way and what the
// client must make of it.
type clientFailureCase struct {
	name   string
	max    int64
	frames []ws.Frame // sent after one good message
	code   int
	is     []error // the error event's Err wraps one of them
}

func TestClientFailures(t *testing.T) {
	for _, tc := range []clientFailureCase{
		{
			name:   "oversize",
			max:    1024,
			frames: []ws.Frame{ws.NewTextFrame([]byte(strings.Repeat("a", 2000)))},
			code:   StatusMessageTooBig,
			is:     []error{wsutil.ErrFrameTooLarge, wsutil.ErrMessageTooLarge},
		},
		{
			name: "oversize fragmented",
			max:  1024,
			frames: []ws.Frame{
				ws.NewFrame(ws.OpText, false, []byte(strings.Repeat("a", 600))),
				ws.NewFrame(ws.OpContinuation, true, []byte(strings.Repeat("a", 600))),
			},
			code: StatusMessageTooBig,
			is:   []error{wsutil.ErrMessageTooLarge},
		},
		{
			name:   "invalid utf8",
			frames: []ws.Frame{ws.NewTextFrame([]byte("ok \xff\xfe"))},
			code:   StatusInvalidPayload,
			is:     []error{wsutil.ErrInvalidUTF8},
		},
		{
			name:   "unexpected continuation",
			frames: []ws.Frame{ws.NewFrame(ws.OpContinuation, true, []byte("x"))},
			code:   StatusProtocolError,
			is:     []error{ws.ErrProtocolContinuationUnexpected},
		},
		{
			name:   "masked server frame",
			frames: []ws.Frame{ws.MaskFrame(ws.NewTextFrame([]byte("x")))},
			code:   StatusProtocolError,
			is:     []error{ws.ErrProtocolMaskUnexpected},
		},
		{
			name:   "bad close code",
			frames: []ws.Frame{ws.NewFrame(ws.OpClose, true, []byte{0x03, 0xed})}, // 1005
			code:   StatusProtocolError,
			is:     []error{ws.ErrProtocolStatusCodeUnknown},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { testClientFailure(t, tc) })
	}
}

func testClientFailure(t *testing.T, tc clientFailureCase) {
	clientLeakCheck(t)
	got := make(chan int, 1)
	addr := clientTestServer(t, true, func(conn net.Conn) {
		wsutil.WriteServerText(conn, []byte("good"))
		for _, f := range tc.frames {
			if err := ws.WriteFrame(conn, f); err != nil {
				break
			}
		}
		code, err := readClientCloseFrame(conn)
		if err != nil {
			code = -1
		}
		got <- code
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{MaxMessage: tc.max})
	handle, ch := clientRecorder()
	c.Start(handle)
	if r := expectClientRec(t, ch, EventMessage); r.msg != "good" {
		t.Fatalf("message %q", r.msg)
	}
	r := expectClientRec(t, ch, EventError)
	found := false
	for _, target := range tc.is {
		found = found || errors.Is(r.err, target)
	}
	if !found {
		t.Fatalf("error event %v, want one of %v", r.err, tc.is)
	}
	expectClientClose(t, ch, tc.code)
	waitClientDone(t, c)
	if code := recvCode(t, got); code != tc.code {
		t.Fatalf("server got close code %d, want %d", code, tc.code)
	}
}

func TestClientServerDrops(t *testing.T) {
	clientLeakCheck(t)
	addr := clientTestServer(t, true, func(conn net.Conn) {
		wsutil.WriteServerText(conn, []byte("last words"))
		// Cleanup's Close may come too, which is harmless.
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{})
	handle, ch := clientRecorder()
	c.Start(handle)
	if r := expectClientRec(t, ch, EventMessage); r.msg != "last words" {
		t.Fatalf("message %q", r.msg)
	}
	r := expectClientRec(t, ch, EventError)
	if r.err == nil || !strings.Contains(r.err.Error(), "EOF") {
		t.Fatalf("error event %v, want one about EOF", r.err)
	}
	expectClientClose(t, ch, StatusAbnormal)
	waitClientDone(t, c)
	if err := c.Send([]byte("x")); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("Send after loss: %v, want ErrClientClosed", err)
	}
}

func TestClientServerResets(t *testing.T) {
	clientLeakCheck(t)
	addr := clientTestServer(t, true, func(conn net.Conn) {
		// Once the client speaks, nothing is left unread on its side:
		// hang up with RST.
		if _, _, err := wsutil.ReadClientData(conn); err != nil {
			return
		}
		conn.(*net.TCPConn).SetLinger(0)
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{})
	handle, ch := clientRecorder()
	c.Start(handle)
	if err := c.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	r := expectClientRec(t, ch, EventError)
	if !errors.Is(r.err, syscall.ECONNRESET) || !strings.Contains(r.err.Error(), "reset") {
		t.Fatalf("error event %v, want connection reset", r.err)
	}
	expectClientClose(t, ch, StatusAbnormal)
	waitClientDone(t, c)
}

func TestClientHandlerPanic(t *testing.T) {
	clientLeakCheck(t)
	got := make(chan int, 1)
	addr := clientTestServer(t, true, func(conn net.Conn) {
		wsutil.WriteServerText(conn, []byte("boom"))
		code, err := readClientCloseFrame(conn)
		if err != nil {
			code = -1
		}
		got <- code
	})
	c := dialClient(t, "ws://"+addr, ClientOptions{})
	record, ch := clientRecorder()
	c.Start(func(e ClientEvent) {
		record(e)
		if e.Type == EventMessage {
			panic("handler bug")
		}
	})
	expectClientRec(t, ch, EventMessage)
	if r := expectClientRec(t, ch, EventError); r.err == nil || !strings.Contains(r.err.Error(), "handler bug") {
		t.Fatalf("error event %v", r.err)
	}
	expectClientClose(t, ch, StatusInternalError)
	waitClientDone(t, c)
	if code := recvCode(t, got); code != StatusInternalError {
		t.Fatalf("server got close code %d, want 1011", code)
	}
}

func TestClientSendFromHandler(t *testing.T) {
	clientLeakCheck(t)
	addr := clientTestServer(t, true, clientEchoServe)
	c := dialClient(t, "ws://"+addr, ClientOptions{})
	record, ch := clientRecorder()
	c.Start(func(e ClientEvent) {
		record(e)
		if e.Type != EventMessage {
			return
		}
		// A ping-pong of ten round trips, then close from the handler.
		if len(e.Message) < 10 {
			if err := c.Send(append(e.Message, '+')); err != nil {
				t.Error(err)
			}
			return
		}
		c.Close(4005, "enough")
	})
	if err := c.Send([]byte("+")); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		if r := expectClientRec(t, ch, EventMessage); r.msg != strings.Repeat("+", i) {
			t.Fatalf("round %d: %q", i, r.msg)
		}
	}
	expectClientClose(t, ch, 4005)
	waitClientDone(t, c)
}

func TestClientTLS(t *testing.T) {
	clientLeakCheck(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _, err := ws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		defer conn.Close()
		clientEchoServe(conn)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	uri := "wss://" + srv.Listener.Addr().String() + "/tls"

	// The test server's certificate is not trusted by default.
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := Dial(ctx, uri, ClientOptions{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Dial with the default TLS config: %v, want a certificate error", err)
	}

	c := dialClient(t, uri, ClientOptions{
		TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig,
	})
	handle, ch := clientRecorder()
	c.Start(handle)
	if err := c.Send([]byte("over tls")); err != nil {
		t.Fatal(err)
	}
	if r := expectClientRec(t, ch, EventMessage); r.msg != "over tls" {
		t.Fatalf("echo %q", r.msg)
	}
	c.Close(StatusNormal, "")
	expectClientClose(t, ch, StatusNormal)
	waitClientDone(t, c)
}
