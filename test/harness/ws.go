package harness

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"duplex/websocket/wstest"
)

// Wait bounds every wait for something the server should do soon.
const Wait = 15 * time.Second

// WSOpts says how to dial a WebSocket.
type WSOpts struct {
	Protocols []string
	Header    []string    // more headers, name value pairs (Cookie, Authorization ...)
	NoPong    bool        // leave pings unanswered
	TLS       *tls.Config // dial wss:// with it (a server with --tls-cert)
	// NetDial opens the TCP connection (nil: net.Dialer), to choose the
	// source address, say.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// WS is a test's WebSocket client: a wstest.Conn whose helpers fail the
// test, name the connection in their messages and count the pings.
type WS struct {
	*wstest.Conn
	T     testing.TB
	Name  string
	pings atomic.Int64
}

// NewWS wraps a connection (from RawHandshake, say) for a test; it is
// closed at cleanup.
func NewWS(t testing.TB, name string, conn *wstest.Conn, noPong bool) *WS {
	c := &WS{Conn: conn, T: t, Name: name}
	conn.NoPong = noPong
	conn.OnPing = c.countPing
	t.Cleanup(func() { conn.Close() })
	return c
}

func (c *WS) countPing([]byte) error {
	c.pings.Add(1)
	return nil
}

// DialWSErr performs the opening handshake on path of s.
func DialWSErr(t testing.TB, s *Server, path string, o WSOpts) (*WS, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	d := wstest.Dialer{Protocols: o.Protocols, Header: o.Header, TLS: o.TLS, NetDial: o.NetDial}
	scheme := "ws://"
	if o.TLS != nil {
		scheme = "wss://"
	}
	conn, err := d.Dial(ctx, scheme+s.Addr+path)
	if err != nil {
		return nil, err
	}
	return NewWS(t, path, conn, o.NoPong), nil
}

// DialWS is DialWSErr that fails the test on error.
func DialWS(t testing.TB, s *Server, path string, o WSOpts) *WS {
	t.Helper()
	c, err := DialWSErr(t, s, path, o)
	if err != nil {
		t.Fatalf("WebSocket handshake %s: %v; server stderr:\n%s", path, err, Tail(s.Stderr(), 4000))
	}
	return c
}

// Pings is how many pings the server has sent so far.
func (c *WS) Pings() int64 { return c.pings.Load() }

// SendFrame writes f masked, as a client must, and fails the test on error.
func (c *WS) SendFrame(f wstest.Frame) {
	c.T.Helper()
	_ = c.SetWriteDeadline(time.Now().Add(Wait))
	if err := c.WriteFrame(wstest.Masked(f)); err != nil {
		c.T.Fatalf("%s: write frame: %v", c.Name, err)
	}
}

// SendText sends a text message in one frame.
func (c *WS) SendText(s string) {
	c.T.Helper()
	c.SendFrame(wstest.Frame{Fin: true, OpCode: ws.OpText, Payload: []byte(s)})
}

// SendBinary sends a binary message in one frame.
func (c *WS) SendBinary(b []byte) {
	c.T.Helper()
	c.SendFrame(wstest.Frame{Fin: true, OpCode: ws.OpBinary, Payload: b})
}

// SendClose sends a close frame.
func (c *WS) SendClose(code ws.StatusCode, reason string) {
	c.T.Helper()
	c.SendFrame(wstest.Frame{Fin: true, OpCode: ws.OpClose, Payload: wstest.CloseBody(code, reason)})
}

// Next returns the next data message within timeout; the server's close
// frame is a *wstest.CloseError.
func (c *WS) Next(timeout time.Duration) (wstest.Message, error) {
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	// A read answers pings: its pongs need a write deadline of their own.
	_ = c.SetWriteDeadline(time.Now().Add(max(timeout, Wait)))
	return c.ReadMessage()
}

// AwaitPing reads until the next ping (answering it unless NoPong); a
// data message or the end of the connection first is an error.
func (c *WS) AwaitPing(timeout time.Duration) error {
	pinged := errors.New("pinged")
	c.OnPing = func(p []byte) error {
		_ = c.countPing(p)
		return pinged
	}
	defer func() { c.OnPing = c.countPing }()
	m, err := c.Next(timeout)
	switch {
	case errors.Is(err, pinged):
		return nil
	case err == nil:
		return fmt.Errorf("a %v message %q instead of a ping", m.OpCode, Trunc(m.Text()))
	}
	return err
}

// Read returns the next data message or fails the test.
func (c *WS) Read(timeout time.Duration) wstest.Message {
	c.T.Helper()
	m, err := c.Next(timeout)
	if err != nil {
		c.T.Fatalf("%s: reading a message: %v", c.Name, err)
	}
	return m
}

// ReadText returns the next message, which must be a text message.
func (c *WS) ReadText() string {
	c.T.Helper()
	m := c.Read(Wait)
	if m.OpCode != ws.OpText {
		c.T.Fatalf("%s: got a %v message %q, want text", c.Name, m.OpCode, Trunc(m.Text()))
	}
	return m.Text()
}

// ReadJSON reads a text message holding a JSON object.
func (c *WS) ReadJSON() map[string]any {
	c.T.Helper()
	s := c.ReadText()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		c.T.Fatalf("%s: message is not a JSON object (%v): %q", c.Name, err, Trunc(s))
	}
	return m
}

