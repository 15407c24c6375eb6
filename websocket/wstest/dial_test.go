package wstest

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

func dialCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestAcceptKey(t *testing.T) {
	// RFC 6455 §1.3.
	if got := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Errorf("AcceptKey of the RFC's example: %q", got)
	}
}

func TestDialEcho(t *testing.T) {
	e := NewEchoServer(t)
	var d Dialer
	c, err := d.Dial(dialCtx(t), e.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, m := range []Message{{OpCode: ws.OpText, Payload: []byte("hello")}, {OpCode: ws.OpBinary, Payload: []byte{0, 1, 2}}} {
		if err := c.WriteMessage(m.OpCode, m.Payload); err != nil {
			t.Fatal(err)
		}
		got, err := c.ReadMessage()
		if err != nil || got.OpCode != m.OpCode || string(got.Payload) != string(m.Payload) {
			t.Errorf("echo of %v %q: %v %q (%v)", m.OpCode, m.Payload, got.OpCode, got.Payload, err)
		}
	}
	if err := c.WriteMessage(ws.OpText, []byte("bye")); err != nil {
		t.Fatal(err)
	}
	var ce *CloseError
	if _, err := c.ReadMessage(); !errors.As(err, &ce) || ce.Code != 1000 || ce.Reason != "bye" {
		t.Errorf("after bye: %v, want close 1000 bye", err)
	}
}

func TestDialFrom(t *testing.T) {
	e := NewEchoServer(t)
	src := LoopbackSources(2)[1]
	d := Dialer{NetDial: DialFrom(src), ReadBufferSize: 256}
	c, err := d.Dial(dialCtx(t), e.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ip := c.NetConn().LocalAddr().(*net.TCPAddr).IP; !ip.Equal(net.IPv4(127, 0, 0, 3)) {
		t.Errorf("connected from %v, want 127.0.0.3", ip)
	}
}

// fakeServer answers one handshake with what respond returns, after
// handing it the request.
func fakeServer(t *testing.T, respond func(req *http.Request) string) string {
	t.Helper()
	return Serve(t, func(c net.Conn, _ *bufio.Reader, req *http.Request) {
		_, _ = c.Write([]byte(respond(req)))
		_, _ = c.Read(make([]byte, 1)) // until the client closes
	})
}

func answer101(protocol string) func(*http.Request) string {
	return func(req *http.Request) string { return Response101(req, protocol) }
}

func TestDialChecks(t *testing.T) {
	t.Run("headers sent", func(t *testing.T) {
		got := make(chan *http.Request, 1)
		addr := fakeServer(t, func(req *http.Request) string {
			got <- req
			return answer101("chat.v2")(req)
		})
		d := Dialer{Protocols: []string{"chat.v1", "chat.v2"}, Origin: "http://example.com", Header: []string{"Cookie", "a=b"}}
		c, err := d.Dial(dialCtx(t), "ws://"+addr+"/room/1?x=y")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		req := <-got
		if req.RequestURI != "/room/1?x=y" || req.Header.Get("Origin") != "http://example.com" ||
			req.Header.Get("Cookie") != "a=b" || req.Header.Get("Sec-WebSocket-Protocol") != "chat.v1, chat.v2" {
			t.Errorf("request %s with %v", req.RequestURI, req.Header)
		}
		if c.Protocol != "chat.v2" {
			t.Errorf("Protocol %q, want chat.v2", c.Protocol)
		}
	})
	for _, c := range []struct {
		name      string
		protocols []string
		respond   func(*http.Request) string
		want      string // in the error
	}{
		{"protocol not offered", []string{"chat"}, answer101("other"), "not offered"},
		{"wrong accept", nil, func(*http.Request) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n"
		}, "Accept"},
		{"no upgrade", nil, func(req *http.Request) string {
			return strings.Replace(Response101(req, ""), "Upgrade: websocket", "Upgrade: h2c", 1)
		}, "Upgrade"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Dialer{Protocols: c.protocols}
			if _, err := d.Dial(dialCtx(t), "ws://"+fakeServer(t, c.respond)+"/"); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("dial: %v, want an error about %s", err, c.want)
			}
		})
	}
	t.Run("status", func(t *testing.T) {
		addr := fakeServer(t, func(*http.Request) string {
			return "HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\nno such"
		})
		var d Dialer
		_, err := d.Dial(dialCtx(t), "ws://"+addr+"/")
		var se *StatusError
		if !errors.As(err, &se) || se.Code != 404 || se.Body != "no such" {
			t.Errorf("a 404: %v, want a *StatusError with the body", err)
		}
	})
}

// TestHandshakeVerbatim: a Request is written as given, invalid or not.
func TestHandshakeVerbatim(t *testing.T) {
	got := make(chan *http.Request, 1)
	addr := fakeServer(t, func(req *http.Request) string {
		got <- req
		return "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad"
	})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	hdr := WithHeader(UpgradeHeader(addr, NewKey()), "Sec-WebSocket-Version", "")
	hdr = WithHeader(hdr, "Upgrade", "h2c")
	r, err := Handshake(nc, Request{Method: "POST", Target: "/x", Proto: "HTTP/1.0", Header: append(hdr, "Content-Length", "0")})
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != 400 || r.Body != "bad" || r.Conn != nil {
		t.Errorf("response %d %q %v, want 400 bad and no connection", r.StatusCode, r.Body, r.Conn)
	}
	req := <-got
	if req.Method != "POST" || req.Proto != "HTTP/1.0" || req.Header.Get("Upgrade") != "h2c" || req.Header.Get("Sec-WebSocket-Version") != "" {
		t.Errorf("server read %s %s with %v", req.Method, req.Proto, req.Header)
	}
}

func TestWithHeader(t *testing.T) {
	hdr := []string{"A", "1", "B", "2"}
	if got := strings.Join(WithHeader(hdr, "b", "3"), " "); got != "A 1 b 3" {
		t.Errorf("replace: %s", got)
	}
	if got := strings.Join(WithHeader(hdr, "A", ""), " "); got != "B 2" {
		t.Errorf("remove: %s", got)
	}
	if got := strings.Join(WithHeader(hdr, "C", "4"), " "); got != "A 1 B 2 C 4" {
		t.Errorf("append: %s", got)
	}
}
