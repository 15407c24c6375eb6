package test

// WebSocket client helpers for the end-to-end WebSocket tests. The client
// speaks raw frames (github.com/gobwas/ws) so that tests can see every
// control frame, choose whether to answer pings and send malformed or
// fragmented messages.

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// wsWait bounds every wait for something the server should do soon.
const wsWait = 15 * time.Second

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// wsAccept is the Sec-WebSocket-Accept value for key (RFC 6455 §4.2.2).
func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

func newWSKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// wsClient is one client connection after a successful handshake.
type wsClient struct {
	t        testing.TB
	name     string
	conn     net.Conn
	r        io.Reader
	Protocol string // the sub-protocol the server chose ("" for none)

	wmu      sync.Mutex
	autoPong atomic.Bool
	pings    atomic.Int64
	closed   atomic.Bool
	// next returns errWSPingTarget once pings reaches pingTarget (0: never).
	pingTarget atomic.Int64
}

var errWSPingTarget = errors.New("ping target reached")

// wsMsg is one data message (text or binary) as received.
type wsMsg struct {
	Op   ws.OpCode
	Data []byte
}

func (m wsMsg) Text() string { return string(m.Data) }

// wsCloseErr is returned by next when the server sent a close frame.
type wsCloseErr struct {
	Code   ws.StatusCode
	Reason string
}

func (e *wsCloseErr) Error() string {
	return fmt.Sprintf("close frame %d %q", e.Code, e.Reason)
}

type wsDialOpts struct {
	protocols []string
	header    http.Header
	noPong    bool // do not answer pings
}

func wsURL(s *Server, path string) string { return "ws://" + s.Addr + path }

// dialWSErr performs the opening handshake with gobwas's dialer.
func dialWSErr(t testing.TB, s *Server, path string, o wsDialOpts) (*wsClient, error) {
	t.Helper()
	d := ws.Dialer{Protocols: o.protocols, Timeout: wsWait}
	if o.header != nil {
		d.Header = ws.HandshakeHeaderHTTP(o.header)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wsWait)
	defer cancel()
	conn, br, hs, err := d.Dial(ctx, wsURL(s, path))
	if err != nil {
		return nil, err
	}
	c := &wsClient{t: t, name: path, conn: conn, r: conn, Protocol: hs.Protocol}
	if br != nil {
		// The server may have sent frames right behind the 101.
		c.r = br
	}
	c.autoPong.Store(!o.noPong)
	t.Cleanup(func() { c.conn.Close() })
	return c, nil
}

// dialWS is dialWSErr that fails the test on error.
func dialWS(t testing.TB, s *Server, path string, o wsDialOpts) *wsClient {
	t.Helper()
	c, err := dialWSErr(t, s, path, o)
	if err != nil {
		t.Fatalf("WebSocket handshake %s: %v; server stderr:\n%s", path, err, tail(s.Stderr(), 4000))
	}
	return c
}

func (c *wsClient) writeFrame(f ws.Frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(wsWait))
	return ws.WriteFrame(c.conn, ws.MaskFrame(f))
}

// sendFrame writes one (masked) frame and fails the test on error.
func (c *wsClient) sendFrame(f ws.Frame) {
	c.t.Helper()
	if err := c.writeFrame(f); err != nil {
		c.t.Fatalf("%s: write frame: %v", c.name, err)
	}
}

func (c *wsClient) sendText(s string) { c.t.Helper(); c.sendFrame(ws.NewTextFrame([]byte(s))) }

func (c *wsClient) sendBinary(b []byte) { c.t.Helper(); c.sendFrame(ws.NewBinaryFrame(b)) }

func (c *wsClient) sendClose(code ws.StatusCode, reason string) {
	c.t.Helper()
	c.sendFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(code, reason)))
}

