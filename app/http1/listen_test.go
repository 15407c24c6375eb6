package http1

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// listenServer is a Server accepting on its own listening socket.
func listenServer(t *testing.T, h http.Handler, accept AcceptFunc) (*Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	s, err := New(Config{Handler: h, Handoff: func(o, gc net.Conn, _ []byte) { gc.Close(); o.Close() },
		IdleTimeout: time.Minute, Log: zerolog.New(zerolog.NewTestWriter(t))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(ln.(*net.TCPListener), accept, func(error) {}); err != nil {
		t.Fatal(err)
	}
	return s, addr
}

func TestListenAcceptsAndRefuses(t *testing.T) {
	var accepted, refused atomic.Int64
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}
	accept := func(fd int, remote net.Addr) (net.Conn, bool) {
		if accepted.Load() == 2 {
			refused.Add(1)
			unix.Write(fd, []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
			unix.Close(fd)
			return nil, false
		}
		accepted.Add(1)
		c, _ := net.Pipe() // stands for the owner: addresses and Close
		return &fakeOwner{Conn: c, local: local, remote: remote}, true
	}
	s, addr := listenServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.RemoteAddr)
	}), accept)
	for i := range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if i < 2 {
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		body, _ := io.ReadAll(res.Body)
		c.Close()
		switch {
		case i < 2 && (res.StatusCode != 200 || !strings.HasPrefix(string(body), "127.0.0.1:")):
			t.Fatalf("connection %d: %s %q", i, res.Status, body)
		case i == 2 && res.StatusCode != 503:
			t.Fatalf("connection %d past the budget: %s", i, res.Status)
		}
	}
	if refused.Load() != 1 {
		t.Fatalf("%d refused, want 1", refused.Load())
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("the listening socket is still open after Shutdown")
	}
}

type fakeOwner struct {
	net.Conn
	local, remote net.Addr
}

func (o *fakeOwner) LocalAddr() net.Addr  { return o.local }
func (o *fakeOwner) RemoteAddr() net.Addr { return o.remote }
