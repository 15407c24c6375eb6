package http1

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
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
	}), nil, refuse, nil)
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

// Out of descriptors, accept fails: the failure is reported, the
// listener rests instead of spinning on it, and once descriptors are
// free again the waiting client is served. Not parallel: the open-file
// limit is the process's.
func TestOutOfDescriptorsTheListenerRestsAndResumes(t *testing.T) {
	failures := make(chan error, 1)
	var failed atomic.Int64
	ts := startServerWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "served")
	}), nil, nil, func(err error) {
		failed.Add(1)
		select {
		case failures <- err:
		default:
		}
	})
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	open, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	// The limit bounds descriptor numbers: it is set a little above
	// what is open, the free numbers under it are filled, and one is
	// let go again, for the client's socket; none is left for the
	// server's.
	tight := old
	tight.Cur = uint64(len(open) + 16)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &tight); err != nil {
		t.Skip("cannot lower the open-file limit:", err)
	}
	var fillers []int
	restored := false
	restore := func() {
		if !restored {
			restored = true
			for _, fd := range fillers {
				unix.Close(fd)
			}
			if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer restore()
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			if !errors.Is(err, unix.EMFILE) {
				restore()
				t.Fatal(err)
			}
			break
		}
		fillers = append(fillers, fd)
	}
	if len(fillers) == 0 {
		restore()
		t.Skip("no descriptor to let go for the client")
	}
	unix.Close(fillers[len(fillers)-1])
	fillers = fillers[:len(fillers)-1]
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		restore()
		t.Fatal("dial:", err)
	}
	defer c.Close()
	if err := <-failures; !errors.Is(err, unix.EMFILE) {
		restore()
		t.Fatalf("accept failed with %v, want EMFILE", err)
	}
	// Resting, not spinning: a listener that tried again at once would
	// fail thousands of times in this window, one that rests 50 ms
	// between tries three times (fewer if another test's descriptor is
	// freed meanwhile and the accept succeeds).
	const window = 150 * time.Millisecond
	time.Sleep(window) // measuring what happens while the limit is tight
	n := failed.Load()
	restore()
	if n > 10 {
		t.Fatalf("%d failed accepts in %v: the listener did not rest", n, window)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal("the waiting client was not served:", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "served" {
		t.Fatalf("answer %q", body)
	}
}
