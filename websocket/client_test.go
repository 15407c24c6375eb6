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

	"duplex/websocket/frame"
	"duplex/websocket/wstest"
)

// clientLeakCheck verifies, after every other cleanup of the test (test
// servers included), that the test left no goroutine behind.
func clientLeakCheck(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// clientTestServer serves every connection accepted on a loopback listener
// with serve, after the WebSocket upgrade when upgrade is set, and returns
// the listener's ws:// URI. Cleanup closes the listener and every
// connection and waits for the goroutines.
func clientTestServer(t *testing.T, upgrade bool, serve func(conn net.Conn)) string {
	t.Helper()
	return "ws://" + wstest.Listen(t, func(conn net.Conn) {
		if upgrade {
			if _, err := ws.Upgrade(conn); err != nil {
				return
			}
		}
		serve(conn)
	})
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

// reportClientCloseCode reads up to the client's close frame and sends its
// code on codes (-1 when the connection ends first or a frame is unmasked):
// the server goroutine only reports, so that the test goroutine asserts.
func reportClientCloseCode(conn net.Conn, codes chan<- int) int {
	code, err := readClientCloseFrame(conn)
	if err != nil {
		code = -1
	}
	codes <- code
	return code
}

// clientCloseCodeServer is a clientTestServer whose connection runs first
// (when not nil) and then reports the client's close code on the returned
// channel, which has room for the one connection a test makes.
func clientCloseCodeServer(t *testing.T, first func(conn net.Conn)) (uri string, codes chan int) {
	t.Helper()
	codes = make(chan int, 1)
	uri = clientTestServer(t, true, func(conn net.Conn) {
		if first != nil {
			first(conn)
		}
		reportClientCloseCode(conn, codes)
	})
	return uri, codes
}

// expectServerCloseCode asserts the close code the server read from the
// client (0 for an empty close frame).
func expectServerCloseCode(t *testing.T, codes <-chan int, want int) {
	t.Helper()
	if code := recvWithin(t, codes, "server saw no close frame"); code != want {
		t.Fatalf("server got close code %d, want %d", code, want)
	}
}

// recvWithin receives from ch; fails with what when nothing comes within
// waitFor, so that no test hangs on a missing event.
func recvWithin[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitFor):
		t.Fatal(what)
	}
	var zero T
	return zero
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

func expectClientRec(t *testing.T, ch chan clientRec, typ EventType) clientRec {
	t.Helper()
	r := recvWithin(t, ch, "no client event")
	if r.typ != typ {
		t.Fatalf("got %v event (msg %q, code %d, err %v), want %v", r.typ, r.msg, r.code, r.err, typ)
	}
	return r
}

// expectClientText and expectClientBinary assert the next event is a
// message with exactly that content and kind.
func expectClientText(t *testing.T, ch chan clientRec, want string) {
	t.Helper()
	expectClientMessage(t, ch, want, false)
}

func expectClientBinary(t *testing.T, ch chan clientRec, want string) {
	t.Helper()
	expectClientMessage(t, ch, want, true)
}

func expectClientMessage(t *testing.T, ch chan clientRec, want string, binary bool) {
	t.Helper()
	if r := expectClientRec(t, ch, EventMessage); r.msg != want || r.bin != binary {
		t.Fatalf("message %q (binary %v), want %q (binary %v)", r.msg, r.bin, want, binary)
	}
}

// expectClientErrorMentioning asserts the next event is an error whose text
// contains substr and returns it for further checks.
func expectClientErrorMentioning(t *testing.T, ch chan clientRec, substr string) clientRec {
	t.Helper()
	r := expectClientRec(t, ch, EventError)
	if r.err == nil || !strings.Contains(r.err.Error(), substr) {
		t.Fatalf("error event %v, want one mentioning %q", r.err, substr)
	}
	return r
}

// expectClientEnd asserts the close event with code and then that the
// client is done, i.e. has released its connection and goroutines.
func expectClientEnd(t *testing.T, c *Client, ch chan clientRec, code int) {
	t.Helper()
	if r := expectClientRec(t, ch, EventClose); r.code != code {
		t.Fatalf("close code %d, want %d", r.code, code)
	}
	waitClientDone(t, c)
}

// closeClientNormally closes with 1000 and expects the client to end with
// it, which needs a server that answers the close frame.
func closeClientNormally(t *testing.T, c *Client, ch chan clientRec) {
	t.Helper()
	c.Close(StatusNormal, "")
	expectClientEnd(t, c, ch, StatusNormal)
}

func waitClientDone(t *testing.T, c *Client) {
	t.Helper()
	recvWithin(t, c.Done(), "client not done")
}

// expectErrClientClosed asserts that send, a Send or SendBinary of an
// ended client, refuses with ErrClientClosed; what names the call and the
// moment in the failure.
func expectErrClientClosed(t *testing.T, what string, send func([]byte) error) {
	t.Helper()
	if err := send([]byte("x")); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("%s: %v, want ErrClientClosed", what, err)
	}
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

// startClient dials uri and starts the client with a recorder whose
// events come on the returned channel.
func startClient(t *testing.T, uri string, opts ClientOptions) (*Client, chan clientRec) {
	t.Helper()
	return startClientThen(t, uri, opts, nil)
}

// startClientThen is startClient whose handler, once an event is recorded,
// passes it on to then (when not nil) to act on it from inside the handler.
func startClientThen(t *testing.T, uri string, opts ClientOptions, then func(c *Client, e ClientEvent)) (*Client, chan clientRec) {
	t.Helper()
	c := dialClient(t, uri, opts)
	record, ch := clientRecorder()
	c.Start(func(e ClientEvent) {
		record(e)
		if then != nil {
			then(c, e)
		}
	})
	return c, ch
}

// expectDialError dials uri expecting a failure and returns the error. A
// client that connects after all is closed before the test fails, so that
// it does not leak.
func expectDialError(t *testing.T, ctx context.Context, uri string, opts ClientOptions) error {
	t.Helper()
	c, err := Dial(ctx, uri, opts)
	if err == nil {
		c.Close(StatusNormal, "")
		t.Fatalf("Dial %s succeeded", uri)
	}
	return err
}

// clientTestContext bounds a Dial by timeout; the test's cleanup cancels it.
func clientTestContext(t *testing.T, timeout time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}

func TestClientEchoInOrder(t *testing.T) {
	clientLeakCheck(t)
	uri := clientTestServer(t, true, clientEchoServe) + "/echo"
	c, ch := startClient(t, uri, ClientOptions{})
	if c.URI() != uri {
		t.Fatalf("URI() = %q", c.URI())
	}
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
		expectClientText(t, ch, fmt.Sprintf("message %d", i))
	}
	expectClientBinary(t, ch, "\x00\x01\x02\xff")
	closeClientNormally(t, c, ch)
	if len(ch) != 0 {
		t.Fatalf("events after close: %+v", <-ch)
	}
}

