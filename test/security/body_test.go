package security

import (
	"io"
	"net"
	"testing"
	"time"

	"duplex/test/harness"
)

// TestSecurityStalledBody: a client that announces a body and stops sending
// half-way is cut off after --read-timeout instead of holding its
// connection (a goroutine and a descriptor) forever; others are served
// meanwhile.
func TestSecurityStalledBody(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("hostile"), "--read-timeout", "1s")
	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /_/service/hostile/probe HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	secAlive(t, s)
	// The server must end the connection by itself; the deadline here only
	// keeps a broken server from hanging the test.
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err = io.ReadAll(conn)
	if secIsTimeout(err) {
		t.Fatalf("connection still open %v after a stalled body with --read-timeout 1s", time.Since(start))
	}
}
