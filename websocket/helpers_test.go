package websocket

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"duplex/websocket/frame"
	"duplex/websocket/wstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitFor bounds every wait in the tests; nothing relies on sleeping.
const waitFor = 5 * time.Second

// rec is an event as the test handler saw it (message copied).
type rec struct {
	typ  EventType
	id   string
	msg  string
	bin  bool
	code int
	err  error
}

// recHandler records events per session and echoes messages by default.
type recHandler struct {
	hub     *Hub
	noEcho  bool
	open    func(s *Session) error
	message func(e *Event) error

	mu     sync.Mutex
	per    map[string]chan rec
	opened chan *Session
}

func newRecHandler() *recHandler {
	return &recHandler{per: make(map[string]chan rec), opened: make(chan *Session, 2000)}
}

func (h *recHandler) events(id string) chan rec {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.per[id]
	if ch == nil {
		ch = make(chan rec, 4096)
		h.per[id] = ch
	}
	return ch
}

func (h *recHandler) HandleEvent(e *Event) error {
	r := rec{typ: e.Type, id: e.Session.ID(), msg: string(e.Message), bin: e.Binary, code: e.CloseCode, err: e.Err}
	h.events(r.id) <- r
	switch e.Type {
	case EventOpen:
		// Signalled after the open hook (even if it panics), so a test that
		// saw the open also sees what the hook did.
		defer func() { h.opened <- e.Session }()
		if h.open != nil {
			return h.open(e.Session)
		}
	case EventMessage:
		if h.message != nil {
			return h.message(e)
		}
		if !h.noEcho {
			h.hub.Send(e.Session.ID(), e.Message, e.Binary)
		}
	}
	return nil
}

func (h *recHandler) nextOpen(t testing.TB) *Session {
	t.Helper()
	select {
	case s := <-h.opened:
		return s
	case <-time.After(waitFor):
		t.Fatal("no open event")
		return nil
	}
}

// next returns the next event of session id and checks its type.
func (h *recHandler) next(t testing.TB, id string, want EventType) rec {
	t.Helper()
	select {
	case r := <-h.events(id):
		if r.typ != want {
			t.Fatalf("event %v (msg %q code %d err %v), want %v", r.typ, r.msg, r.code, r.err, want)
		}
		return r
	case <-time.After(waitFor):
		t.Fatalf("no %v event for %s", want, id)
		return rec{}
	}
}

type testServer struct {
	hub       *Hub
	h         *recHandler
	addr      string
	logs      *wstest.LogBuffer
	protocols []string
	removed   chan string
	wrap      bool // hand Accept a middleware-wrapped ResponseWriter
}

// wrappedWriter is what logging/metrics middleware typically looks like:
// it hides Hijacker but offers Unwrap for http.ResponseController.
type wrappedWriter struct{ http.ResponseWriter }

func (w wrappedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// newTestServer serves upgrades on 127.0.0.1 the way the JS layer will:
// frame.IsUpgradeRequest, then Accept, the gate.
func newTestServer(t testing.TB, opts Options, h *recHandler, configure ...func(*testServer)) *testServer {
	t.Helper()
	if opts.CloseTimeout == 0 {
		opts.CloseTimeout = 500 * time.Millisecond
	}
	logs := &wstest.LogBuffer{}
	hub := NewHub(opts, zerolog.New(logs).Level(zerolog.DebugLevel))
	ts := &testServer{hub: hub, h: h, logs: logs, removed: make(chan string, 2000)}
	hub.onRemove = func(s *Session) { ts.removed <- s.ID() }
	h.hub = hub
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	for _, f := range configure {
		f(ts)
	}
	srv := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !frame.IsUpgradeRequest(r) {
				http.Error(w, "not a websocket request", http.StatusBadRequest)
				return
			}
			if ts.wrap {
				w = wrappedWriter{w}
			}
			hub.Accept(w, r, Accept{
				SubProtocols: ts.protocols,
				Path:         r.URL.Path,
				Params:       r.URL.Query(),
				Data:         map[string]string{"k": "v"},
				Handler:      h,
			})
		}),
	}
	done := make(chan struct{})
	go func() {
		srv.Serve(ln)
		close(done)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		srv.Close()
		<-done
	})
	return ts
}

func (ts *testServer) waitRemoved(t testing.TB, id string) {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case got := <-ts.removed:
			if got == id {
				return
			}
		case <-deadline:
			t.Fatalf("session %s not removed", id)
		}
	}
}

// rawClient speaks WebSocket byte by byte so tests can send anything.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
	resp *http.Response
}

const rfcKey = "dGhlIHNhbXBsZSBub25jZQ=="