// next returns the next data message, answering pings (unless disabled) and
// reassembling fragments. A close frame is returned as *wsCloseErr.
func (c *wsClient) next(timeout time.Duration) (wsMsg, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	var msg wsMsg
	fragmented := false
	for {
		h, err := ws.ReadHeader(c.r)
		if err != nil {
			return wsMsg{}, err
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(c.r, payload); err != nil {
			return wsMsg{}, err
		}
		if h.Masked {
			return wsMsg{}, fmt.Errorf("server sent a masked frame (op %v)", h.OpCode)
		}
		switch h.OpCode {
		case ws.OpPing:
			c.pings.Add(1)
			if c.autoPong.Load() {
				if err := c.writeFrame(ws.NewPongFrame(payload)); err != nil {
					return wsMsg{}, err
				}
			}
			if n := c.pingTarget.Load(); n > 0 && c.pings.Load() >= n {
				return wsMsg{}, errWSPingTarget
			}
			continue
		case ws.OpPong:
			continue
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(payload)
			c.closed.Store(true)
			return wsMsg{}, &wsCloseErr{Code: code, Reason: reason}
		case ws.OpContinuation:
			if !fragmented {
				return wsMsg{}, errors.New("continuation frame without a started message")
			}
			msg.Data = append(msg.Data, payload...)
		case ws.OpText, ws.OpBinary:
			if fragmented {
				return wsMsg{}, errors.New("new data frame inside a fragmented message")
			}
			msg = wsMsg{Op: h.OpCode, Data: payload}
			fragmented = true
		default:
			return wsMsg{}, fmt.Errorf("unexpected opcode %v", h.OpCode)
		}
		if h.Fin {
			return msg, nil
		}
	}
}

// read returns the next data message or fails the test.
func (c *wsClient) read(timeout time.Duration) wsMsg {
	c.t.Helper()
	m, err := c.next(timeout)
	if err != nil {
		c.t.Fatalf("%s: reading a message: %v", c.name, err)
	}
	return m
}

// readText returns the next message, which must be a text message.
func (c *wsClient) readText() string {
	c.t.Helper()
	m := c.read(wsWait)
	if m.Op != ws.OpText {
		c.t.Fatalf("%s: got a %v message %q, want text", c.name, m.Op, trunc(string(m.Data)))
	}
	return string(m.Data)
}

// readJSON reads a text message holding a JSON object.
func (c *wsClient) readJSON() map[string]any {
	c.t.Helper()
	s := c.readText()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		c.t.Fatalf("%s: message is not a JSON object (%v): %q", c.name, err, trunc(s))
	}
	return m
}

// expectText reads the next message and requires it to be the text want.
func (c *wsClient) expectText(want string) {
	c.t.Helper()
	if got := c.readText(); got != want {
		c.t.Fatalf("%s: got message %q, want %q", c.name, trunc(got), trunc(want))
	}
}

// expectClose reads until the server's close frame and requires its code.
// With skipData, data messages before it are ignored; otherwise any data
// message is an error. It answers the close and returns the reason.
func (c *wsClient) expectClose(code ws.StatusCode, timeout time.Duration, skipData bool) string {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, err := c.next(time.Until(deadline))
		if err == nil {
			if skipData {
				continue
			}
			c.t.Fatalf("%s: got a %v message %q while waiting for close %d", c.name, m.Op, trunc(string(m.Data)), code)
		}
		var ce *wsCloseErr
		if !errors.As(err, &ce) {
			c.t.Fatalf("%s: waiting for close frame %d: %v (no close frame received)", c.name, code, err)
		}
		if ce.Code != code {
			c.t.Fatalf("%s: server closed with %d %q, want %d", c.name, ce.Code, ce.Reason, code)
		}
		_ = c.writeFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(code, "")))
		return ce.Reason
	}
}

// closeNormally sends a close frame with code and waits for the server's
// answering close frame.
func (c *wsClient) closeWith(code ws.StatusCode, reason string) {
	c.t.Helper()
	c.sendClose(code, reason)
	deadline := time.Now().Add(wsWait)
	for {
		_, err := c.next(time.Until(deadline))
		if err == nil {
			continue // messages still in flight
		}
		var ce *wsCloseErr
		if errors.As(err, &ce) {
			return
		}
		c.t.Fatalf("%s: no close frame in answer to ours (%d): %v", c.name, code, err)
	}
}

// ---------------------------------------------------------------------------
// Raw handshakes

// wsUpgradeHeaders are the headers of a valid upgrade request, as pairs.
func wsUpgradeHeaders(s *Server, key string) []string {
	return []string{
		"Host", s.Addr,
		"Upgrade", "websocket",
		"Connection", "Upgrade",
		"Sec-WebSocket-Key", key,
		"Sec-WebSocket-Version", "13",
	}
}

