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

// Read, Write and Writev on a non-blocking socket pair: what is written
// arrives in order, and a read with nothing to read fails with EAGAIN
// instead of blocking.
func TestRawReadAndWrite(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	writerOpen := true
	defer func() {
		if writerOpen {
			unix.Close(fds[0])
		}
		unix.Close(fds[1])
	}()
	buf := make([]byte, 64)
	if n, err := Read(fds[1], buf); err != unix.EAGAIN || n != 0 {
		t.Fatalf("read of an empty socket: %d, %v; want 0, EAGAIN", n, err)
	}
	if n, err := Write(fds[0], []byte("one,")); err != nil || n != 4 {
		t.Fatalf("write: %d, %v", n, err)
	}
	a, b := []byte("two,"), []byte("three")
	iov := make([]unix.Iovec, 2)
	iov[0].Base, iov[1].Base = &a[0], &b[0]
	iov[0].SetLen(len(a))
	iov[1].SetLen(len(b))
	if n, err := Writev(fds[0], iov); err != nil || n != len(a)+len(b) {
		t.Fatalf("writev: %d, %v", n, err)
	}
	n, err := Read(fds[1], buf)
	if err != nil || string(buf[:n]) != "one,two,three" {
		t.Fatalf("read %q, %v; want one,two,three", buf[:n], err)
	}
	if n, err := Write(fds[0], nil); err != nil || n != 0 {
		t.Fatalf("empty write: %d, %v", n, err)
	}
	if n, err := Writev(fds[0], nil); err != nil || n != 0 {
		t.Fatalf("empty writev: %d, %v", n, err)
	}
	unix.Close(fds[0])
	writerOpen = false
	if n, err := Read(fds[1], buf); err != nil || n != 0 {
		t.Fatalf("read after the peer closed: %d, %v; want 0, nil (end of stream)", n, err)
	}
}
