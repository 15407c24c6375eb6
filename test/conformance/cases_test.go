package conformance

// The conformance cases (see conformance_test.go). Payloads, fragment
// boundaries and expectations follow Autobahn|Testsuite's case sources;
// the UTF-8 vectors of 6.5–6.23 are generated here from Markus Kuhn's
// UTF-8 decoder test, in Autobahn's order.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

const (
	cfPassTimeout = 10 * time.Second // echo of a normal-size message
	cfHelloWorld  = "Hello, world!"
)

// cfAllCases returns every case in report order.
func cfAllCases() []cfCase {
	var cs []cfCase
	cs = append(cs, cfHandshakeCases()...)
	cs = append(cs, cfFramingCases()...)
	cs = append(cs, cfPingCases()...)
	cs = append(cs, cfReservedCases()...)
	cs = append(cs, cfFragmentCases()...)
	cs = append(cs, cfUTF8Cases()...)
	cs = append(cs, cfCloseCases()...)
	cs = append(cs, cfLimitCases()...)
	cs = append(cs, cfPerfCases()...)
	return cs
}

// ---------------------------------------------------------------------------
// Case builders

// cfPass: send frames (mode as for cfConn.send), expect want, then close
// normally.
func cfPass(id, desc, rfc string, mode int, frames [][]byte, want ...cfEvent) cfCase {
	return cfCase{id: id, desc: desc, rfc: rfc, run: func(e *cfEnv, t *testing.T) cfResult {
		c, err := cfDial(t, e.small.Addr)
		if err != nil {
			return cfRes(cfFailed, "%v", err)
		}
		_ = c.send(mode, frames...)
		return c.expectThenClose(want, cfPassTimeout)
	}}
}

// cfEnd: send frames (a violation, or our own close frame), expect pre and
// then the ending cs within the given time.
func cfEnd(id, desc, rfc string, mode int, frames [][]byte, pre []cfEvent, cs cfCloseSpec, within time.Duration) cfCase {
	return cfCase{id: id, desc: desc, rfc: rfc, run: func(e *cfEnv, t *testing.T) cfResult {
		c, err := cfDial(t, e.small.Addr)
		if err != nil {
			return cfRes(cfFailed, "%v", err)
		}
		_ = c.send(mode, frames...)
		return c.judge(pre, cs, within)
	}}
}

// cfFail: the connection must be failed with one of codes.
func cfFail(id, desc, rfc string, mode int, frames [][]byte, pre []cfEvent, codes ...int) cfCase {
	return cfEnd(id, desc, rfc, mode, frames, pre, cfCodes(codes...), cfFailWithin)
}

func cfFrames(frames ...[]byte) [][]byte { return frames }

func cfEvs(evs ...cfEvent) []cfEvent { return evs }