// wsWithHeader replaces (or with value "" removes) a header in a pair list,
// appending it when absent.
func wsWithHeader(hdr []string, name, value string) []string {
	out := make([]string, 0, len(hdr)+2)
	found := false
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], name) {
			found = true
			if value != "" {
				out = append(out, name, value)
			}
			continue
		}
		out = append(out, hdr[i], hdr[i+1])
	}
	if !found && value != "" {
		out = append(out, name, value)
	}
	return out
}

// wsRawHandshake writes "METHOD target PROTO" with the header pairs and reads
// the response head. For a 101 the connection stays open (closed at
// cleanup) and the returned reader continues after the head; otherwise the
// body is read.
func wsRawHandshake(t testing.TB, s *Server, method, target, proto string, hdr []string) (*Resp, net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.Addr, wsWait)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(wsWait))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\r\n", method, target, proto)
	for i := 0; i+1 < len(hdr); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", hdr[i], hdr[i+1])
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatalf("write handshake: %v", err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read handshake response for %s %s: %v", method, target, err)
	}
	r := &Resp{Status: res.StatusCode, Header: res.Header, Resp: res}
	if res.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		r.Body = string(body)
		conn.Close()
		return r, nil, nil
	}
	_ = conn.SetDeadline(time.Time{})
	return r, conn, br
}

// ---------------------------------------------------------------------------
// Logs written by the test apps: "<prefix> {json}".

// wsJSONLog extracts the JSON object after "prefix " in a log line's message.
func wsJSONLog(e LogEntry, prefix string) (map[string]any, bool) {
	msg := e.Message()
	i := strings.Index(msg, prefix+" {")
	if i < 0 {
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(msg[i+len(prefix)+1:]), &m); err != nil {
		return nil, false
	}
	return m, true
}

// wsWaitJSONLog waits for an app log "<prefix> {json}" whose object satisfies pred.
func wsWaitJSONLog(t testing.TB, s *Server, prefix string, pred func(map[string]any) bool, timeout time.Duration) map[string]any {
	t.Helper()
	var found map[string]any
	_, ok := s.waitLine(func(e LogEntry) bool {
		m, ok := wsJSONLog(e, prefix)
		if ok && pred(m) {
			found = m
			return true
		}
		return false
	}, timeout)
	if !ok {
		t.Fatalf("timed out after %v waiting for a %q log line; stderr:\n%s", timeout, prefix, tail(s.Stderr(), 6000))
	}
	return found
}

// wsJSONLogs returns every "<prefix> {json}" object logged so far.
func wsJSONLogs(s *Server, prefix string) []map[string]any {
	var out []map[string]any
	for _, e := range s.Entries() {
		if m, ok := wsJSONLog(e, prefix); ok {
			out = append(out, m)
		}
	}
	return out
}

// wsev waits for the echo service's log of an event of type typ for session id.
func waitWsev(t testing.TB, s *Server, id, typ string) map[string]any {
	t.Helper()
	return wsWaitJSONLog(t, s, "wsev", func(m map[string]any) bool {
		return m["id"] == id && m["type"] == typ
	}, wsWait)
}

// wsCounterID matches ids that look like a small decimal counter ("1", "2", ...).
var wsCounterID = regexp.MustCompile(`^[0-9]{1,9}$`)

// wsOpenEcho dials the echo service and returns the client and the open
// event's description (which the service sends first).
func wsOpenEcho(t testing.TB, s *Server, query string, o wsDialOpts) (*wsClient, map[string]any) {
	t.Helper()
	c := dialWS(t, s, "/_/service/wsecho/echo"+query, o)
	d := c.readJSON()
	if d["type"] != "open" {
		t.Fatalf("first message from echo is %v, want the open event's description", d)
	}
	return c, d
}

// wsSessionID returns description["session"]["id"] as a string.
func wsSessionID(t testing.TB, d map[string]any) string {
	t.Helper()
	sess, _ := d["session"].(map[string]any)
	id, ok := sess["id"].(string)
	if !ok || id == "" {
		t.Fatalf("event session has no string id: %v", d)
	}
	return id
}

func wsJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
