package test

// Helpers shared by the hostile-input tests (security_*_test.go). Those
// tests back the table in docs/SECURITY.md: each one attacks the real
// binary from loopback and asserts duplex's answer, and that the server
// keeps serving everybody else.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

const secMiB = 1 << 20

// secProbe is the hostile app's probe service (testdata/apps/hostile).
const secProbe = "/_/service/hostile/probe"

// secExchange writes raw bytes on a fresh connection and returns what the
// server sends until it closes the connection or timeout passes. err is the
// read error that ended it (nil for a clean EOF).
func secExchange(t testing.TB, addr string, raw []byte, timeout time.Duration) (string, error) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, wsWait)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(raw); err != nil {
		// The server may refuse before reading everything; what it
		// answered is still in our receive buffer.
		t.Logf("writing %d raw bytes: %v", len(raw), err)
	}
	b, err := io.ReadAll(conn)
	return string(b), err
}

// secStatus is the status code of the first response in raw ("HTTP/1.1 431 ..."), or 0.
func secStatus(raw string) int {
	line, _, _ := strings.Cut(raw, "\r\n")
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// secRequest builds a raw request: request line, header lines, empty line.
func secRequest(line string, headers ...string) []byte {
	var b strings.Builder
	b.WriteString(line + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// secRSS is the server process's resident set size (VmRSS), in bytes.
func secRSS(t testing.TB, s *Server) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("read the server's /proc status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
	return 0
}

// secOpen opens a WebSocket on the probe service and returns the client
// and its session id (the service greets with "open:<id>").
func secOpen(t testing.TB, s *Server, query string) (*wsClient, string) {
	t.Helper()
	c := dialWS(t, s, secProbe+query, wsDialOpts{})
	greet := c.readText()
	id, ok := strings.CutPrefix(greet, "open:")
	if !ok || id == "" {
		t.Fatalf("probe greeting %q, want open:<id>", greet)
	}
	return c, id
}

// secEcho checks that c's session still echoes.
func secEcho(t testing.TB, c *wsClient, text string) {
	t.Helper()
	c.sendText(text)
	c.expectText(text)
}

// secWaitHev waits for the probe's log of an event of type typ for session id.
func secWaitHev(t testing.TB, s *Server, id, typ string, timeout time.Duration) map[string]any {
	t.Helper()
	return wsWaitJSONLog(t, s, "hev", func(m map[string]any) bool {
		return m["id"] == id && m["type"] == typ
	}, timeout)
}

// secAlive fails the test unless the server process runs and answers HTTP.
func secAlive(t testing.TB, s *Server) {
	t.Helper()
	if s.Exited() {
		t.Fatalf("the server exited (%v); stderr:\n%s", s.waitErr, tail(s.Stderr(), 6000))
	}
	r, err := doErr("GET", s.URL+secProbe+"?alive=1", nil)
	if err != nil {
		t.Fatalf("server does not answer HTTP any more: %v; stderr:\n%s", err, tail(s.Stderr(), 6000))
	}
	if r.Status != http.StatusOK {
		t.Fatalf("probe answered %d %q, want 200", r.Status, trunc(r.Body))
	}
}

// secIsTimeout reports a net timeout error.
func secIsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// secReadAllFrames reads raw server frames from br until the connection
// ends, a close frame arrives or timeout passes; it returns the opcodes
// seen and the close code (0 if none).
func secReadAllFrames(br *bufio.Reader, conn net.Conn, timeout time.Duration) (ops []byte, closeCode int, err error) {
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	for {
		var h [2]byte
		if _, err = io.ReadFull(br, h[:]); err != nil {
			return ops, 0, err
		}
		op := h[0] & 0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var e [2]byte
			if _, err = io.ReadFull(br, e[:]); err != nil {
				return ops, 0, err
			}
			n = uint64(e[0])<<8 | uint64(e[1])
		case 127:
			var e [8]byte
			if _, err = io.ReadFull(br, e[:]); err != nil {
				return ops, 0, err
			}
			n = 0
			for _, c := range e {
				n = n<<8 | uint64(c)
			}
		}
		p := make([]byte, n)
		if _, err = io.ReadFull(br, p); err != nil {
			return ops, 0, err
		}
		ops = append(ops, op)
		if op == 0x8 {
			if len(p) >= 2 {
				return ops, int(p[0])<<8 | int(p[1]), nil
			}
			return ops, 1005, nil
		}
	}
}