func cfRepeat(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

func cfModeName(mode int) string {
	switch mode {
	case cfOneChop:
		return ""
	case cfFrameWise:
		return ", frame-wise chops"
	case cfOctetWise:
		return ", octet-wise chops"
	}
	return fmt.Sprintf(", %d-byte chops", mode)
}

// ---------------------------------------------------------------------------
// H: opening handshake (not in Autobahn; RFC 6455 §4)

func cfHandshakeCases() []cfCase {
	rfcKey := "dGhlIHNhbXBsZSBub25jZQ=="
	var cs []cfCase

	cs = append(cs, cfCase{id: "H1", desc: "RFC example key -> 101, Accept s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", rfc: "§1.3, §4.2.2",
		run: func(e *cfEnv, t *testing.T) cfResult {
			res, err := cfRawHandshake(e.small.Addr, cfStdHandshake(rfcKey))
			if err != nil {
				return cfRes(cfFailed, "%v", err)
			}
			if res.Conn == nil {
				return cfRes(cfFailed, "status %d, want 101; body %q", res.StatusCode, harness.Trunc(res.Body))
			}
			c := cfStart(res.Conn)
			t.Cleanup(func() { res.Conn.Close() })
			if got := res.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
				return cfRes(cfFailed, "Sec-WebSocket-Accept %q, want s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", got)
			}
			if err := cfCheck101(res, rfcKey); err != nil {
				return cfRes(cfFailed, "%v", err)
			}
			_ = c.send(cfOneChop, cfText(cfHelloWorld))
			r := c.expectThenClose(cfEvs(cfEvText(cfHelloWorld)), cfPassTimeout)
			if r.outcome == cfOK {
				r.detail = "101 with the RFC's accept value; echo works; " + r.detail
			}
			return r
		}})

	// H2: requests that are not a valid upgrade get no 101. With duplex a
	// non-upgrade request reaches the controller, which answers 404.
	bad := []struct {
		id, desc, rfc string
		hs            func(key string) cfHandshake
	}{
		{"H2.1", "Missing Sec-WebSocket-Key -> no 101", "§4.2.1 (5)", func(k string) cfHandshake {
			h := cfStdHandshake(k)
			h.hdr = []string{"Sec-WebSocket-Key", ""}
			return h
		}},
		{"H2.2", "Sec-WebSocket-Key not base64 -> no 101", "§4.2.1 (5)", func(k string) cfHandshake {
			h := cfStdHandshake(k)
			h.hdr = []string{"Sec-WebSocket-Key", "not base64 at all!!"}
			return h
		}},
		{"H2.3", "Sec-WebSocket-Key decodes to 15 bytes -> no 101", "§4.2.1 (5)", func(k string) cfHandshake {
			h := cfStdHandshake(k)
			h.hdr = []string{"Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(make([]byte, 15))}
			return h
		}},
		{"H2.4", "No Upgrade header -> no 101", "§4.2.1 (3)", func(k string) cfHandshake {
			h := cfStdHandshake(k)
			h.hdr = []string{"Upgrade", ""}
			return h
		}},
		{"H2.5", "Connection without the upgrade token -> no 101", "§4.2.1 (4)", func(k string) cfHandshake {
			h := cfStdHandshake(k)
			h.hdr = []string{"Connection", "keep-alive"}
			return h
		}},
		{"H2.6", "POST with upgrade headers -> no 101", "§4.2.1 (1)", func(k string) cfHandshake {
			h := cfStdHandshake(k)
			h.method = "POST"
			return h
		}},
		{"H2.7", "HTTP/1.0 upgrade request -> no 101", "§4.2.1 (1)", func(k string) cfHandshake {
			h := cfStdHandshake(k)
			h.proto = "HTTP/1.0"
			return h
		}},
	}
	for _, b := range bad {
		cs = append(cs, cfCase{id: b.id, desc: b.desc, rfc: b.rfc, run: func(e *cfEnv, t *testing.T) cfResult {
			res, err := cfRawHandshake(e.small.Addr, b.hs(wstest.NewKey()))
			if err != nil {
				return cfRes(cfFailed, "%v", err)
			}
			if res.Conn != nil {
				res.Conn.Close()
				return cfRes(cfFailed, "got 101 Switching Protocols for an invalid upgrade request")
			}
			if res.StatusCode < 400 || res.StatusCode > 499 {
				return cfRes(cfFailed, "status %d, want a 4xx; body %q", res.StatusCode, harness.Trunc(res.Body))
			}
			return cfRes(cfOK, "status %d", res.StatusCode)
		}})
	}

	cs = append(cs, cfCase{id: "H3.1", desc: "Sec-WebSocket-Version: 8 -> 426 + Sec-WebSocket-Version: 13", rfc: "§4.2.2, §4.4",
		run: func(e *cfEnv, t *testing.T) cfResult {
			h := cfStdHandshake(wstest.NewKey())
			h.hdr = []string{"Sec-WebSocket-Version", "8"}
			res, err := cfRawHandshake(e.small.Addr, h)
			if err != nil {
				return cfRes(cfFailed, "%v", err)
			}
			if res.Conn != nil {
				res.Conn.Close()
				return cfRes(cfFailed, "got 101 for version 8")
			}
			if res.StatusCode != http.StatusUpgradeRequired {
				return cfRes(cfFailed, "status %d, want 426; body %q", res.StatusCode, harness.Trunc(res.Body))
			}
			if !wstest.HasToken(res.Header.Values("Sec-WebSocket-Version"), "13") {
				return cfRes(cfFailed, "426 without Sec-WebSocket-Version: 13 (got %q)", res.Header.Values("Sec-WebSocket-Version"))
			}
			return cfRes(cfOK, "426, Sec-WebSocket-Version: %s", strings.Join(res.Header.Values("Sec-WebSocket-Version"), ", "))
		}})
	cs = append(cs, cfCase{id: "H3.2", desc: "No Sec-WebSocket-Version -> 4xx (400/426), no 101", rfc: "§4.2.1 (6), §4.2.2",
		run: func(e *cfEnv, t *testing.T) cfResult {
			h := cfStdHandshake(wstest.NewKey())
			h.hdr = []string{"Sec-WebSocket-Version", ""}
			res, err := cfRawHandshake(e.small.Addr, h)
			if err != nil {
				return cfRes(cfFailed, "%v", err)
			}
			if res.Conn != nil {
				res.Conn.Close()
				return cfRes(cfFailed, "got 101 without a version")
			}
			if res.StatusCode < 400 || res.StatusCode > 499 {
				return cfRes(cfFailed, "status %d, want 400 or 426; body %q", res.StatusCode, harness.Trunc(res.Body))
			}
			return cfRes(cfOK, "status %d", res.StatusCode)
		}})
	cs = append(cs, cfCase{id: "H4", desc: "permessage-deflate offered -> 101 without Sec-WebSocket-Extensions", rfc: "§4.2.2, §9.1; RFC 7692",
		run: func(e *cfEnv, t *testing.T) cfResult {
			c, err := cfDial(t, e.small.Addr, "Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")
			if err != nil {
				return cfRes(cfFailed, "%v", err)
			}
			// cfDial rejected any Sec-WebSocket-Extensions; frames must keep RSV1 = 0.
			_ = c.send(cfOneChop, cfText(strings.Repeat("compress me ", 20)))
			r := c.expectThenClose(cfEvs(cfEvText(strings.Repeat("compress me ", 20))), cfPassTimeout)
			if r.outcome == cfOK {
				r.detail = "not negotiated; uncompressed echo; " + r.detail
			}
			return r
		}})
	cs = append(cs, cfCase{id: "H5", desc: "Cross-site Origin -> 403, no 101", rfc: "§4.2.2 (4), §10.2",
		run: func(e *cfEnv, t *testing.T) cfResult {
			h := cfStdHandshake(wstest.NewKey())
			h.hdr = []string{"Origin", "http://evil.example"}
			res, err := cfRawHandshake(e.small.Addr, h)
			if err != nil {
				return cfRes(cfFailed, "%v", err)
			}
			if res.Conn != nil {
				res.Conn.Close()
				return cfRes(cfFailed, "got 101 for Origin http://evil.example")
			}
			if res.StatusCode != http.StatusForbidden {
				return cfRes(cfFailed, "status %d, want 403; body %q", res.StatusCode, harness.Trunc(res.Body))
			}
			return cfRes(cfOK, "status 403")
		}})
	cs = append(cs, cfCase{id: "H6", desc: "Same-origin Origin -> 101", rfc: "§4.2.2 (4), §10.2",
		run: func(e *cfEnv, t *testing.T) cfResult {
			c, err := cfDial(t, e.small.Addr, "Origin", "http://"+e.small.Addr)
			if err != nil {
				return cfRes(cfFailed, "%v", err)
			}
			_ = c.send(cfOneChop, cfText(cfHelloWorld))
			return c.expectThenClose(cfEvs(cfEvText(cfHelloWorld)), cfPassTimeout)
		}})
	return cs
}

// ---------------------------------------------------------------------------
// 1.x framing (+ F: unmasked frames, length encodings)

func cfFramingCases() []cfCase {
	var cs []cfCase
	sizes := []int{0, 125, 126, 127, 128, 65535, 65536}
	for i, n := range sizes {
		p := cfRepeat('*', n)
		cs = append(cs, cfPass(fmt.Sprintf("1.1.%d", i+1), fmt.Sprintf("Text message, payload %d B", n), "§5.2, §5.6",
			cfOneChop, cfFrames(cfTextB(p)), cfEvTextB(p)))
	}
	p := cfRepeat('*', 65536)
	cs = append(cs, cfPass("1.1.8", "Text message, payload 65536 B, in 997-byte chops", "§5.2",
		997, cfFrames(cfTextB(p)), cfEvTextB(p)))
	for i, n := range sizes {
		p := cfRepeat(0xfe, n)
		cs = append(cs, cfPass(fmt.Sprintf("1.2.%d", i+1), fmt.Sprintf("Binary message, payload %d B", n), "§5.2, §5.6",
			cfOneChop, cfFrames(cfBin(p)), cfEvBin(p)))
	}
	p = cfRepeat(0xfe, 65536)
	cs = append(cs, cfPass("1.2.8", "Binary message, payload 65536 B, in 997-byte chops", "§5.2",
		997, cfFrames(cfBin(p)), cfEvBin(p)))

	// F: beyond Autobahn (its client always masks and encodes minimally).
	hello := []byte(cfHelloWorld)
	unmasked := cfCloseSpec{codes: []int{1002}, drop: true} // §5.1: the server MAY send a Close (1002)
	cs = append(cs,
		cfEnd("F1", "Unmasked text frame -> fail (1002)", "§5.1, §5.3", cfOneChop,
			cfFrames(cfFrameOpt(true, 0, cfOpText, hello, false, 0)), nil, unmasked, cfFailWithin),
		cfEnd("F2", "Unmasked ping -> fail (1002), no pong", "§5.1", cfOneChop,
			cfFrames(cfFrameOpt(true, 0, cfOpPing, hello, false, 0)), nil, unmasked, cfFailWithin),
		cfEnd("F3", "Valid text, then unmasked binary -> echo, then fail (1002)", "§5.1", cfOneChop,
			cfFrames(cfText(cfHelloWorld), cfFrameOpt(true, 0, cfOpBinary, hello, false, 0), cfPing(nil)),
			cfEvs(cfEvText(cfHelloWorld)), unmasked, cfFailWithin),
		cfEnd("F4", "Unmasked close frame -> fail (1002), not a normal close", "§5.1", cfOneChop,
			cfFrames(cfFrameOpt(true, 0, cfOpClose, cfClosePayload(1000, ""), false, 0)), nil, unmasked, cfFailWithin),
	)
	// 64-bit length with the most significant bit set.
	cs = append(cs, cfCase{id: "F5", desc: "64-bit length with the MSB set -> fail (1002)", rfc: "§5.2",
		run: func(e *cfEnv, t *testing.T) cfResult {
			c, err := cfDial(t, e.small.Addr)
			if err != nil {
				return cfRes(cfFailed, "%v", err)
			}
			h := wstest.AppendHeader(nil, wstest.Masked(wstest.Frame{Fin: true, OpCode: ws.OpBinary}), 1<<63|5, wstest.Len64)
			_ = c.send(cfOneChop, append(h, 1, 2, 3, 4, 5))
			return c.judge(nil, cfCodes(1002, 1009), cfFailWithin)
		}})
	// Non-minimal length encodings: §5.2 says the minimal encoding MUST be
	// used, but does not say the receiver must fail; Autobahn has no case.
	// Informational: an echo or a 1002 are both OK.
	for _, v := range []struct {
		id   string
		form int
	}{{"F6", 16}, {"F7", 64}} {
		cs = append(cs, cfCase{id: v.id, desc: fmt.Sprintf("5-byte text with a %d-bit length (non-minimal): echo or 1002", v.form), rfc: "§5.2",
			run: func(e *cfEnv, t *testing.T) cfResult {
				c, err := cfDial(t, e.small.Addr)
				if err != nil {
					return cfRes(cfFailed, "%v", err)
				}
				_ = c.send(cfOneChop, cfFrameOpt(true, 0, cfOpText, []byte("Hello"), true, v.form))
				c.waitEvents(1, cfPassTimeout)
				if evs := c.events(); len(evs) > 0 && evs[0].kind == "close" {
					r := c.judge(nil, cfCodes(1002), cfFailWithin)
					r.detail = "informational: rejected; " + r.detail
					return r
				}
				r := c.expectThenClose(cfEvs(cfEvText("Hello")), cfPassTimeout)
				r.detail = "informational: accepted; " + r.detail
				return r
			}})
	}
	return cs
}

// ---------------------------------------------------------------------------
// 2.x pings and pongs

func cfPingCases() []cfCase {
	bin := []byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}
	p125 := cfRepeat(0xfe, 125)
	unsolicited := []byte("unsolicited pong payload")
	ping := []byte("ping payload")
	cs := []cfCase{
		cfPass("2.1", "Ping without payload -> pong", "§5.5.2, §5.5.3", cfOneChop, cfFrames(cfPing(nil)), cfEvPong(nil)),
		cfPass("2.2", "Ping with small text payload -> pong echoes it", "§5.5.2, §5.5.3", cfOneChop,
			cfFrames(cfPing([]byte(cfHelloWorld))), cfEvPong([]byte(cfHelloWorld))),
		cfPass("2.3", "Ping with small binary (non UTF-8) payload -> pong", "§5.5.2, §5.5.3", cfOneChop, cfFrames(cfPing(bin)), cfEvPong(bin)),
		cfPass("2.4", "Ping with 125-byte binary payload -> pong", "§5.5, §5.5.3", cfOneChop, cfFrames(cfPing(p125)), cfEvPong(p125)),
		cfFail("2.5", "Ping with 126-byte payload -> fail (1002)", "§5.5", cfOneChop, cfFrames(cfPing(cfRepeat(0xfe, 126))), nil, 1002),
		cfPass("2.6", "Ping with 125-byte payload, octet-wise chops -> pong", "§5.5.3", cfOctetWise, cfFrames(cfPing(p125)), cfEvPong(p125)),
		cfPass("2.7", "Unsolicited pong without payload -> nothing", "§5.5.3", cfOneChop, cfFrames(cfPong(nil))),
		cfPass("2.8", "Unsolicited pong with payload -> nothing", "§5.5.3", cfOneChop, cfFrames(cfPong(unsolicited))),
		cfPass("2.9", "Unsolicited pong, then ping -> only the ping's pong", "§5.5.3", cfOneChop,
			cfFrames(cfPong(unsolicited), cfPing(ping)), cfEvPong(ping)),
	}
	for i, mode := range []int{cfOneChop, cfOctetWise} {
		var frames [][]byte
		var want []cfEvent
		for j := 0; j < 10; j++ {
			p := []byte(fmt.Sprintf("payload-%d", j))
			frames = append(frames, cfPing(p))
			want = append(want, cfEvPong(p))
		}
		cs = append(cs, cfPass(fmt.Sprintf("2.%d", 10+i), "10 pings with payload -> 10 pongs in order"+cfModeName(mode),
			"§5.5.2, §5.5.3", mode, frames, want...))
	}
	return cs
}

