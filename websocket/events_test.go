package websocket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// gobwasClient wraps a ws.Dial connection so wsutil helpers read the bytes
// the dialer buffered as well.
type gobwasClient struct {
	net.Conn
	r io.Reader
}

func (c gobwasClient) Read(p []byte) (int, error) { return c.r.Read(p) }

func dialGobwas(t testing.TB, ts *testServer, protocols ...string) gobwasClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	conn, br, _, err := ws.Dialer{Protocols: protocols}.Dial(ctx, "ws://"+ts.addr+"/echo")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := gobwasClient{Conn: conn, r: conn}
	if br != nil {
		c.r = io.MultiReader(br, conn)
	}
	return c
}

func TestEventsOrderAndEcho(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	c := dialGobwas(t, ts)
	s := h.nextOpen(t)
	id := s.ID()
	h.next(t, id, EventOpen)

	const n = 200
	for i := 0; i < n; i++ {
		if err := wsutil.WriteClientText(c, []byte(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	c.SetReadDeadline(time.Now().Add(waitFor))
	for i := 0; i < n; i++ {
		got, op, err := wsutil.ReadServerData(c)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("m%d", i); op != ws.OpText || string(got) != want {
			t.Fatalf("echo %d: %v %q, want %q", i, op, got, want)
		}
	}
	for i := 0; i < n; i++ {
		if r := h.next(t, id, EventMessage); r.msg != fmt.Sprintf("m%d", i) || r.bin {
			t.Fatalf("message %d: %q binary=%v", i, r.msg, r.bin)
		}
	}
	if err := wsutil.WriteClientMessage(c, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "done")); err != nil {
		t.Fatal(err)
	}
	_, _, err := wsutil.ReadServerData(c)
	var closed wsutil.ClosedError
	if !errors.As(err, &closed) || closed.Code != ws.StatusNormalClosure {
		t.Fatalf("want close 1000 echo, got %v", err)
	}
	if r := h.next(t, id, EventClose); r.code != StatusNormal {
		t.Fatalf("close code %d", r.code)
	}
	ts.waitRemoved(t, id)
	if ts.hub.SessionCount() != 0 || ts.hub.Send(id, []byte("x"), false) {
		t.Fatal("session still registered after close")
	}
	// The server closes TCP first (RFC 6455 §7.1.1).
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
}

func TestBinaryEcho(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	c := dialGobwas(t, ts)
	id := h.nextOpen(t).ID()
	for _, size := range []int{0, 125, 126, 127, 128, 65535, 65536} {
		p := bytes.Repeat([]byte{0, 0xff, 0x80}, size/3+1)[:size]
		if err := wsutil.WriteClientBinary(c, p); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(waitFor))
		got, op, err := wsutil.ReadServerData(c)
		if err != nil {
			t.Fatal(err)
		}
		if op != ws.OpBinary || !bytes.Equal(got, p) {
			t.Fatalf("size %d: op %v, %d bytes", size, op, len(got))
		}
	}
	h.next(t, id, EventOpen)
	if r := h.next(t, id, EventMessage); !r.bin {
		t.Fatal("binary flag lost")
	}
}

func TestSendInOpenAndPath(t *testing.T) {
	h := newRecHandler()
	h.open = func(s *Session) error {
		if !h.hub.Send(s.ID(), []byte("welcome "+s.Path()), false) {
			return errors.New("send in open failed")
		}
		return nil
	}
	ts := newTestServer(t, Options{}, h)
	c := connect(t, ts)
	c.expectText("welcome /chat")
}

func TestHandlerError(t *testing.T) {
	h := newRecHandler()
	boom := errors.New("boom")
	h.message = func(e *Event) error {
		if string(e.Message) == "boom" {
			return boom
		}
		h.hub.Send(e.Session.ID(), e.Message, e.Binary)
		return nil
	}
	ts := newTestServer(t, Options{}, h)
	a := connect(t, ts)
	aid := h.nextOpen(t).ID()
	b := connect(t, ts)
	bid := h.nextOpen(t).ID()

	a.text("boom")
	a.text("never delivered")
	a.expectClose(StatusInternalError)
	h.next(t, aid, EventOpen)
	h.next(t, aid, EventMessage)
	if r := h.next(t, aid, EventError); !errors.Is(r.err, boom) {
		t.Fatalf("error event err %v", r.err)
	}
	if r := h.next(t, aid, EventClose); r.code != StatusInternalError {
		t.Fatalf("close code %d", r.code)
	}
	ts.waitRemoved(t, aid)
	select {
	case r := <-h.events(aid):
		t.Fatalf("event after close: %v %q", r.typ, r.msg)
	default:
	}

	b.text("still here")
	b.expectText("still here")
	if len(ts.logs.Lines(aid)) == 0 {
		t.Fatal("handler error not logged")
	}
	_ = bid
}

func TestHandlerPanicIsError(t *testing.T) {
	h := newRecHandler()
	h.open = func(s *Session) error { panic("kaboom") }
	ts := newTestServer(t, Options{}, h)
	c := connect(t, ts)
	id := h.nextOpen(t).ID()
	c.expectClose(StatusInternalError)
	h.next(t, id, EventOpen)
	if r := h.next(t, id, EventError); r.err == nil {
		t.Fatal("no error")
	}
	h.next(t, id, EventClose)
}

func TestTooBig(t *testing.T) {
	cases := []struct {
		name string
		send func(c *rawClient)
	}{
		{
			name: "one frame",
			send: func(c *rawClient) { c.text(string(bytes.Repeat([]byte("x"), 1025))) },
		},
		{
			name: "fragments add up",
			send: func(c *rawClient) {
				c.send(0x01, bytes.Repeat([]byte("x"), 600))
				c.send(0x80, bytes.Repeat([]byte("x"), 600))
			},
		},
		{
			name: "declared 2^62 never allocated",
			send: func(c *rawClient) {
				// Header only: 64-bit length 2^62, masked, no payload.
				c.write([]byte{0x82, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4})
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newRecHandler()
			ts := newTestServer(t, Options{MaxMessage: 1024}, h)
			c := connect(t, ts)
			id := h.nextOpen(t).ID()
			c.text(string(bytes.Repeat([]byte("y"), 1024)))
			c.expectText(string(bytes.Repeat([]byte("y"), 1024)))
			tc.send(c)
			c.expectClose(StatusMessageTooBig)
			h.next(t, id, EventOpen)
			h.next(t, id, EventMessage)
			if r := h.next(t, id, EventError); r.err == nil {
				t.Fatal("no error")
			}
			if r := h.next(t, id, EventClose); r.code != StatusMessageTooBig {
				t.Fatalf("close code %d", r.code)
			}
		})
	}
}

func TestIdleTimeout(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{IdleTimeout: 300 * time.Millisecond, PingInterval: -1}, h)
	c := connect(t, ts)
	id := h.nextOpen(t).ID()
	start := time.Now()
	c.expectClose(StatusGoingAway)
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("closed after %v", d)
	}
	h.next(t, id, EventOpen)
	if r := h.next(t, id, EventError); !errors.Is(r.err, ErrIdleTimeout) {
		t.Fatalf("error %v", r.err)
	}
	if r := h.next(t, id, EventClose); r.code != StatusGoingAway {
		t.Fatalf("close code %d", r.code)
	}
}