// smallReceiveBuffer dials with a 4 KiB receive buffer, so that a client
// that does not read fills up after kilobytes, not megabytes.
var smallReceiveBuffer = &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
	return rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	})
}}

func upgradeRequest(addr string, extra ...string) string {
	var b strings.Builder
	b.WriteString("GET /chat?room=a&room=b HTTP/1.1\r\nHost: " + addr + "\r\n")
	b.WriteString("Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n")
	b.WriteString("Sec-WebSocket-Key: " + rfcKey + "\r\n")
	hasVersion := false
	for _, h := range extra {
		if strings.HasPrefix(h, "Sec-WebSocket-Version:") {
			hasVersion = true
		}
		b.WriteString(h + "\r\n")
	}
	if !hasVersion {
		b.WriteString("Sec-WebSocket-Version: 13\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// dialRaw sends a handshake and returns the client whatever the status.
func dialRaw(t testing.TB, ts *testServer, d *net.Dialer, extra ...string) *rawClient {
	t.Helper()
	if d == nil {
		d = &net.Dialer{}
	}
	conn, err := d.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(waitFor))
	if _, err := io.WriteString(conn, upgradeRequest(ts.addr, extra...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Time{})
	return &rawClient{t: t, conn: conn, br: br, resp: resp}
}

// connect is dialRaw plus the 101 check.
func connect(t testing.TB, ts *testServer, extra ...string) *rawClient {
	t.Helper()
	c := dialRaw(t, ts, nil, extra...)
	if c.resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", c.resp.StatusCode)
	}
	return c
}

// frameBytes encodes a client frame with wstest. b0 is the first header
// byte (FIN, RSV, opcode) so tests can set reserved bits and opcodes freely.
func frameBytes(b0 byte, payload []byte, masked bool) []byte {
	f := wstest.Frame{Fin: b0&0x80 != 0, Rsv: (b0 >> 4) & 0x7, OpCode: ws.OpCode(b0 & 0x0f), Payload: payload}
	if masked {
		f = wstest.Masked(f)
	}
	return wstest.AppendFrame(nil, f, wstest.Minimal)
}

func (c *rawClient) write(b []byte) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(waitFor))
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *rawClient) send(b0 byte, payload []byte) {
	c.t.Helper()
	c.write(frameBytes(b0, payload, true))
}
func (c *rawClient) text(s string) { c.t.Helper(); c.send(0x81, []byte(s)) }

func (c *rawClient) closeFrame(code int, reason string) {
	c.t.Helper()
	p := binary.BigEndian.AppendUint16(nil, uint16(code))
	c.send(0x88, append(p, reason...))
}

type rawFrame struct {
	op      ws.OpCode
	fin     bool
	payload []byte
}

func (c *rawClient) readFrame(d time.Duration) (rawFrame, error) {
	c.conn.SetReadDeadline(time.Now().Add(d))
	f, err := wstest.ReadFrame(c.br, nil, math.MaxInt64)
	if err != nil {
		return rawFrame{}, err
	}
	if f.Masked {
		return rawFrame{}, errors.New("server frame is masked")
	}
	return rawFrame{op: f.OpCode, fin: f.Fin, payload: f.Payload}, nil
}

func (c *rawClient) read() rawFrame {
	c.t.Helper()
	f, err := c.readFrame(waitFor)
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	return f
}

func (c *rawClient) expectText(want string) {
	c.t.Helper()
	f := c.read()
	if f.op != ws.OpText || string(f.payload) != want {
		c.t.Fatalf("got op %v %q, want text %q", f.op, truncate(f.payload), truncate([]byte(want)))
	}
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// expectClose reads the next frame, wants a close with code (0: empty), then
// answers it and wants the server to close TCP.
func (c *rawClient) expectClose(code int) {
	c.t.Helper()
	f := c.read()
	if f.op != ws.OpClose {
		c.t.Fatalf("got op %v %q, want close %d", f.op, truncate(f.payload), code)
	}
	got := 0
	if len(f.payload) >= 2 {
		got = int(binary.BigEndian.Uint16(f.payload))
	}
	if got != code {
		c.t.Fatalf("close code %d, want %d", got, code)
	}
	c.conn.SetWriteDeadline(time.Now().Add(waitFor))
	c.conn.Write(frameBytes(0x88, f.payload[:min(2, len(f.payload))], true))
	c.expectEOF()
}

// expectEOF wants the server to close TCP without sending anything else.
func (c *rawClient) expectEOF() {
	c.t.Helper()
	f, err := c.readFrame(waitFor)
	if err == nil {
		c.t.Fatalf("got op %v %q, want EOF", f.op, truncate(f.payload))
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !isReset(err) {
		c.t.Fatalf("want EOF, got %v", err)
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}
