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

	"golang.org/x/sys/unix"
)

func TestListenAcceptsAndRefuses(t *testing.T) {
	var accepted, refused atomic.Int64
	refuse := func(fd int) bool {
		if accepted.Load() < 2 {
			accepted.Add(1)
			return false
		}
		refused.Add(1)
		unix.Write(fd, []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
		unix.Close(fd)
		return true
	}
	ts := startServerWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.RemoteAddr)
	}), nil, refuse)
	addr := ts.addr
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
	if err := ts.fast.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("the listening socket is still open after Shutdown")
	}
}
