package controller

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

// openSession makes a real session at target (path and query) with data,
// accepted by a hub over an in-memory pipe whose client end reads and
// discards: what the engine's event code gets from the hub, without a
// network.
func openSession(tb testing.TB, target string, data map[string]string) *websocket.Session {
	tb.Helper()
	hub := websocket.NewHub(websocket.Options{}, zerolog.Nop())
	server, client := net.Pipe()
	go io.Copy(io.Discard, client)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
		client.Close()
	})
	opened := make(chan *websocket.Session, 1)
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.Header.Set("Sec-WebSocket-Version", "13")
	u, _ := url.Parse(target)
	err := hub.Accept(&pipeWriter{conn: server}, r, websocket.Accept{
		Path: u.Path, Params: u.Query(), Data: data,
		Handler: openedHandler(opened),
	})
	if err != nil {
		tb.Fatal(err)
	}
	select {
	case s := <-opened:
		return s
	case <-time.After(10 * time.Second):
		tb.Fatal("no open event")
		return nil
	}
}

// openedHandler passes the session of the open event on.
type openedHandler chan *websocket.Session

func (h openedHandler) HandleEvent(e *websocket.Event) error {
	if e.Type == websocket.EventOpen {
		h <- e.Session
	}
	return nil
}

// pipeWriter is a ResponseWriter whose connection can be hijacked, as
// net/http's is.
type pipeWriter struct {
	conn   net.Conn
	header http.Header
}

func (w *pipeWriter) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}
func (w *pipeWriter) Write(p []byte) (int, error) { return w.conn.Write(p) }
func (w *pipeWriter) WriteHeader(int)             {}
func (w *pipeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.conn, bufio.NewReadWriter(bufio.NewReader(w.conn), bufio.NewWriter(w.conn)), nil
}
