package sockfd

import (
	"io"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// The duplicate is the same socket: closing the original leaves it open,
// and what the peer sends reads from it.
func TestDupKeepsTheSocketOpen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	fd, err := Dup(server.(*net.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	server.Close()
	if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Fatalf("close-on-exec: flags %#x, %v", flags, err)
	}
	if _, err := io.WriteString(client, "ping"); err != nil {
		t.Fatal(err)
	}
	// The duplicate is non-blocking like the original: wait for the bytes.
	buf := make([]byte, 4)
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if _, err := unix.Poll(pfd, 10_000); err != nil {
		t.Fatal(err)
	}
	n, err := unix.Read(fd, buf)
	if err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("read %q, %v from the duplicate", buf[:max(n, 0)], err)
	}
}