func TestClientLargeAndConcurrentSends(t *testing.T) {
	clientLeakCheck(t)
	c, ch := startClient(t, clientTestServer(t, true, clientEchoServe), ClientOptions{MaxMessage: 1 << 20})
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
	closeClientNormally(t, c, ch)
}

func TestClientServerCloses(t *testing.T) {
	clientLeakCheck(t)
	uri, codes := clientCloseCodeServer(t, func(conn net.Conn) {
		wsutil.WriteServerText(conn, []byte("before close"))
		wsutil.WriteServerMessage(conn, ws.OpClose, ws.NewCloseFrameBody(4001, "bye"))
	})
	c, ch := startClient(t, uri, ClientOptions{})
	expectClientText(t, ch, "before close")
	expectClientEnd(t, c, ch, 4001)
	expectServerCloseCode(t, codes, 4001) // the client echoes the server's code
	expectErrClientClosed(t, "Send after end", c.Send)
}

func TestClientServerClosesWithoutCode(t *testing.T) {
	clientLeakCheck(t)
	uri, codes := clientCloseCodeServer(t, func(conn net.Conn) {
		wsutil.WriteServerMessage(conn, ws.OpClose, nil)
	})
	c, ch := startClient(t, uri, ClientOptions{})
	expectClientEnd(t, c, ch, StatusNoStatus)
	expectServerCloseCode(t, codes, 0) // an empty close frame echoed
}

func TestClientCloseHandshake(t *testing.T) {
	clientLeakCheck(t)
	codes := make(chan int, 1)
	uri := clientTestServer(t, true, func(conn net.Conn) {
		code := reportClientCloseCode(conn, codes)
		wsutil.WriteServerMessage(conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), ""))
	})
	c, ch := startClient(t, uri, ClientOptions{})
	c.Close(4000, "done")
	c.Close(4002, "again") // idempotent: nothing more is sent
	expectServerCloseCode(t, codes, 4000)
	expectClientEnd(t, c, ch, 4000)
	expectErrClientClosed(t, "Send after Close", c.Send)
}

func TestClientCloseUnsendableCode(t *testing.T) {
	clientLeakCheck(t)
	uri, codes := clientCloseCodeServer(t, nil)
	c, ch := startClient(t, uri, ClientOptions{})
	c.Close(StatusNoStatus, "")
	expectServerCloseCode(t, codes, StatusNormal)
	// The server hangs up without its close frame.
	expectClientEnd(t, c, ch, StatusAbnormal)
}