// ---------------------------------------------------------------------------
// 3.x reserved bits, 4.x reserved opcodes

func cfReservedCases() []cfCase {
	hello := cfEvText(cfHelloWorld)
	bin := []byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}
	cs := []cfCase{
		cfFail("3.1", "Text with RSV = 1 -> fail (1002)", "§5.2", cfOneChop,
			cfFrames(cfFrame(true, 1, cfOpText, []byte(cfHelloWorld))), nil, 1002),
	}
	for i, mode := range []int{cfOneChop, cfFrameWise, cfOctetWise} {
		rsv := byte(i + 2)
		cs = append(cs, cfFail(fmt.Sprintf("3.%d", i+2),
			fmt.Sprintf("Text, text with RSV = %d, ping -> echo, fail (1002), no pong%s", rsv, cfModeName(mode)), "§5.2", mode,
			cfFrames(cfText(cfHelloWorld), cfFrame(true, rsv, cfOpText, []byte(cfHelloWorld)), cfPing(nil)), cfEvs(hello), 1002))
	}
	cs = append(cs,
		cfFail("3.5", "Binary with RSV = 5 -> fail (1002)", "§5.2", cfOneChop, cfFrames(cfFrame(true, 5, cfOpBinary, bin)), nil, 1002),
		cfFail("3.6", "Ping with RSV = 6 -> fail (1002), no pong", "§5.2", cfOneChop,
			cfFrames(cfFrame(true, 6, cfOpPing, []byte(cfHelloWorld))), nil, 1002),
		cfFail("3.7", "Close with RSV = 7 -> fail (1002)", "§5.2", cfOneChop, cfFrames(cfFrame(true, 7, cfOpClose, nil)), nil, 1002),
	)

	payload := []byte("reserved opcode payload")
	for gi, base := range []byte{3, 11} {
		kind := "non-control"
		if base == 11 {
			kind = "control"
		}
		for j := 0; j < 5; j++ {
			op := base + byte(j)
			var p []byte
			if j%2 == 1 || j == 4 { // Autobahn: x.2, x.4, x.5 carry a payload
				p = payload
			}
			id := fmt.Sprintf("4.%d.%d", gi+1, j+1)
			if j < 2 {
				cs = append(cs, cfFail(id, fmt.Sprintf("Reserved %s opcode %d -> fail (1002)", kind, op), "§5.2", cfOneChop,
					cfFrames(cfFrame(true, 0, op, p)), nil, 1002))
			} else {
				cs = append(cs, cfFail(id, fmt.Sprintf("Text, reserved %s opcode %d, ping -> echo, fail, no pong", kind, op), "§5.2",
					cfOneChop, cfFrames(cfText(cfHelloWorld), cfFrame(true, 0, op, p), cfPing(nil)), cfEvs(hello), 1002))
			}
		}
	}
	return cs
}

