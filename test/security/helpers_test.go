package security

// Helpers shared by the hostile-input tests (the tests of this package). Those
// tests back the table in docs/SECURITY.md: each one attacks the real
// binary from loopback and asserts duplex's answer, and that the server
// keeps serving everybody else.

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

const secMiB = 1 << 20

// secProbe is the hostile app's probe service (testdata/apps/hostile).
const secProbe = "/_/service/hostile/probe"

// secExchange writes raw bytes on a fresh connection and returns what the
// server sends until it closes the connection or timeout passes. err is the
// read error that ended it (nil for a clean EOF).
func secExchange(t testing.TB, addr string, raw []byte, timeout time.Duration) (string, error) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, harness.Wait)
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
func secRSS(t testing.TB, s *harness.Server) int64 {
	t.Helper()
	return secMemory(t, s, "VmRSS")
}

// secMemory is s.Memory(field) or the end of the test.
func secMemory(t testing.TB, s *harness.Server, field string) int64 {
	t.Helper()
	v, err := s.Memory(field)
	if err != nil {
		t.Fatalf("reading the server's memory: %v", err)
	}
	return v
}

// secOpen opens a WebSocket on the probe service and returns the client
// and its session id (the service greets with "open:<id>").
func secOpen(t testing.TB, s *harness.Server, query string) (*harness.WS, string) {
	t.Helper()
	c := harness.DialWS(t, s, secProbe+query, harness.WSOpts{})
	greet := c.ReadText()
	id, ok := strings.CutPrefix(greet, "open:")
	if !ok || id == "" {
		t.Fatalf("probe greeting %q, want open:<id>", greet)
	}
	return c, id
}

// secEcho checks that c's session still echoes.
func secEcho(t testing.TB, c *harness.WS, text string) {
	t.Helper()
	c.SendText(text)
	c.ExpectText(text)
}

// secWaitHev waits for the probe's log of an event of type typ for session id.
func secWaitHev(t testing.TB, s *harness.Server, id, typ string, timeout time.Duration) map[string]any {
	t.Helper()
	return harness.WaitJSONLog(t, s, "hev", func(m map[string]any) bool {
		return m["id"] == id && m["type"] == typ
	}, timeout)
}

// secAlive fails the test unless the server process runs and answers HTTP.
func secAlive(t testing.TB, s *harness.Server) {
	t.Helper()
	if s.Exited() {
		t.Fatalf("the server exited (%v); stderr:\n%s", s.ExitErr(), harness.Tail(s.Stderr(), 6000))
	}
	r, err := harness.DoErr("GET", s.URL+secProbe+"?alive=1", nil)
	if err != nil {
		t.Fatalf("server does not answer HTTP any more: %v; stderr:\n%s", err, harness.Tail(s.Stderr(), 6000))
	}
	if r.Status != http.StatusOK {
		t.Fatalf("probe answered %d %q, want 200", r.Status, harness.Trunc(r.Body))
	}
}

// secIsTimeout reports a net timeout error.
func secIsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// secKill writes a frame of n bytes but stops half-way through its
// payload, then kills the connection: with a FIN, or with rst a reset.
func secKill(t testing.TB, c *harness.WS, op ws.OpCode, n int, rst bool) {
	t.Helper()
	b := wstest.AppendFrame(nil, wstest.MessageFrame(op, bytes.Repeat([]byte("x"), n)), wstest.Minimal)
	if err := c.WriteRaw(b[:len(b)-n/2]); err != nil {
		t.Fatal(err)
	}
	if rst {
		if err := c.NetConn().(*net.TCPConn).SetLinger(0); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
}

// secReadAll reads the server's frames until the connection ends, a close
// frame arrives or timeout passes; it returns the opcodes seen and the
// close code (0 if none).
func secReadAll(conn *wstest.Conn, timeout time.Duration) (ops []ws.OpCode, closeCode ws.StatusCode, err error) {
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	for {
		f, err := conn.ReadFrame()
		if err != nil {
			return ops, 0, err
		}
		ops = append(ops, f.OpCode)
		if f.OpCode == ws.OpClose {
			if len(f.Payload) < 2 {
				return ops, ws.StatusNoStatusRcvd, nil
			}
			code, _ := ws.ParseCloseFrameData(f.Payload)
			return ops, code, nil
		}
	}
}