// ExpectText reads the next message and requires it to be the text want.
func (c *WS) ExpectText(want string) {
	c.T.Helper()
	if got := c.ReadText(); got != want {
		c.T.Fatalf("%s: got message %q, want %q", c.Name, Trunc(got), Trunc(want))
	}
}

// ExpectClose reads until the server's close frame and requires its code.
// With skipData, data messages before it are ignored; otherwise any data
// message is an error. It answers the close and returns the reason.
func (c *WS) ExpectClose(code ws.StatusCode, timeout time.Duration, skipData bool) string {
	c.T.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, err := c.Next(time.Until(deadline))
		if err == nil {
			if skipData {
				continue
			}
			c.T.Fatalf("%s: got a %v message %q while waiting for close %d", c.Name, m.OpCode, Trunc(m.Text()), code)
		}
		var ce *wstest.CloseError
		if !errors.As(err, &ce) {
			c.T.Fatalf("%s: waiting for close frame %d: %v (no close frame received)", c.Name, code, err)
		}
		if ce.Code != code {
			c.T.Fatalf("%s: server closed with %d %q, want %d", c.Name, ce.Code, ce.Reason, code)
		}
		_ = c.WriteClose(code, "")
		return ce.Reason
	}
}

// CloseWith sends a close frame with code and waits for the server's
// answering close frame, skipping messages still in flight.
func (c *WS) CloseWith(code ws.StatusCode, reason string) {
	c.T.Helper()
	c.SendClose(code, reason)
	deadline := time.Now().Add(Wait)
	for {
		_, err := c.Next(time.Until(deadline))
		if err == nil {
			continue
		}
		var ce *wstest.CloseError
		if errors.As(err, &ce) {
			return
		}
		c.T.Fatalf("%s: no close frame in answer to ours (%d): %v", c.Name, code, err)
	}
}

// CutOff reads what a member the server cut off finds when it finally
// reads: messages (it returns how many of them count accepts), then a
// close frame with code or the end of the connection, if the server had to
// give up writing to it. A connection still open fails the test.
func (c *WS) CutOff(code ws.StatusCode, count func(wstest.Message) bool) int {
	c.T.Helper()
	got := 0
	for {
		m, err := c.Next(Wait)
		if err == nil {
			if count(m) {
				got++
			}
			continue
		}
		var ce *wstest.CloseError
		if errors.As(err, &ce) && ce.Code != code {
			c.T.Errorf("%s was closed with %d %q, want %d", c.Name, ce.Code, ce.Reason, code)
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.T.Errorf("%s: the connection is still open after its close event", c.Name)
		}
		return got
	}
}

// UpgradeHeader is the header of a valid upgrade request to s, as pairs.
func UpgradeHeader(s *Server, key string) []string {
	return wstest.UpgradeHeader(s.Addr, key)
}

// RawHandshake writes "METHOD target PROTO" with the header pairs and reads
// the response head. After a 101 the connection is returned (and closed at
// cleanup); otherwise the body is in the Resp.
func RawHandshake(t testing.TB, s *Server, method, target, proto string, hdr []string) (*Resp, *wstest.Conn) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.Addr, Wait)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(Wait))
	r, err := wstest.Handshake(nc, wstest.Request{Method: method, Target: target, Proto: proto, Header: hdr})
	if err != nil {
		t.Fatalf("handshake %s %s: %v", method, target, err)
	}
	if r.Conn != nil {
		_ = nc.SetDeadline(time.Time{})
	}
	return &Resp{Status: r.StatusCode, Header: r.Header, Body: r.Body}, r.Conn
}

// OpenEcho dials the echo service of testdata/apps/wsecho and returns the
// client and the open event's description, which the service sends first.
func OpenEcho(t testing.TB, s *Server, query string, o WSOpts) (*WS, map[string]any) {
	t.Helper()
	c := DialWS(t, s, "/_/service/wsecho/echo"+query, o)
	d := c.ReadJSON()
	if d["type"] != "open" {
		t.Fatalf("first message from echo is %v, want the open event's description", d)
	}
	return c, d
}