// ---------------------------------------------------------------------------
// 5.x fragmentation

func cfFragmentCases() []cfCase {
	f1, f2 := []byte("fragment1"), []byte("fragment2")
	ping := []byte("ping payload")
	cs := []cfCase{
		cfFail("5.1", "Ping fragmented into 2 fragments -> fail (1002)", "§5.4, §5.5", cfOneChop,
			cfFrames(cfFrame(false, 0, cfOpPing, f1), cfFrame(true, 0, cfOpCont, f2)), nil, 1002),
		cfFail("5.2", "Pong fragmented into 2 fragments -> fail (1002)", "§5.4, §5.5", cfOneChop,
			cfFrames(cfFrame(false, 0, cfOpPong, f1), cfFrame(true, 0, cfOpCont, f2)), nil, 1002),
	}
	for i, mode := range []int{cfOneChop, cfFrameWise, cfOctetWise} {
		cs = append(cs, cfPass(fmt.Sprintf("5.%d", 3+i), "Text in 2 fragments -> one echoed message"+cfModeName(mode), "§5.4", mode,
			cfFrames(cfFrame(false, 0, cfOpText, f1), cfFrame(true, 0, cfOpCont, f2)), cfEvText("fragment1fragment2")))
	}
	for i, mode := range []int{cfOneChop, cfFrameWise, cfOctetWise} {
		cs = append(cs, cfPass(fmt.Sprintf("5.%d", 6+i), "Text in 2 fragments, ping in between -> pong, then echo"+cfModeName(mode),
			"§5.4, §5.5", mode,
			cfFrames(cfFrame(false, 0, cfOpText, f1), cfPing(ping), cfFrame(true, 0, cfOpCont, f2)),
			cfEvPong(ping), cfEvText("fragment1fragment2")))
	}
	for fi, fin := range []bool{true, false} {
		for i, mode := range []int{cfOneChop, cfFrameWise, cfOctetWise} {
			cs = append(cs, cfFail(fmt.Sprintf("5.%d", 9+3*fi+i),
				fmt.Sprintf("Continuation (FIN=%v) with nothing to continue, then text -> fail%s", fin, cfModeName(mode)), "§5.4", mode,
				cfFrames(cfFrame(fin, 0, cfOpCont, []byte("non-continuation payload")), cfText(cfHelloWorld)), nil, 1002))
		}
	}
	c515 := cfEnd("5.15", "2-fragment text, stray continuation (FIN=0), text -> echo, fail", "§5.4", cfOneChop,
		cfFrames(cfFrame(false, 0, cfOpText, f1), cfFrame(true, 0, cfOpCont, f2),
			cfFrame(false, 0, cfOpCont, []byte("fragment3")), cfFrame(true, 0, cfOpText, []byte("fragment4"))),
		cfEvs(cfEvText("fragment1fragment2")), cfCloseSpec{codes: []int{1002}, hasNS: true}, cfFailWithin)
	cs = append(cs, c515)
	for i, fin := range []bool{false, true} {
		var frames [][]byte
		for r := 0; r < 2; r++ {
			frames = append(frames, cfFrame(fin, 0, cfOpCont, f1), cfFrame(false, 0, cfOpText, f2), cfFrame(true, 0, cfOpCont, []byte("fragment3")))
		}
		cs = append(cs, cfFail(fmt.Sprintf("5.%d", 16+i),
			fmt.Sprintf("2x: continuation (FIN=%v) with nothing to continue, 2-fragment text -> fail", fin), "§5.4",
			cfOneChop, frames, nil, 1002))
	}
	cs = append(cs, cfFail("5.18", "Text in 2 fragments, both with opcode text -> fail", "§5.4", cfOneChop,
		cfFrames(cfFrame(false, 0, cfOpText, f1), cfFrame(true, 0, cfOpText, f2)), nil, 1002))
	for i, mode := range []int{cfOneChop, cfFrameWise} {
		sync := ""
		if mode == cfFrameWise {
			sync = " (frame-wise writes)"
		}
		cs = append(cs, cfCase{id: fmt.Sprintf("5.%d", 19+i),
			desc: "5 fragments, 2 pings, 1 s pause -> pongs before the last fragment, then echo" + sync, rfc: "§5.4, §5.5.2",
			run: func(e *cfEnv, t *testing.T) cfResult { return cfRun519(e, t, mode) }})
	}
	return cs
}

// cfRun519 is Autobahn 5.19/5.20: the first pong must arrive during the
// pause, i.e. before the rest of the message is sent.
func cfRun519(e *cfEnv, t *testing.T, mode int) cfResult {
	c, err := cfDial(t, e.small.Addr)
	if err != nil {
		return cfRes(cfFailed, "%v", err)
	}
	frag := func(fin bool, op byte, s string) []byte { return cfFrame(fin, 0, op, []byte(s)) }
	_ = c.send(mode, frag(false, cfOpText, "fragment1"), frag(false, cfOpCont, "fragment2"), cfPing([]byte("pongme 1!")))
	time.Sleep(time.Second)
	resumed := time.Now()
	_ = c.send(mode, frag(false, cfOpCont, "fragment3"), frag(false, cfOpCont, "fragment4"), cfPing([]byte("pongme 2!")),
		frag(true, cfOpCont, "fragment5"))
	want := cfEvs(cfEvPong([]byte("pongme 1!")), cfEvPong([]byte("pongme 2!")), cfEvText("fragment1fragment2fragment3fragment4fragment5"))
	r := c.expectThenClose(want, cfPassTimeout)
	if r.outcome != cfOK {
		return r
	}
	evs := c.events()
	if !evs[0].at.Before(resumed) {
		return cfRes(cfFailed, "first pong arrived %v after the pause ended, want it during the pause (before the last fragments)",
			evs[0].at.Sub(resumed).Round(time.Millisecond))
	}
	r.detail = "pong 1 during the pause; " + r.detail
	return r
}

// ---------------------------------------------------------------------------
// 6.x UTF-8

var (
	cfKosme     = []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5") // κόσμε
	cfInvalid63 = []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64")
)

