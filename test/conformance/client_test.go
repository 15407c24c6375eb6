package conformance

// The conformance suite's client (conformance_test.go): wstest's raw
// WebSocket client writes the opening handshake and every frame as a case
// says, malformed ones included, and reads the server's frames as they
// came; this file records them as an event timeline and grades it the way
// Autobahn|Testsuite's fuzzing client does.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// Opcodes (RFC 6455 §5.2).
const (
	cfOpCont   byte = 0x0
	cfOpText   byte = 0x1
	cfOpBinary byte = 0x2
	cfOpClose  byte = 0x8
	cfOpPing   byte = 0x9
	cfOpPong   byte = 0xA
)

const (
	cfEchoPath = "/_/service/echo/echo"
	// cfMaxRead bounds what our reader accepts from the server.
	cfMaxRead = 64 << 20
)

// ---------------------------------------------------------------------------
// Frame construction

// cfFrameOpt builds a complete frame; masked frames get a random key. form
// chooses the length encoding: 0 the minimal one, 7 / 16 / 64 a fixed one
// (non-minimal forms are legal to build here on purpose).
func cfFrameOpt(fin bool, rsv, op byte, payload []byte, masked bool, form int) []byte {
	f := wstest.Frame{Fin: fin, Rsv: rsv, OpCode: ws.OpCode(op), Payload: payload}
	if masked {
		f = wstest.Masked(f)
	}
	return wstest.AppendFrame(nil, f, wstest.LengthForm(form))
}

// cfFrame is a masked frame with the minimal length encoding.
func cfFrame(fin bool, rsv, op byte, payload []byte) []byte {
	return cfFrameOpt(fin, rsv, op, payload, true, 0)
}

func cfText(s string) []byte   { return cfFrame(true, 0, cfOpText, []byte(s)) }
func cfTextB(b []byte) []byte  { return cfFrame(true, 0, cfOpText, b) }
func cfBin(b []byte) []byte    { return cfFrame(true, 0, cfOpBinary, b) }
func cfPing(b []byte) []byte   { return cfFrame(true, 0, cfOpPing, b) }
func cfPong(b []byte) []byte   { return cfFrame(true, 0, cfOpPong, b) }
func cfCloseP(p []byte) []byte { return cfFrame(true, 0, cfOpClose, p) }

// cfClose is a close frame with a status code and reason.
func cfClose(code int, reason string) []byte {
	return cfCloseP(cfClosePayload(code, reason))
}

func cfClosePayload(code int, reason string) []byte {
	return wstest.CloseBody(ws.StatusCode(code), reason)
}

// cfFragments splits payload into masked frames of at most n bytes: the
// first has opcode op, the rest are continuations, the last has FIN.
func cfFragments(op byte, payload []byte, n int) [][]byte {
	var out [][]byte
	for first := true; first || len(payload) > 0; first = false {
		k := min(n, len(payload))
		o := op
		if !first {
			o = cfOpCont
		}
		out = append(out, cfFrame(k == len(payload), 0, o, payload[:k]))
		payload = payload[k:]
	}
	return out
}

// ---------------------------------------------------------------------------
// Events

// cfEvent is one thing the server sent: a whole data message, a pong or a
// close frame.
type cfEvent struct {
	kind   string // "text", "binary", "pong", "close"
	data   []byte // message or pong payload
	code   int    // close: status code, 0 when the payload was empty
	reason string // close reason
	at     time.Time
}

func cfEvText(s string) cfEvent  { return cfEvent{kind: "text", data: []byte(s)} }
func cfEvTextB(b []byte) cfEvent { return cfEvent{kind: "text", data: b} }
func cfEvBin(b []byte) cfEvent   { return cfEvent{kind: "binary", data: b} }
func cfEvPong(b []byte) cfEvent  { return cfEvent{kind: "pong", data: b} }

func (e cfEvent) same(o cfEvent) bool {
	if e.kind != o.kind {
		return false
	}
	if e.kind == "close" {
		return e.code == o.code
	}
	return bytes.Equal(e.data, o.data)
}

func (e cfEvent) String() string {
	switch e.kind {
	case "close":
		if e.code == 0 {
			return "close(empty)"
		}
		if e.reason != "" {
			return fmt.Sprintf("close(%d %s)", e.code, cfShort([]byte(e.reason)))
		}
		return fmt.Sprintf("close(%d)", e.code)
	default:
		return fmt.Sprintf("%s(%d B %s)", e.kind, len(e.data), cfShort(e.data))
	}
}

