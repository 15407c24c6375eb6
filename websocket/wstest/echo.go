// Package wstest holds WebSocket peers for tests, outside the package under
// test, so that every package's tests talk to the same thing: a raw client
// (Conn) independent of duplex's own protocol code, an echo server and fake
// servers on loopback.
package wstest

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// EchoServer sends every message back as it came; the message "bye" makes
// it close the connection with 1000 instead. It counts the connections it
// accepted, so that a test can tell nothing reached it.
type EchoServer struct {
	URL      string // ws://127.0.0.1:PORT/
	Addr     string // 127.0.0.1:PORT
	Accepted atomic.Int64
}

// NewEchoServer listens on a free loopback port until the test ends.
func NewEchoServer(t testing.TB) *EchoServer {
	t.Helper()
	e := &EchoServer{}
	e.Addr = Listen(t, func(c net.Conn) {
		e.Accepted.Add(1)
		serveEcho(c)
	})
	e.URL = "ws://" + e.Addr + "/"
	return e
}

func serveEcho(conn net.Conn) {
	if _, err := ws.Upgrade(conn); err != nil {
		return
	}
	for {
		msg, op, err := wsutil.ReadClientData(conn)
		if err != nil {
			return
		}
		if string(msg) == "bye" {
			_ = ws.WriteFrame(conn, ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye")))
			_, _, _ = wsutil.ReadClientData(conn) // the client's answering close
			return
		}
		if err := wsutil.WriteServerMessage(conn, op, msg); err != nil {
			return
		}
	}
}