func cfUTF8Cases() []cfCase {
	var cs []cfCase
	cs = append(cs,
		cfPass("6.1.1", "Text message of length 0 -> empty echo", "§5.6", cfOneChop, cfFrames(cfText("")), cfEvText("")),
		cfPass("6.1.2", "Text in 3 empty fragments -> empty echo", "§5.4", cfOneChop,
			cfFrames(cfFrame(false, 0, cfOpText, nil), cfFrame(false, 0, cfOpCont, nil), cfFrame(true, 0, cfOpCont, nil)), cfEvText("")),
		cfPass("6.1.3", "3 fragments: empty, \"middle frame payload\", empty -> echo", "§5.4", cfOneChop,
			cfFrames(cfFrame(false, 0, cfOpText, nil), cfFrame(false, 0, cfOpCont, []byte("middle frame payload")), cfFrame(true, 0, cfOpCont, nil)),
			cfEvText("middle frame payload")),
	)
	msg := []byte("Hello-µ@ßöäüàá-UTF-8!!")
	cut := len("Hello-µ@")
	cs = append(cs,
		cfPass("6.2.1", "Valid UTF-8 text in one fragment -> echo", "§5.6, §8.1", cfOneChop, cfFrames(cfTextB(msg)), cfEvTextB(msg)),
		cfPass("6.2.2", "Valid UTF-8 in 2 fragments split on a code point boundary", "§5.6, §8.1", cfOneChop,
			cfFrames(cfFrame(false, 0, cfOpText, msg[:cut]), cfFrame(true, 0, cfOpCont, msg[cut:])), cfEvTextB(msg)),
		cfPass("6.2.3", "Valid UTF-8 in 1-byte fragments (splits code points)", "§5.6, §8.1", cfOneChop,
			cfFragments(cfOpText, msg, 1), cfEvTextB(msg)),
		cfPass("6.2.4", "Valid UTF-8 (κόσμε) in 1-byte fragments (splits code points)", "§5.6, §8.1", cfOneChop,
			cfFragments(cfOpText, cfKosme, 1), cfEvTextB(cfKosme)),
		cfFail("6.3.1", "Invalid UTF-8 (surrogate U+D800) in one frame -> 1007", "§8.1, §7.4.1", cfOneChop,
			cfFrames(cfTextB(cfInvalid63)), nil, 1007),
		cfFail("6.3.2", "Invalid UTF-8 (surrogate U+D800) in 1-byte fragments -> 1007", "§8.1, §7.4.1", cfOneChop,
			cfFragments(cfOpText, cfInvalid63, 1), nil, 1007),
	)
	edited := []byte("edited")
	parts641 := [3][]byte{cfKosme, []byte("\xf4\x90\x80\x80"), edited}
	parts642 := [3][]byte{append(append([]byte(nil), cfKosme...), 0xf4), []byte("\x90"), append([]byte("\x80\x80"), edited...)}
	cs = append(cs,
		cfFailFast("6.4.1", "Fail fast: 3 fragments, 2nd (f4 90 80 80 > U+10FFFF) invalid", parts641, false),
		cfFailFast("6.4.2", "Fail fast: 3 fragments, 2nd is just the invalid byte 0x90", parts642, false),
		cfFailFast("6.4.3", "Fail fast: as 6.4.1 in 3 chops of ONE frame", parts641, true),
		cfFailFast("6.4.4", "Fail fast: as 6.4.2 in 3 chops of ONE frame", parts642, true),
	)
	for _, v := range cfUTF8Vectors() {
		desc := "Valid UTF-8 0x" + fmt.Sprintf("%x", v.payload) + " -> echo"
		if !v.valid {
			desc = "Invalid UTF-8 0x" + fmt.Sprintf("%x", v.payload) + " -> 1007"
		}
		desc = v.group + ": " + desc
		if v.valid {
			cs = append(cs, cfPass(v.id, desc, "§5.6, §8.1", cfOneChop, cfFrames(cfTextB(v.payload)), cfEvTextB(v.payload)))
		} else {
			cs = append(cs, cfFail(v.id, desc, "§8.1, §7.4.1", cfOneChop, cfFrames(cfTextB(v.payload)), nil, 1007))
		}
	}
	return cs
}

// cfFailFast is Autobahn 6.4.x: part 1 is valid and must be accepted; the
// connection must be failed with 1007 right after part 2, before part 3 is
// sent (strict). Failing only after part 3 is NON-STRICT.
func cfFailFast(id, desc string, parts [3][]byte, oneFrame bool) cfCase {
	return cfCase{id: id, desc: desc, rfc: "§8.1, §5.6", run: func(e *cfEnv, t *testing.T) cfResult {
		c, err := cfDial(t, e.small.Addr)
		if err != nil {
			return cfRes(cfFailed, "%v", err)
		}
		var chunks [3][]byte
		if oneFrame {
			all := bytes.Join(parts[:], nil)
			f := cfTextB(all)
			h := len(f) - len(all)
			a, b := h+len(parts[0]), h+len(parts[0])+len(parts[1])
			chunks = [3][]byte{f[:a], f[a:b], f[b:]}
		} else {
			chunks = [3][]byte{cfFrame(false, 0, cfOpText, parts[0]), cfFrame(false, 0, cfOpCont, parts[1]), cfFrame(true, 0, cfOpCont, parts[2])}
		}
		_ = c.write(chunks[0], 0)
		if got, ok := c.quiet(500 * time.Millisecond); !ok {
			return cfRes(cfFailed, "the server reacted to the valid first part: %v", got)
		}
		_ = c.write(chunks[1], 0)
		if c.waitClose(time.Second) {
			r := c.judge(nil, cfCodes(1007), cfFailWithin)
			if r.outcome == cfOK {
				r.detail = "failed fast: " + r.detail
			}
			return r
		}
		_ = c.write(chunks[2], 0)
		r := c.judge(nil, cfCodes(1007), cfFailWithin)
		if r.outcome == cfOK {
			return cfRes(cfNonStrict, "no close within 1 s of the invalid bytes; failed only once the rest arrived: %s", r.detail)
		}
		return r
	}}
}

type cfVector struct {
	id, group string
	valid     bool
	payload   []byte
}