func TestPingKeepsAnsweringPeerAlive(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{IdleTimeout: 300 * time.Millisecond, PingInterval: 60 * time.Millisecond}, h)
	c := connect(t, ts)
	h.nextOpen(t)
	// Answer pings for more than two idle timeouts; the session must
	// survive because each pong counts as activity.
	start := time.Now()
	pings := 0
	for time.Since(start) < 700*time.Millisecond {
		f := c.read()
		if f.op != ws.OpPing {
			t.Fatalf("got %v, want ping", f.op)
		}
		pings++
		c.send(0x8a, f.payload)
	}
	if pings < 3 {
		t.Fatalf("%d pings", pings)
	}
	c.text("alive")
	for {
		f := c.read()
		if f.op == ws.OpPing {
			continue
		}
		if f.op != ws.OpText || string(f.payload) != "alive" {
			t.Fatalf("got %v %q", f.op, f.payload)
		}
		break
	}
}

func TestAbruptLoss1006(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	c := connect(t, ts)
	id := h.nextOpen(t).ID()
	c.text("half")
	c.conn.Close()
	h.next(t, id, EventOpen)
	h.next(t, id, EventMessage)
	if r := h.next(t, id, EventClose); r.code != StatusAbnormal {
		t.Fatalf("close code %d", r.code)
	}
	ts.waitRemoved(t, id)
}