// cfShort renders a payload compactly for reports.
func cfShort(b []byte) string {
	const max = 24
	cut := b
	if len(cut) > max {
		cut = cut[:max]
	}
	s := ""
	if utf8.Valid(cut) && !bytes.ContainsFunc(cut, func(r rune) bool { return r < 0x20 }) {
		s = fmt.Sprintf("%q", cut)
	} else {
		s = fmt.Sprintf("%x", cut)
	}
	if len(b) > max {
		s += "…"
	}
	return s
}

func cfList(evs []cfEvent) string {
	if len(evs) == 0 {
		return "[]"
	}
	parts := make([]string, len(evs))
	for i, e := range evs {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// ---------------------------------------------------------------------------
// Connection

// cfConn is one client connection after a successful handshake. A reader
// goroutine records the server's frames; it answers a server close the way
// Autobahn does (echoing the code) unless we sent a close first.
type cfConn struct {
	ws *wstest.Conn

	wmu       sync.Mutex
	sentClose atomic.Bool
	lastWrite atomic.Int64 // unix nanos when the last write call began

	mu      sync.Mutex
	evs     []cfEvent
	changed chan struct{}
	ended   bool      // the reader stopped: EOF, error or protocol violation
	endErr  error     // io.EOF for a clean TCP close
	endAt   time.Time //
	bad     string    // the server broke the protocol (as seen by our parser)
	closeAt time.Time // when the server's close frame arrived
}

// cfHandshake is an opening handshake to the echo service: hdr holds name,
// value pairs that replace the standard headers of that name (an empty value
// removes one) or are added after them.
type cfHandshake struct {
	method, target, proto string
	key                   string
	hdr                   []string
}

func cfStdHandshake(key string) cfHandshake {
	return cfHandshake{method: "GET", target: cfEchoPath, proto: "HTTP/1.1", key: key}
}

// cfRawHandshake dials addr and performs hs. After a 101 the response holds
// the connection, positioned at the first frame.
func cfRawHandshake(addr string, hs cfHandshake) (*wstest.Response, error) {
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	hdr := wstest.UpgradeHeader(addr, hs.key)
	for i := 0; i+1 < len(hs.hdr); i += 2 {
		hdr = wstest.WithHeader(hdr, hs.hdr[i], hs.hdr[i+1])
	}
	if hs.method == "POST" {
		hdr = append(hdr, "Content-Length", "0")
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	res, err := wstest.Handshake(nc, wstest.Request{Method: hs.method, Target: hs.target, Proto: hs.proto, Header: hdr, BufferSize: 64 << 10})
	if err == nil && res.Conn != nil {
		_ = nc.SetDeadline(time.Time{})
	}
	return res, err
}

// cfCheck101 checks the upgrade response (RFC 6455 §4.2.2), which must not
// negotiate an extension: duplex supports none.
func cfCheck101(res *wstest.Response, key string) error {
	if err := wstest.Check101(res, key, nil); err != nil {
		return err
	}
	if v := res.Header.Values("Sec-WebSocket-Extensions"); len(v) > 0 {
		return fmt.Errorf("101 negotiates extensions %q though none were offered or supported", v)
	}
	return nil
}

// cfDial opens a checked WebSocket connection to the echo service; extra
// are more headers, as name, value pairs.
func cfDial(t testing.TB, addr string, extra ...string) (*cfConn, error) {
	key := wstest.NewKey()
	hs := cfStdHandshake(key)
	hs.hdr = extra
	res, err := cfRawHandshake(addr, hs)
	if err != nil {
		return nil, fmt.Errorf("handshake: %v", err)
	}
	if res.Conn == nil {
		return nil, fmt.Errorf("handshake: status %d, want 101; body %q", res.StatusCode, harness.Trunc(res.Body))
	}
	if err := cfCheck101(res, key); err != nil {
		res.Conn.Close()
		return nil, fmt.Errorf("handshake: %v", err)
	}
	c := cfStart(res.Conn)
	t.Cleanup(func() { c.ws.Close() })
	return c, nil
}

func cfStart(conn *wstest.Conn) *cfConn {
	c := &cfConn{ws: conn, changed: make(chan struct{})}
	conn.MaxPayload = cfMaxRead
	c.lastWrite.Store(time.Now().UnixNano())
	// A hard stop so that no case can hang the suite.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Minute))
	go c.readLoop()
	return c
}

// ---------------------------------------------------------------------------
// Writing

// Write modes for send.
const (
	cfOneChop   = 0  // all frames in one write
	cfFrameWise = -1 // one write per frame
	cfOctetWise = 1  // one write per byte
)

// write writes b, in chops of n bytes when n > 0.
func (c *cfConn) write(b []byte, n int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(20 * time.Second))
	// lastWrite is when the last write call began: reaction times are
	// measured from the moment the server could have seen the last bytes.
	var err error
	if n <= 0 {
		c.lastWrite.Store(time.Now().UnixNano())
		err = c.ws.WriteRaw(b)
	} else {
		for len(b) > 0 && err == nil {
			k := min(n, len(b))
			c.lastWrite.Store(time.Now().UnixNano())
			err = c.ws.WriteRaw(b[:k])
			b = b[k:]
		}
	}
	return err
}

// send writes frames: cfOneChop concatenates them into one write,
// cfFrameWise writes each separately, n > 0 chops the whole stream into
// n-byte writes. Frames of opcode close mark the connection as closed by us.
// Write errors are returned but cases usually ignore them: the server may
// legitimately have closed already.
func (c *cfConn) send(mode int, frames ...[]byte) error {
	for _, f := range frames {
		if len(f) > 0 && f[0]&0x0F == cfOpClose {
			c.sentClose.Store(true)
		}
	}
	if mode == cfFrameWise {
		for _, f := range frames {
			if err := c.write(f, 0); err != nil {
				return err
			}
		}
		return nil
	}
	return c.write(bytes.Join(frames, nil), mode)
}

// sendClose sends a close frame (with the given payload) as the initiator.
func (c *cfConn) sendClose(p []byte) {
	c.sentClose.Store(true)
	_ = c.write(cfCloseP(p), 0)
}

// ---------------------------------------------------------------------------
// Reading

func (c *cfConn) readLoop() {
	var (
		msgOp   byte
		msg     []byte
		inFrag  bool
		gotStop bool
	)
	for {
		f, err := c.ws.ReadFrame()
		if err != nil {
			c.stop(err, "")
			return
		}
		fin, rsv, op, masked, p := f.Fin, f.Rsv, byte(f.OpCode), f.Masked, f.Payload
		violation := ""
		switch {
		case gotStop:
			violation = fmt.Sprintf("frame (opcode %d) after the server's close frame (§5.5.1)", op)
		case masked:
			violation = "server frame is masked (§5.1)"
		case rsv != 0:
			violation = fmt.Sprintf("server frame has RSV=%d without an extension (§5.2)", rsv)
		case op >= 3 && op <= 7 || op >= 0xB:
			violation = fmt.Sprintf("server frame has reserved opcode %d (§5.2)", op)
		case op >= 8 && (!fin || len(p) > 125):
			violation = fmt.Sprintf("server control frame fragmented or >125 B (opcode %d, fin %v, %d B) (§5.5)", op, fin, len(p))
		case op == cfOpCont && !inFrag:
			violation = "server continuation frame without a message in progress (§5.4)"
		case (op == cfOpText || op == cfOpBinary) && inFrag:
			violation = "server started a new message inside a fragmented one (§5.4)"
		}
		if violation != "" {
			c.stop(nil, violation)
			return
		}
		switch op {
		case cfOpText, cfOpBinary, cfOpCont:
			if op != cfOpCont {
				msgOp, msg = op, nil
			}
			if len(msg)+len(p) > cfMaxRead {
				c.stop(nil, "server message larger than the client's read limit")
				return
			}
			msg = append(msg, p...)
			inFrag = !fin
			if fin {
				kind := "binary"
				if msgOp == cfOpText {
					kind = "text"
					if !utf8.Valid(msg) {
						c.stop(nil, "server sent a text message that is not valid UTF-8 (§8.1)")
						return
					}
				}
				c.add(cfEvent{kind: kind, data: msg})
				msg = nil
			}
		case cfOpPing:
			// The server only pings quiet peers (keepalive); answer like a
			// browser would and keep it out of the timeline.
			if !c.sentClose.Load() {
				_ = c.write(cfPong(p), 0)
			}
		case cfOpPong:
			c.add(cfEvent{kind: "pong", data: p})
		case cfOpClose:
			e := cfEvent{kind: "close"}
			switch {
			case len(p) == 1:
				c.stop(nil, "server close frame with a 1-byte payload (§5.5.1)")
				return
			case len(p) >= 2:
				e.code = int(binary.BigEndian.Uint16(p))
				e.reason = string(p[2:])
				if !utf8.Valid(p[2:]) {
					c.stop(nil, "server close reason is not valid UTF-8 (§5.5.1)")
					return
				}
			}
			gotStop = true
			c.mu.Lock()
			c.closeAt = time.Now()
			c.mu.Unlock()
			c.add(e)
			if !c.sentClose.Swap(true) {
				// Complete the closing handshake as Autobahn does.
				var echo []byte
				if e.code != 0 {
					echo = binary.BigEndian.AppendUint16(nil, uint16(e.code))
				}
				_ = c.write(cfCloseP(echo), 0)
			}
		}
	}
}

func (c *cfConn) add(e cfEvent) {
	e.at = time.Now()
	c.mu.Lock()
	c.evs = append(c.evs, e)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

func (c *cfConn) stop(err error, violation string) {
	c.mu.Lock()
	c.ended = true
	c.endErr = err
	c.endAt = time.Now()
	c.bad = violation
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	if violation != "" {
		c.ws.Close()
	}
}

// waitUntil waits until cond (called with c.mu held) holds or d passes.
func (c *cfConn) waitUntil(d time.Duration, cond func() bool) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		c.mu.Lock()
		ok := cond()
		ch := c.changed
		c.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-timer.C:
			c.mu.Lock()
			defer c.mu.Unlock()
			return cond()
		}
	}
}

