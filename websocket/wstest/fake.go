package wstest

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"testing"
)

// Listen accepts connections on a loopback port until the test ends and
// hands each to handle on a goroutine of its own; it returns the address.
// At cleanup it closes the listener and every connection and waits for the
// goroutines, so that no test peer outlives its test.
func Listen(t testing.TB, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  []net.Conn
		closed bool
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				return
			}
			conns = append(conns, c)
			wg.Add(1)
			mu.Unlock()
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// Serve is a fake server: it reads the opening handshake of every
// connection and hands it to serve, for testing a client against answers
// no correct server gives. It returns the address.
func Serve(t testing.TB, serve func(c net.Conn, br *bufio.Reader, req *http.Request)) string {
	t.Helper()
	return Listen(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		serve(c, br, req)
	})
}

// Response101 is a valid 101 answer to req, choosing protocol unless it is
// empty.
func Response101(req *http.Request, protocol string) string {
	s := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + AcceptKey(req.Header.Get("Sec-WebSocket-Key")) + "\r\n"
	if protocol != "" {
		s += "Sec-WebSocket-Protocol: " + protocol + "\r\n"
	}
	return s + "\r\n"
}