func TestServerClose(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	c := connect(t, ts)
	id := h.nextOpen(t).ID()
	if ts.hub.Close(id, 1005, "") {
		t.Fatal("close with reserved code accepted")
	}
	if !ts.hub.Close(id, 4000, "bye") {
		t.Fatal("close failed")
	}
	if ts.hub.Close(id, 4000, "again") {
		t.Fatal("second close accepted")
	}
	f := c.read()
	if f.op != ws.OpClose || string(f.payload[2:]) != "bye" {
		t.Fatalf("got %v %q", f.op, f.payload)
	}
	c.send(0x88, f.payload[:2])
	c.expectEOF()
	h.next(t, id, EventOpen)
	if r := h.next(t, id, EventClose); r.code != 4000 {
		t.Fatalf("close code %d", r.code)
	}
	ts.waitRemoved(t, id)
	if ts.hub.Close(id, 1000, "") || ts.hub.Close("nope", 1000, "") {
		t.Fatal("close of unknown id")
	}
}

func TestShutdown(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	var clients []gobwasClient
	var ids []string
	for i := 0; i < 3; i++ {
		clients = append(clients, dialGobwas(t, ts))
		ids = append(ids, h.nextOpen(t).ID())
	}
	// Clients answer the close like browsers do (wsutil echoes it).
	results := make(chan error, len(clients))
	for _, c := range clients {
		go func() {
			c.SetReadDeadline(time.Now().Add(waitFor))
			_, _, err := wsutil.ReadServerData(c)
			results <- err
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := ts.hub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for range clients {
		var closed wsutil.ClosedError
		if err := <-results; !errors.As(err, &closed) || closed.Code != ws.StatusGoingAway {
			t.Fatalf("client got %v, want close 1001", err)
		}
	}
	for _, id := range ids {
		h.next(t, id, EventOpen)
		if r := h.next(t, id, EventClose); r.code != StatusGoingAway {
			t.Fatalf("close code %d", r.code)
		}
	}
	if n := ts.hub.SessionCount(); n != 0 {
		t.Fatalf("%d sessions after shutdown", n)
	}
	c := dialRaw(t, ts, nil)
	if c.resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("upgrade after shutdown: %d", c.resp.StatusCode)
	}
}

func TestBackpressure(t *testing.T) {
	h := newRecHandler()
	gate := make(chan struct{})
	h.message = func(e *Event) error {
		if string(e.Message) == "m0" {
			<-gate
		}
		h.hub.Send(e.Session.ID(), e.Message, false)
		return nil
	}
	ts := newTestServer(t, Options{EventQueue: 2}, h)
	c := connect(t, ts)
	h.nextOpen(t)
	const n = 20
	for i := 0; i < n; i++ {
		c.text(fmt.Sprintf("m%d", i))
	}
	c.send(0x89, []byte("p"))
	// The handler holds m0 and the queue is full: the reader must have
	// stopped, so the ping that follows the messages is not answered.
	if f, err := c.readFrame(200 * time.Millisecond); err == nil {
		t.Fatalf("got %v %q while the handler is blocked", f.op, f.payload)
	}
	close(gate)
	next := 0
	pong := false
	for next < n || !pong {
		f := c.read()
		switch f.op {
		case ws.OpPong:
			pong = true
		case ws.OpText:
			if want := fmt.Sprintf("m%d", next); string(f.payload) != want {
				t.Fatalf("got %q, want %q", f.payload, want)
			}
			next++
		default:
			t.Fatalf("unexpected %v", f.op)
		}
	}
}

func TestEventTypeString(t *testing.T) {
	for typ, want := range map[EventType]string{EventOpen: "open", EventMessage: "message", EventClose: "close", EventError: "error"} {
		if typ.String() != want {
			t.Fatalf("%d.String() = %q", typ, typ.String())
		}
	}
}