func TestClientCloseTimeout(t *testing.T) {
	clientLeakCheck(t)
	release := make(chan struct{})
	uri := clientTestServer(t, true, func(conn net.Conn) {
		readClientCloseFrame(conn)
		<-release // never answers the close frame
	})
	defer close(release)
	c, ch := startClient(t, uri, ClientOptions{CloseTimeout: 50 * time.Millisecond})
	c.Close(StatusNormal, "")
	expectClientEnd(t, c, ch, StatusAbnormal) // no error event before it
}

func TestClientSendAfterClose(t *testing.T) {
	clientLeakCheck(t)
	c, ch := startClient(t, clientTestServer(t, true, clientEchoServe), ClientOptions{})
	c.Close(StatusNormal, "")
	expectErrClientClosed(t, "Send after Close", c.Send)
	expectErrClientClosed(t, "SendBinary after Close", c.SendBinary)
	expectClientEnd(t, c, ch, StatusNormal)
}

func TestClientCloseWithoutStart(t *testing.T) {
	clientLeakCheck(t)
	uri, codes := clientCloseCodeServer(t, nil)
	c := dialClient(t, uri, ClientOptions{CloseTimeout: 50 * time.Millisecond})
	if err := c.Send([]byte("before close")); err != nil {
		t.Fatal(err)
	}
	c.Close(4003, "")
	expectServerCloseCode(t, codes, 4003)
	waitClientDone(t, c)
	expectErrClientClosed(t, "Send after release", c.Send)
	c.Close(StatusNormal, "") // no-op
	c.Start(func(e ClientEvent) { t.Errorf("event after release: %v", e.Type) })
}

func TestClientStartAfterClose(t *testing.T) {
	clientLeakCheck(t)
	c := dialClient(t, clientTestServer(t, true, clientEchoServe), ClientOptions{CloseTimeout: waitFor})
	c.Close(4004, "")
	handle, ch := clientRecorder()
	c.Start(handle)
	expectClientEnd(t, c, ch, 4004)
}

func TestClientDialRefused(t *testing.T) {
	clientLeakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = expectDialError(t, clientTestContext(t, waitFor), "ws://"+addr, ClientOptions{})
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("error %v, want connection refused", err)
	}
}

