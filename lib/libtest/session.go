package libtest

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"duplex/websocket"
)

// OpenSession makes a real session of hub at target (path and query),
// with data: the hub accepts an upgrade over an in-memory pipe and the
// open event hands the session over. The peer end of the pipe is returned
// for the test to read (it must be read: a pipe has no buffer); the
// session is closed with the test.
func OpenSession(tb testing.TB, hub *websocket.Hub, target string, data map[string]string) (*websocket.Session, net.Conn) {
	tb.Helper()
	server, client := net.Pipe()
	tb.Cleanup(func() { client.Close() })
	opened := make(chan *websocket.Session, 1)
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.Header.Set("Sec-WebSocket-Version", "13")
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	// The 101 is written before Accept returns: someone must read it.
	greeting := make(chan error, 1)
	br := bufio.NewReader(client)
	go func() {
		resp, err := http.ReadResponse(br, r)
		if err == nil && resp.StatusCode != http.StatusSwitchingProtocols {
			err = io.ErrUnexpectedEOF
		}
		greeting <- err
	}()
	err = hub.Accept(&hijackable{conn: server}, r, websocket.Accept{
		Path: u.Path, Params: u.Query(), Data: data,
		Handler: openedHandler(opened),
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := <-greeting; err != nil {
		tb.Fatalf("handshake: %v", err)
	}
	select {
	case s := <-opened:
		return s, &bufferedConn{Conn: client, r: br}
	case <-time.After(10 * time.Second):
		tb.Fatal("no open event")
		return nil, nil
	}
}

// openedHandler passes the session of the open event on; later events are
// the test's to watch through the peer.
type openedHandler chan *websocket.Session

func (h openedHandler) HandleEvent(e *websocket.Event) error {
	if e.Type == websocket.EventOpen {
		h <- e.Session
	}
	return nil
}

// hijackable is a ResponseWriter whose connection can be hijacked, as
// net/http's is.
type hijackable struct {
	conn   net.Conn
	header http.Header
}

func (w *hijackable) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}
func (w *hijackable) Write(p []byte) (int, error) { return w.conn.Write(p) }
func (w *hijackable) WriteHeader(int)             {}
func (w *hijackable) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.conn, bufio.NewReadWriter(bufio.NewReader(w.conn), bufio.NewWriter(w.conn)), nil
}

// bufferedConn reads first what the handshake's reader buffered.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Hub is a quiet hub that shuts down when the test ends (after the
// sessions' peers close, since cleanups run last-in first-out).
func Hub(tb testing.TB) *websocket.Hub {
	tb.Helper()
	hub := websocket.NewHub(websocket.Options{}, zerolog.Nop())
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			tb.Error(err)
		}
	})
	return hub
}