// events returns a copy of the timeline so far.
func (c *cfConn) events() []cfEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]cfEvent(nil), c.evs...)
}

// closeIndex is the index of the server's close event, -1 if none (mu held).
func (c *cfConn) closeIndexLocked() int {
	for i, e := range c.evs {
		if e.kind == "close" {
			return i
		}
	}
	return -1
}

// waitEvents waits for at least n events (or the end of the connection).
func (c *cfConn) waitEvents(n int, d time.Duration) bool {
	return c.waitUntil(d, func() bool { return len(c.evs) >= n || c.ended })
}

// waitClose waits for the server's close frame (or the end of the connection).
func (c *cfConn) waitClose(d time.Duration) bool {
	return c.waitUntil(d, func() bool { return c.closeIndexLocked() >= 0 || c.ended })
}

// ---------------------------------------------------------------------------
// Verdicts

// Outcomes, as in Autobahn's report. Only OK passes.
const (
	cfOK         = "OK"
	cfNonStrict  = "NON-STRICT"
	cfFailed     = "FAILED"
	cfWrongCode  = "WRONG CODE"
	cfUnclean    = "UNCLEAN"
	cfByClient   = "FAILED BY CLIENT"
	cfNotRun     = ""
	cfCloseWait  = 2 * time.Second         // server close / TCP close after the closing handshake
	cfFailWithin = 1500 * time.Millisecond // a failed connection must be closed this soon
)

