package cluster

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"duplex/websocket"
	"duplex/websocket/wstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitFor bounds every wait in the tests; nothing relies on sleeping.
const waitFor = 5 * time.Second

// roomHandler puts every session in "room" when it opens, then reports
// its id.
type roomHandler struct {
	hub    *websocket.Hub
	opened chan string
}

func (h *roomHandler) HandleEvent(e *websocket.Event) error {
	if e.Type == websocket.EventOpen {
		h.hub.AddToGroup("room", e.Session.ID())
		h.opened <- e.Session.ID()
	}
	return nil
}

// testServer is a hub serving upgrades on 127.0.0.1 until the test ends.
type testServer struct {
	hub    *websocket.Hub
	addr   string
	logs   *wstest.LogBuffer
	opened chan string
}

func newTestServer(t testing.TB, opts websocket.Options) *testServer {
	t.Helper()
	opts.CloseTimeout = 500 * time.Millisecond
	logs := &wstest.LogBuffer{}
	hub := websocket.NewHub(opts, zerolog.New(logs).Level(zerolog.DebugLevel))
	h := &roomHandler{hub: hub, opened: make(chan string, 16)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hub.Accept(w, r, websocket.Accept{Path: r.URL.Path, Handler: h})
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
	return &testServer{hub: hub, addr: ln.Addr().String(), logs: logs, opened: h.opened}
}

// nextOpen is the id of the next session opened.
func (ts *testServer) nextOpen(t testing.TB) string {
	t.Helper()
	select {
	case id := <-ts.opened:
		return id
	case <-time.After(waitFor):
		t.Fatal("no open event")
		return ""
	}
}

// testClient is a WebSocket client of a testServer.
type testClient struct {
	t    testing.TB
	conn net.Conn
	rw   io.ReadWriter
}

func connect(t testing.TB, ts *testServer) *testClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	conn, br, _, err := ws.Dialer{}.Dial(ctx, "ws://"+ts.addr+"/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	return &testClient{t: t, conn: conn, rw: struct {
		io.Reader
		io.Writer
	}{r, conn}}
}

func (c *testClient) read() ([]byte, ws.OpCode, error) {
	c.conn.SetDeadline(time.Now().Add(waitFor))
	return wsutil.ReadServerData(c.rw)
}

func (c *testClient) expectText(want string) {
	c.t.Helper()
	msg, op, err := c.read()
	if err != nil || op != ws.OpText || string(msg) != want {
		c.t.Fatalf("got op %v %q (%v), want text %q", op, msg, err, want)
	}
}

// expectClose wants a close frame with code, answers it (wsutil does)
// and wants the server to close TCP then.
func (c *testClient) expectClose(code int) {
	c.t.Helper()
	_, _, err := c.read()
	var closed wsutil.ClosedError
	if !errors.As(err, &closed) || int(closed.Code) != code {
		c.t.Fatalf("got %v, want close %d", err, code)
	}
	if msg, op, err := c.read(); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		c.t.Fatalf("got op %v %q (%v) after the close, want EOF", op, msg, err)
	}
}