// cfUTF8Vectors builds Autobahn's 6.5–6.23 cases (132 single-frame text
// messages) from Markus Kuhn's UTF-8 decoder test. The classification is
// written out here (not derived from utf8.Valid) and cross-checked with it.
func cfUTF8Vectors() []cfVector {
	type group struct {
		name string
		vs   []cfVector
	}
	b := func(s string) []byte { return []byte(s) }
	ok := func(s string) cfVector { return cfVector{valid: true, payload: b(s)} }
	no := func(s string) cfVector { return cfVector{valid: false, payload: b(s)} }
	var groups []group

	groups = append(groups, group{"Some valid UTF-8", []cfVector{
		ok("hello\x24world"), ok("hello\xc2\xa2world"), ok("hello\xe2\x82\xacworld"), ok("hello\xf0\xa4\xad\xa2world"), ok(string(cfKosme)),
	}})
	// All prefixes of κόσμε: valid exactly when they end on a code point.
	var pre []cfVector
	ends := map[int]bool{2: true, 5: true, 7: true, 9: true, 11: true}
	for i := 1; i <= len(cfKosme); i++ {
		pre = append(pre, cfVector{valid: ends[i], payload: append([]byte(nil), cfKosme[:i]...)})
	}
	groups = append(groups, group{"Prefixes of valid UTF-8", pre})
	groups = append(groups, group{"First sequence of a length", []cfVector{
		ok("\x00"), ok("\xc2\x80"), ok("\xe0\xa0\x80"), ok("\xf0\x90\x80\x80"),
	}})
	groups = append(groups, group{"First 5/6-byte sequence", []cfVector{
		no("\xf8\x88\x80\x80\x80"), no("\xfc\x84\x80\x80\x80\x80"),
	}})
	groups = append(groups, group{"Last sequence of a length", []cfVector{
		ok("\x7f"), ok("\xdf\xbf"), ok("\xef\xbf\xbf"), ok("\xf4\x8f\xbf\xbf"),
	}})
	groups = append(groups, group{"Last 4/5/6-byte sequence", []cfVector{
		no("\xf7\xbf\xbf\xbf"), no("\xfb\xbf\xbf\xbf\xbf"), no("\xfd\xbf\xbf\xbf\xbf\xbf"),
	}})
	groups = append(groups, group{"Other boundary conditions", []cfVector{
		ok("\xed\x9f\xbf"), ok("\xee\x80\x80"), ok("\xef\xbf\xbd"), ok("\xf4\x8f\xbf\xbf"), no("\xf4\x90\x80\x80"),
	}})
	var cont []byte
	for c := 0x80; c < 0xbf; c++ {
		cont = append(cont, byte(c))
	}
	groups = append(groups, group{"Unexpected continuation bytes", []cfVector{
		no("\x80"), no("\xbf"), no("\x80\xbf"), no("\x80\xbf\x80"), no("\x80\xbf\x80\xbf"), no("\x80\xbf\x80\xbf\x80"),
		no("\x80\xbf\x80\xbf\x80\xbf"), {payload: cont},
	}})
	var lonely []cfVector
	for _, r := range [][2]int{{0xc0, 0xdf}, {0xe0, 0xef}, {0xf0, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xfd}} {
		var s []byte
		for c := r[0]; c < r[1]; c++ {
			s = append(s, byte(c), 0x20)
		}
		lonely = append(lonely, cfVector{payload: s})
	}
	groups = append(groups, group{"Lonely start characters", lonely})
	missing := []string{"\xc0", "\xe0\x80", "\xf0\x80\x80", "\xf8\x80\x80\x80", "\xfc\x80\x80\x80\x80",
		"\xdf", "\xef\xbf", "\xf7\xbf\xbf", "\xfb\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf"}
	var miss []cfVector
	for _, m := range missing {
		miss = append(miss, no(m))
	}
	groups = append(groups, group{"Last continuation byte missing", miss})
	groups = append(groups, group{"Concatenated incomplete sequences", []cfVector{no(strings.Join(missing, ""))}})
	groups = append(groups, group{"Impossible bytes", []cfVector{no("\xfe"), no("\xff"), no("\xfe\xfe\xff\xff")}})
	groups = append(groups, group{"Overlong ASCII", []cfVector{
		no("\xc0\xaf"), no("\xe0\x80\xaf"), no("\xf0\x80\x80\xaf"), no("\xf8\x80\x80\x80\xaf"), no("\xfc\x80\x80\x80\x80\xaf"),
	}})
	groups = append(groups, group{"Maximum overlong", []cfVector{
		no("\xc1\xbf"), no("\xe0\x9f\xbf"), no("\xf0\x8f\xbf\xbf"), no("\xf8\x87\xbf\xbf\xbf"), no("\xfc\x83\xbf\xbf\xbf\xbf"),
	}})
	groups = append(groups, group{"Overlong NUL", []cfVector{
		no("\xc0\x80"), no("\xe0\x80\x80"), no("\xf0\x80\x80\x80"), no("\xf8\x80\x80\x80\x80"), no("\xfc\x80\x80\x80\x80\x80"),
	}})
	groups = append(groups, group{"Single UTF-16 surrogates", []cfVector{
		no("\xed\xa0\x80"), no("\xed\xad\xbf"), no("\xed\xae\x80"), no("\xed\xaf\xbf"), no("\xed\xb0\x80"), no("\xed\xbe\x80"), no("\xed\xbf\xbf"),
	}})
	var paired []cfVector
	for _, hi := range []string{"\xed\xa0\x80", "\xed\xad\xbf", "\xed\xae\x80", "\xed\xaf\xbf"} {
		for _, lo := range []string{"\xed\xb0\x80", "\xed\xbf\xbf"} {
			paired = append(paired, no(hi+lo))
		}
	}
	groups = append(groups, group{"Paired UTF-16 surrogates", paired})
	nonChars := []cfVector{ok("\xef\xbf\xbe"), ok("\xef\xbf\xbf")}
	for _, z1 := range []byte{0xf0, 0xf1, 0xf2, 0xf3, 0xf4} {
		for _, z2 := range []byte{0x8f, 0x9f, 0xaf, 0xbf} {
			if z1 == 0xf4 && z2 != 0x8f {
				continue // above U+10FFFF
			}
			for _, z3 := range []byte{0xbe, 0xbf} {
				if z1 == 0xf0 && z2 == 0x8f {
					continue // overlong
				}
				nonChars = append(nonChars, cfVector{valid: true, payload: []byte{z1, z2, 0xbf, z3}})
			}
		}
	}
	groups = append(groups, group{"Non-characters (valid)", nonChars})
	groups = append(groups, group{"Unicode specials", []cfVector{
		ok("\xef\xbf\xb9"), ok("\xef\xbf\xba"), ok("\xef\xbf\xbb"), ok("\xef\xbf\xbc"), ok("\xef\xbf\xbd"), ok("\xef\xbf\xbe"), ok("\xef\xbf\xbf"),
	}})

	var out []cfVector
	for gi, g := range groups {
		for j, v := range g.vs {
			v.id = fmt.Sprintf("6.%d.%d", gi+5, j+1)
			v.group = g.name
			if utf8.Valid(v.payload) != v.valid {
				panic(fmt.Sprintf("conformance: vector %s %x: classification disagrees with utf8.Valid", v.id, v.payload))
			}
			out = append(out, v)
		}
	}
	if len(out) != 132 {
		panic(fmt.Sprintf("conformance: %d UTF-8 vectors, want Autobahn's 132", len(out)))
	}
	return out
}

// ---------------------------------------------------------------------------
// 7.x close handling

