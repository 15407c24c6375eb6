package harness

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// What more than one package asks of the shared test applications
// (testdata/apps), and of the file system around them.

// AssertSerial checks that with a single JS worker a request waits while
// another controller call is running: myapp's slow call busy-waits 3 s, so
// a request sent once it has started can't be answered within 1 s.
func AssertSerial(t testing.TB, s *Server, tag string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r, err := DoErr("GET", s.URL+"/_/service/myapp/slow?ms=3000&tag="+tag, nil)
		if err != nil || r.Status != 200 {
			t.Errorf("slow: %v %+v", err, r)
		}
	}()
	s.WaitLog(t, MessageHas("slow-start "+tag), 15*time.Second)
	start := time.Now()
	r := Get(t, s.URL+"/_/service/myapp/echo")
	el := time.Since(start)
	WantStatus(t, r, 200, "echo queued behind the slow request")
	if el < time.Second {
		t.Errorf("with a single JS worker, echo was answered in %v while a 3 s controller call was running", el)
	}
	<-done
}

// IsTimeoutLog matches the error line of a call to script stopped by
// --js-timeout, which names the setting.
func IsTimeoutLog(script string) func(LogEntry) bool {
	return func(e LogEntry) bool {
		return e.Level() == "error" && e.Has(script) && e.Has("timed out (--js-timeout)")
	}
}

// WebappJSON fetches a URL expected to be answered by a webapp controller
// returning {who, path, ...}.
func WebappJSON(t testing.TB, method, url string) map[string]any {
	t.Helper()
	var r *Resp
	if method == http.MethodPost {
		r = Post(t, url, "application/x-www-form-urlencoded", "k=v")
	} else {
		r = Do(t, method, url, nil)
	}
	WantStatus(t, r, 200, method+" "+url)
	return r.JSON(t)
}

// CopyDir copies a directory tree (regular files and dirs only).
func CopyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s -> %s: %v", src, dst, err)
	}
}

// WriteFile writes content to path, making its folder.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// FreePorts finds n loopback ports nothing listens on, for addresses that
// must be known before a server starts (cluster routes, a closed port).
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}
