// Package wstest holds WebSocket peers for tests, outside the package under
// test, so that every package's tests talk to the same thing: for now an
// echo server on loopback.
package wstest

import (
	"net"
	"sync"
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

	ln net.Listener
	wg sync.WaitGroup
}

// NewEchoServer listens on a free loopback port until the test ends.
func NewEchoServer(t testing.TB) *EchoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &EchoServer{ln: ln, Addr: ln.Addr().String(), URL: "ws://" + ln.Addr().String() + "/"}
	e.wg.Add(1)
	go e.accept()
	t.Cleanup(func() {
		ln.Close()
		e.wg.Wait()
	})
	return e
}

func (e *EchoServer) accept() {
	defer e.wg.Done()
	for {
		conn, err := e.ln.Accept()
		if err != nil {
			return
		}
		e.Accepted.Add(1)
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			defer conn.Close()
			e.serve(conn)
		}()
	}
}

func (e *EchoServer) serve(conn net.Conn) {
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