type cfResult struct {
	outcome string
	detail  string
	dur     time.Duration
}

func cfRes(outcome, format string, a ...any) cfResult {
	return cfResult{outcome: outcome, detail: fmt.Sprintf(format, a...)}
}

// cfCloseSpec says how the connection must end.
type cfCloseSpec struct {
	codes []int // accepted status codes in the server's close frame
	empty bool  // an empty close payload is accepted too
	drop  bool  // closing TCP without a close frame is accepted (Autobahn: "or drop TCP")
	// nonStrict: events before the close that make the case NON-STRICT
	// instead of FAILED (Autobahn's expected[NON_STRICT]).
	nonStrict []cfEvent
	hasNS     bool
}

func cfCodes(codes ...int) cfCloseSpec { return cfCloseSpec{codes: codes} }

func (cs cfCloseSpec) orDrop() cfCloseSpec { cs.drop = true; return cs }
func (cs cfCloseSpec) orEmpty() cfCloseSpec {
	cs.empty = true
	return cs
}

func (cs cfCloseSpec) String() string {
	s := make([]string, 0, len(cs.codes)+2)
	for _, c := range cs.codes {
		s = append(s, fmt.Sprint(c))
	}
	if cs.empty {
		s = append(s, "empty")
	}
	if cs.drop {
		s = append(s, "TCP drop")
	}
	return strings.Join(s, "/")
}

func (c *cfConn) endDesc() string {
	switch {
	case c.bad != "":
		return "protocol violation: " + c.bad
	case errors.Is(c.endErr, io.EOF):
		return "server closed TCP"
	case c.endErr != nil:
		return "connection error: " + c.endErr.Error()
	}
	return "open"
}