func cfCloseCases() []cfCase {
	hello := "Hello World!"
	c1000 := cfClose(1000, "")
	cs := []cfCase{
		cfEnd("7.1.1", "Text, then close -> echo, then close 1000", "§5.5.1, §7.1.2", cfOneChop,
			cfFrames(cfText(hello), c1000), cfEvs(cfEvText(hello)), cfCodes(1000), cfCloseWait),
		cfEnd("7.1.2", "Two close frames -> close 1000, second ignored", "§5.5.1", cfOneChop,
			cfFrames(c1000, cfClose(1000, "")), nil, cfCodes(1000), cfCloseWait),
		cfEnd("7.1.3", "Close, then ping -> close 1000, no pong", "§5.5.1", cfOneChop,
			cfFrames(c1000, cfPing([]byte("ping"))), nil, cfCodes(1000), cfCloseWait),
		cfEnd("7.1.4", "Close, then text -> close 1000, text ignored", "§5.5.1", cfOneChop,
			cfFrames(c1000, cfText(hello)), nil, cfCodes(1000), cfCloseWait),
		cfEnd("7.1.5", "Fragment 1, close, fragment 2 -> close 1000, no message", "§5.5.1", cfOneChop,
			cfFrames(cfFrame(false, 0, cfOpText, []byte("fragment1")), c1000, cfFrame(true, 0, cfOpCont, []byte("fragment2"))),
			nil, cfCodes(1000), cfCloseWait),
		{id: "7.1.6", desc: "256 KiB text, close, ping -> (informational) clean close, no pong", rfc: "§5.5.1, §7.1.2",
			run: func(e *cfEnv, t *testing.T) cfResult {
				c, err := cfDial(t, e.big.Addr)
				if err != nil {
					return cfRes(cfFailed, "%v", err)
				}
				p := bytes.Repeat([]byte("BAsd7&jh23"), 26*1024)
				_ = c.send(cfOneChop, cfTextB(p), cfClose(1000, ""), cfPing([]byte("ping")))
				r := c.judge(cfEvs(cfEvTextB(p)), cfCodes(1000), 10*time.Second)
				if r.outcome == cfOK {
					r.detail = "informational: message echoed before the close; " + r.detail
					return r
				}
				if r2 := c.judge(nil, cfCodes(1000), 0); r2.outcome == cfOK {
					r2.detail = "informational: close processed before the echo; " + r2.detail
					return r2
				}
				return r
			}},
	}
	// 7.3.x close payload lengths.
	cs = append(cs,
		cfEnd("7.3.1", "Close with empty payload -> clean close (empty or 1000)", "§5.5.1, §7.1.5", cfOneChop,
			cfFrames(cfCloseP(nil)), nil, cfCodes(1000).orEmpty(), cfCloseWait),
		cfEnd("7.3.2", "Close with 1-byte payload -> 1002 or drop", "§5.5.1", cfOneChop,
			cfFrames(cfCloseP([]byte("a"))), nil, cfCodes(1002).orDrop(), cfCloseWait),
		cfEnd("7.3.3", "Close 1000 without reason -> close 1000", "§5.5.1", cfOneChop,
			cfFrames(c1000), nil, cfCodes(1000), cfCloseWait),
		cfEnd("7.3.4", "Close 1000 with reason -> close 1000", "§5.5.1", cfOneChop,
			cfFrames(cfClose(1000, hello)), nil, cfCodes(1000), cfCloseWait),
		cfEnd("7.3.5", "Close 1000 with a 123-byte reason (payload 125) -> close 1000", "§5.5, §5.5.1", cfOneChop,
			cfFrames(cfClose(1000, strings.Repeat("*", 123))), nil, cfCodes(1000), cfCloseWait),
		cfEnd("7.3.6", "Close with a 124-byte reason (payload 126) -> 1002 or drop", "§5.5", cfOneChop,
			cfFrames(cfClose(1000, strings.Repeat("*", 124))), nil, cfCodes(1002).orDrop(), cfCloseWait),
		cfEnd("7.5.1", "Close reason not valid UTF-8 -> 1002/1007 or drop", "§5.5.1, §8.1", cfOneChop,
			cfFrames(cfClose(1000, string(cfInvalid63))), nil, cfCodes(1002, 1007).orDrop(), cfCloseWait),
	)
	for i, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		cs = append(cs, cfEnd(fmt.Sprintf("7.7.%d", i+1), fmt.Sprintf("Close with valid code %d -> echoed (or 1000)", code), "§7.4.1, §7.4.2",
			cfOneChop, cfFrames(cfClose(code, "")), nil, cfCodes(1000, code), cfCloseWait))
	}
	for i, code := range []int{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999} {
		cs = append(cs, cfEnd(fmt.Sprintf("7.9.%d", i+1), fmt.Sprintf("Close with invalid code %d -> 1002 or drop", code), "§7.4.1, §7.4.2",
			cfOneChop, cfFrames(cfClose(code, "")), nil, cfCodes(1002).orDrop(), cfCloseWait))
	}
	for i, code := range []int{5000, 65535} {
		cs = append(cs, cfEnd(fmt.Sprintf("7.13.%d", i+1), fmt.Sprintf("Close with code %d (undefined) -> echo, 1000 or 1002", code), "§7.4.2",
			cfOneChop, cfFrames(cfClose(code, "")), nil, cfCodes(1000, code, 1002).orDrop(), cfCloseWait))
	}
	return cs
}

// ---------------------------------------------------------------------------
// L: message size limits (default server: --ws-max-message 65536)

func cfLimitCases() []cfCase {
	const limit = 65536
	over := cfRepeat('*', limit+1)
	frags64 := cfFragments(cfOpBinary, cfRepeat(0xfe, limit+64), 64)
	cs := []cfCase{
		cfFail("L1", "Text message of limit+1 B in one frame -> 1009", "§10.4, §7.4.1", cfOneChop, cfFrames(cfTextB(over)), nil, 1009),
		cfFail("L2", "Binary message of limit+1 B in one frame -> 1009", "§10.4, §7.4.1", cfOneChop, cfFrames(cfBin(over)), nil, 1009),
		cfFail("L3", "Text of limit+1 B in 2 fragments -> 1009 (message limit)", "§10.4, §7.4.1", cfOneChop,
			cfFrames(cfFrame(false, 0, cfOpText, over[:limit/2]), cfFrame(true, 0, cfOpCont, over[limit/2:])), nil, 1009),
		cfFail("L4", "Binary of limit+64 B in 64-byte fragments -> 1009", "§10.4, §7.4.1", cfOneChop, frags64, nil, 1009),
		cfPass("L5", "Text of exactly the limit in 64-byte fragments -> echo", "§10.4", cfOneChop,
			cfFragments(cfOpText, cfRepeat('*', limit), 64), cfEvTextB(cfRepeat('*', limit))),
		{id: "L6", desc: "Header declaring 1 MiB (> limit), payload withheld -> 1009 at once", rfc: "§10.4, §7.4.1",
			run: func(e *cfEnv, t *testing.T) cfResult {
				c, err := cfDial(t, e.small.Addr)
				if err != nil {
					return cfRes(cfFailed, "%v", err)
				}
				p := cfRepeat(0xfe, 1<<20)
				f := cfBin(p)
				h := len(f) - len(p)
				_ = c.write(f[:h+16], 0)
				if c.waitClose(time.Second) {
					return c.judge(nil, cfCodes(1009), cfFailWithin)
				}
				_ = c.write(f[h+16:], 0)
				r := c.judge(nil, cfCodes(1009), cfFailWithin)
				if r.outcome == cfOK {
					return cfRes(cfNonStrict, "no close within 1 s of the header; failed only once the payload arrived: %s", r.detail)
				}
				return r
			}},
		{id: "L7", desc: "Header declaring 2^62 B -> 1009/1002 at once, no allocation", rfc: "§5.2, §10.4",
			run: cfRun2to62},
	}
	return cs
}

// cfRun2to62 sends a frame header that claims 2^62 bytes to a server of its
// own, so that its memory can be watched: the server must fail the
// connection at once and its RSS must not grow; it must go on serving.
func cfRun2to62(e *cfEnv, t *testing.T) cfResult {
	s := duplex.Start(t, "--app", harness.App("echo"), "--js-workers", "1")
	// One echo first so that the steady-state RSS includes a warm runtime.
	warm, err := cfDial(t, s.Addr)
	if err != nil {
		return cfRes(cfFailed, "%v", err)
	}
	_ = warm.send(cfOneChop, cfText(cfHelloWorld))
	if r := warm.expectThenClose(cfEvs(cfEvText(cfHelloWorld)), cfPassTimeout); r.outcome != cfOK {
		return cfRes(cfFailed, "warm-up echo: %s %s", r.outcome, r.detail)
	}
	before, err := s.Memory("VmRSS")
	if err != nil {
		return cfRes(cfFailed, "%v", err)
	}
	c, err := cfDial(t, s.Addr)
	if err != nil {
		return cfRes(cfFailed, "%v", err)
	}
	h := wstest.AppendHeader(nil, wstest.Masked(wstest.Frame{Fin: true, OpCode: ws.OpBinary}), 1<<62, wstest.Len64)
	_ = c.write(append(h, cfRepeat(0, 16)...), 0)
	r := c.judge(nil, cfCodes(1009, 1002), time.Second)
	if r.outcome != cfOK {
		return r
	}
	after, err := s.Memory("VmRSS")
	if err != nil {
		return cfRes(cfFailed, "after the case: %v (did the server die?)", err)
	}
	const maxGrowth = 32 << 20
	if s.Exited() {
		return cfRes(cfFailed, "server exited: %v", s.ExitErr())
	}
	if after-before > maxGrowth {
		return cfRes(cfFailed, "%s; but VmRSS grew from %d to %d KiB", r.detail, before>>10, after>>10)
	}
	alive, err := cfDial(t, s.Addr)
	if err != nil {
		return cfRes(cfFailed, "%s; but a new connection fails: %v", r.detail, err)
	}
	_ = alive.send(cfOneChop, cfText(cfHelloWorld))
	if r2 := alive.expectThenClose(cfEvs(cfEvText(cfHelloWorld)), cfPassTimeout); r2.outcome != cfOK {
		return cfRes(cfFailed, "%s; but the next connection: %s %s", r.detail, r2.outcome, r2.detail)
	}
	return cfRes(cfOK, "%s; VmRSS %d -> %d KiB; server still echoes", r.detail, before>>10, after>>10)
}