func TestClientDialNotWebSocket(t *testing.T) {
	clientLeakCheck(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	err := expectDialError(t, clientTestContext(t, waitFor), "ws://"+srv.Listener.Addr().String()+"/nope", ClientOptions{})
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
		err := expectDialError(t, context.Background(), uri, ClientOptions{
			NetDial: func(context.Context, string, string) (net.Conn, error) {
				t.Errorf("%s: NetDial called", uri)
				return nil, errors.New("no")
			},
		})
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
		err := expectDialError(t, context.Background(), tc.uri, ClientOptions{
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
	uri := clientTestServer(t, false, func(conn net.Conn) {
		accepted <- struct{}{}
		var b [1]byte
		for {
			if _, err := conn.Read(b[:]); err != nil {
				return // closed by cleanup
			}
		}
	})
	const timeout = 200 * time.Millisecond
	ctx := clientTestContext(t, timeout)
	start := time.Now()
	err := expectDialError(t, ctx, uri, ClientOptions{})
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want a deadline exceeded", err)
	}
	if elapsed > timeout+time.Second {
		t.Fatalf("Dial took %v with a %v timeout", elapsed, timeout)
	}
	recvWithin(t, accepted, "server never accepted")
}

func TestClientHeaderSent(t *testing.T) {
	clientLeakCheck(t)
	origin := make(chan string, 1)
	// Upgraded here rather than by clientTestServer, to see the headers.
	uri := clientTestServer(t, false, func(conn net.Conn) {
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
	})
	c, ch := startClient(t, uri, ClientOptions{
		Header: http.Header{"Origin": {"https://dirigible.example"}},
	})
	if o := recvWithin(t, origin, "no Origin header in the handshake"); o != "https://dirigible.example" {
		t.Fatalf("Origin %q", o)
	}
	closeClientNormally(t, c, ch)
}

// TestClientFramesBehindHandshake has the server write its 101 answer and
// the first frames in one write, so that Dial's buffered reader holds
// them.
func TestClientFramesBehindHandshake(t *testing.T) {
	clientLeakCheck(t)
	uri := clientTestServer(t, false, func(conn net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		out := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(h[:]) + "\r\n\r\n")
		out = append(out, frame.New(ws.OpText, []byte("first"))...)
		out = append(out, frame.New(ws.OpBinary, []byte("second"))...)
		if _, err := conn.Write(out); err != nil {
			return
		}
		clientEchoServe(conn)
	})
	c, ch := startClient(t, uri, ClientOptions{})
	expectClientText(t, ch, "first")
	expectClientBinary(t, ch, "second")
	if err := c.Send([]byte("third")); err != nil {
		t.Fatal(err)
	}
	expectClientText(t, ch, "third")
	closeClientNormally(t, c, ch)
}

func TestClientFragmentsAndPings(t *testing.T) {
	clientLeakCheck(t)
	pongs := make(chan string, 2)
	uri := clientTestServer(t, true, func(conn net.Conn) {
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
	c, ch := startClient(t, uri, ClientOptions{MaxMessage: 16})
	expectClientText(t, ch, "hello wörld")
	for _, want := range []string{"p1", "p2"} {
		if p := recvWithin(t, pongs, "no pong"); p != want {
			t.Fatalf("pong %q, want %q", p, want)
		}
	}
	closeClientNormally(t, c, ch)
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
	uri, codes := clientCloseCodeServer(t, func(conn net.Conn) {
		wsutil.WriteServerText(conn, []byte("good"))
		for _, f := range tc.frames {
			if err := ws.WriteFrame(conn, f); err != nil {
				break
			}
		}
	})
	c, ch := startClient(t, uri, ClientOptions{MaxMessage: tc.max})
	expectClientText(t, ch, "good")
	r := expectClientRec(t, ch, EventError)
	found := false
	for _, target := range tc.is {
		found = found || errors.Is(r.err, target)
	}
	if !found {
		t.Fatalf("error event %v, want one of %v", r.err, tc.is)
	}
	expectClientEnd(t, c, ch, tc.code)
	expectServerCloseCode(t, codes, tc.code)
}

func TestClientServerDrops(t *testing.T) {
	clientLeakCheck(t)
	uri := clientTestServer(t, true, func(conn net.Conn) {
		wsutil.WriteServerText(conn, []byte("last words"))
		// Cleanup's Close may come too, which is harmless.
	})
	c, ch := startClient(t, uri, ClientOptions{})
	expectClientText(t, ch, "last words")
	expectClientErrorMentioning(t, ch, "EOF")
	expectClientEnd(t, c, ch, StatusAbnormal)
	expectErrClientClosed(t, "Send after loss", c.Send)
}

func TestClientServerResets(t *testing.T) {
	clientLeakCheck(t)
	uri := clientTestServer(t, true, func(conn net.Conn) {
		// Once the client speaks, nothing is left unread on its side:
		// hang up with RST.
		if _, _, err := wsutil.ReadClientData(conn); err != nil {
			return
		}
		conn.(*net.TCPConn).SetLinger(0)
	})
	c, ch := startClient(t, uri, ClientOptions{})
	if err := c.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if r := expectClientErrorMentioning(t, ch, "reset"); !errors.Is(r.err, syscall.ECONNRESET) {
		t.Fatalf("error event %v, want connection reset", r.err)
	}
	expectClientEnd(t, c, ch, StatusAbnormal)
}

func TestClientHandlerPanic(t *testing.T) {
	clientLeakCheck(t)
	uri, codes := clientCloseCodeServer(t, func(conn net.Conn) {
		wsutil.WriteServerText(conn, []byte("boom"))
	})
	c, ch := startClientThen(t, uri, ClientOptions{}, func(_ *Client, e ClientEvent) {
		if e.Type == EventMessage {
			panic("handler bug")
		}
	})
	expectClientText(t, ch, "boom")
	expectClientErrorMentioning(t, ch, "handler bug")
	expectClientEnd(t, c, ch, StatusInternalError)
	expectServerCloseCode(t, codes, StatusInternalError)
}

func TestClientSendFromHandler(t *testing.T) {
	clientLeakCheck(t)
	uri := clientTestServer(t, true, clientEchoServe)
	c, ch := startClientThen(t, uri, ClientOptions{}, func(c *Client, e ClientEvent) {
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
		expectClientText(t, ch, strings.Repeat("+", i))
	}
	expectClientEnd(t, c, ch, 4005)
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
	if err := expectDialError(t, clientTestContext(t, waitFor), uri, ClientOptions{}); !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Dial with the default TLS config: %v, want a certificate error", err)
	}

	c, ch := startClient(t, uri, ClientOptions{
		TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig,
	})
	if err := c.Send([]byte("over tls")); err != nil {
		t.Fatal(err)
	}
	expectClientText(t, ch, "over tls")
	closeClientNormally(t, c, ch)
}