// judge waits (at most within) for the server's close frame or the end of
// the connection and grades the timeline: want are the events expected
// before the close, cs the acceptable endings. It is used after a client
// close (normal cases) and after a protocol violation (fail cases).
func (c *cfConn) judge(want []cfEvent, cs cfCloseSpec, within time.Duration) cfResult {
	t0 := time.Unix(0, c.lastWrite.Load())
	c.waitClose(within)
	// After the close frame the server must close TCP (RFC 6455 §7.1.1).
	c.waitUntil(cfCloseWait, func() bool { return c.ended || c.closeIndexLocked() < 0 })

	c.mu.Lock()
	evs := append([]cfEvent(nil), c.evs...)
	ended, endErr, bad := c.ended, c.endErr, c.bad
	ci := c.closeIndexLocked()
	endDesc := c.endDesc()
	c.mu.Unlock()

	if bad != "" {
		return cfRes(cfFailed, "server protocol violation: %s; events %s", bad, cfList(evs))
	}
	before := evs
	if ci >= 0 {
		before = evs[:ci]
	}
	outcome := cfOK
	if !cfSameEvents(before, want) {
		if cs.hasNS && cfSameEvents(before, cs.nonStrict) {
			outcome = cfNonStrict
		} else {
			return cfRes(cfFailed, "got %s, want %s then %s", cfList(before), cfList(want), cs)
		}
	}
	if ci < 0 {
		if !ended {
			return cfRes(cfFailed, "no close frame within %v (want %s); events %s", within, cs, cfList(evs))
		}
		if cs.drop {
			return cfRes(outcome, "TCP dropped without close frame (accepted) after %v", c.endAtSince(t0))
		}
		return cfRes(cfUnclean, "%s without a close frame (want close %s)", endDesc, cs)
	}
	ce := evs[ci]
	lat := ce.at.Sub(t0).Round(time.Millisecond)
	codeOK := (ce.code == 0 && cs.empty) || (ce.code != 0 && cfIn(ce.code, cs.codes))
	if !codeOK {
		return cfRes(cfWrongCode, "close %s after %v, want %s", cfCodeStr(ce.code), lat, cs)
	}
	if !ended {
		return cfRes(cfByClient, "close %s, but the server did not close TCP within %v", cfCodeStr(ce.code), cfCloseWait)
	}
	if !errors.Is(endErr, io.EOF) {
		return cfRes(cfUnclean, "close %s, then %s (want a TCP FIN)", cfCodeStr(ce.code), endDesc)
	}
	d := fmt.Sprintf("close %s after %v, TCP closed by server", cfCodeStr(ce.code), lat)
	if outcome == cfNonStrict {
		d = fmt.Sprintf("events %s (strict: %s); %s", cfList(before), cfList(want), d)
	}
	return cfRes(outcome, "%s", d)
}

func (c *cfConn) endAtSince(t0 time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.endAt.Sub(t0).Round(time.Millisecond)
}

func cfCodeStr(code int) string {
	if code == 0 {
		return "(empty)"
	}
	return fmt.Sprint(code)
}

func cfIn(v int, list []int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func cfSameEvents(a, b []cfEvent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].same(b[i]) {
			return false
		}
	}
	return true
}

// expectThenClose is the normal ending: wait for the want events, then
// send Close(1000) and require the server to echo it and close TCP.
func (c *cfConn) expectThenClose(want []cfEvent, timeout time.Duration) cfResult {
	c.waitEvents(len(want), timeout)
	c.mu.Lock()
	evs := append([]cfEvent(nil), c.evs...)
	ended, bad := c.ended, c.bad
	endDesc := c.endDesc()
	c.mu.Unlock()
	if bad != "" {
		return cfRes(cfFailed, "server protocol violation: %s; events %s", bad, cfList(evs))
	}
	n := min(len(evs), len(want))
	if !cfSameEvents(evs[:n], want[:n]) || (len(evs) < len(want) && slicesHasClose(evs)) {
		return cfRes(cfFailed, "got %s, want %s", cfList(evs), cfList(want))
	}
	if len(evs) < len(want) {
		if ended {
			return cfRes(cfFailed, "%s after %s, want %s", endDesc, cfList(evs), cfList(want))
		}
		return cfRes(cfFailed, "timeout after %v: got %s, want %s", timeout, cfList(evs), cfList(want))
	}
	c.sendClose(cfClosePayload(1000, ""))
	return c.judge(want, cfCodes(1000), cfCloseWait)
}

func slicesHasClose(evs []cfEvent) bool {
	for _, e := range evs {
		if e.kind == "close" {
			return true
		}
	}
	return false
}

// quiet checks that nothing arrives for d (used before a fail-fast step).
func (c *cfConn) quiet(d time.Duration) (cfEvent, bool) {
	c.waitUntil(d, func() bool { return len(c.evs) > 0 || c.ended })
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.evs) > 0 {
		return c.evs[0], false
	}
	if c.ended {
		return cfEvent{kind: c.endDesc()}, false
	}
	return cfEvent{}, true
}