// ---------------------------------------------------------------------------
// 9.x limits / performance (big server, --ws-max-message 16 MiB), at
// Autobahn's sizes; scaled down with -short.

func cfPerfCases() []cfCase {
	div := 4 // sizes ÷4
	trips := 100
	if cfFull() {
		div, trips = 1, 1000
	}
	const k, m = 1 << 10, 1 << 20
	size := func(n int) string {
		if n >= m && n%m == 0 {
			return fmt.Sprintf("%d MiB", n/m)
		}
		if n >= k && n%k == 0 {
			return fmt.Sprintf("%d KiB", n/k)
		}
		return fmt.Sprintf("%d B", n)
	}
	scaled := func(orig int) string {
		if div == 1 {
			return ""
		}
		return " (AB " + size(orig) + ")"
	}
	var cs []cfCase
	add := func(c cfCase) { c.phase = 1; cs = append(cs, c) }
	kinds := []struct {
		op   byte
		name string
		fill byte
	}{{cfOpText, "Text", '*'}, {cfOpBinary, "Binary", 0xfe}}

	for ki, kd := range kinds {
		for i, orig := range []int{64 * k, 256 * k, m, 4 * m, 8 * m, 16 * m} {
			n := orig / div
			add(cfCase{id: fmt.Sprintf("9.%d.%d", 1+ki, i+1), desc: fmt.Sprintf("%s message %s%s", kd.name, size(n), scaled(orig)), rfc: "§5.2, §10.4",
				run: func(e *cfEnv, t *testing.T) cfResult {
					p := cfRepeat(kd.fill, n)
					return cfPerf(t, e, cfFrames(cfFrame(true, 0, kd.op, p)), cfOneChop, cfEvent{kind: strings.ToLower(kd.name), data: p})
				}})
		}
	}
	for ki, kd := range kinds {
		total := 4 * m / div
		for i, origFrag := range []int{64, 256, k, 4 * k, 16 * k, 64 * k, 256 * k, m, 4 * m} {
			frag := min(origFrag, total)
			add(cfCase{id: fmt.Sprintf("9.%d.%d", 3+ki, i+1),
				desc: fmt.Sprintf("%s %s in %s fragments%s", kd.name, size(total), size(frag), scaled(4*m)), rfc: "§5.4",
				run: func(e *cfEnv, t *testing.T) cfResult {
					p := cfRepeat(kd.fill, total)
					return cfPerf(t, e, cfFragments(kd.op, p, frag), cfOneChop, cfEvent{kind: strings.ToLower(kd.name), data: p})
				}})
		}
	}
	for ki, kd := range kinds {
		total := m / div
		for i, chop := range []int{64, 128, 256, 512, 1024, 2048} {
			add(cfCase{id: fmt.Sprintf("9.%d.%d", 5+ki, i+1),
				desc: fmt.Sprintf("%s %s in %d-byte TCP chops%s", kd.name, size(total), chop, scaled(m)), rfc: "§5.2",
				run: func(e *cfEnv, t *testing.T) cfResult {
					p := cfRepeat(kd.fill, total)
					return cfPerf(t, e, cfFrames(cfFrame(true, 0, kd.op, p)), chop, cfEvent{kind: strings.ToLower(kd.name), data: p})
				}})
		}
	}
	budgets := []time.Duration{60, 60, 60, 120, 240, 480}
	for ki, kd := range kinds {
		for i, n := range []int{0, 16, 64, 256, 1024, 4096} {
			budget := budgets[i] * time.Second * time.Duration(trips) / 1000
			add(cfCase{id: fmt.Sprintf("9.%d.%d", 7+ki, i+1),
				desc: fmt.Sprintf("%d round trips of %d-byte %s messages, within %v", trips, n, strings.ToLower(kd.name), budget), rfc: "§5.6",
				run: func(e *cfEnv, t *testing.T) cfResult {
					return cfRoundTrips(t, e, kd.op, kd.fill, n, trips, budget)
				}})
		}
	}
	return cs
}

// cfPerf sends one message and waits for its echo (60 s at most).
func cfPerf(t *testing.T, e *cfEnv, frames [][]byte, mode int, want cfEvent) cfResult {
	c, err := cfDial(t, e.big.Addr)
	if err != nil {
		return cfRes(cfFailed, "%v", err)
	}
	t0 := time.Now()
	_ = c.send(mode, frames...)
	r := c.expectThenClose(cfEvs(want), 60*time.Second)
	if r.outcome == cfOK {
		evs := c.events()
		r.detail = fmt.Sprintf("echo after %v; %s", evs[0].at.Sub(t0).Round(time.Millisecond), r.detail)
	}
	return r
}

// cfRoundTrips is 9.7/9.8: sequential send-echo round trips.
func cfRoundTrips(t *testing.T, e *cfEnv, op, fill byte, n, trips int, budget time.Duration) cfResult {
	c, err := cfDial(t, e.big.Addr)
	if err != nil {
		return cfRes(cfFailed, "%v", err)
	}
	p := cfRepeat(fill, n)
	kind := "binary"
	if op == cfOpText {
		kind = "text"
	}
	want := cfEvent{kind: kind, data: p}
	lat := make([]time.Duration, 0, trips)
	start := time.Now()
	for i := 0; i < trips; i++ {
		t0 := time.Now()
		_ = c.send(cfOneChop, cfFrame(true, 0, op, p))
		if !c.waitEvents(i+1, budget-time.Since(start)) {
			return cfRes(cfFailed, "only %d of %d round trips within %v", i, trips, budget)
		}
		evs := c.events()
		if len(evs) != i+1 || !evs[i].same(want) {
			return cfRes(cfFailed, "round trip %d: got %s, want %s", i+1, cfList(evs[i:]), want)
		}
		lat = append(lat, time.Since(t0))
	}
	total := time.Since(start)
	want1 := make([]cfEvent, trips)
	for i := range want1 {
		want1[i] = want
	}
	r := c.expectThenClose(want1, cfPassTimeout)
	if r.outcome != cfOK {
		return r
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))].Round(10 * time.Microsecond) }
	return cfRes(cfOK, "%d round trips in %v (p50 %v, p99 %v); %s", trips, total.Round(time.Millisecond), pct(0.5), pct(0.99), r.detail)
}
