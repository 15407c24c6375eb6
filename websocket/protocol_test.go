package websocket

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/gobwas/ws"
)

// Cases follow the Autobahn sections named in websocket-reliability.md §1.5.

func TestProtocolFailures(t *testing.T) {
	cases := []struct {
		name string
		send func(c *rawClient)
		code int
	}{
		{
			name: "unmasked frame (F3)",
			send: func(c *rawClient) { c.write(frameBytes(0x81, []byte("hi"), false)) },
			code: StatusProtocolError,
		},
		{
			name: "64-bit length with MSB set (F4)",
			send: func(c *rawClient) { c.write([]byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}) },
			code: StatusProtocolError,
		},
		{
			name: "RSV1 (3.1)",
			send: func(c *rawClient) { c.send(0x80|0x40|0x1, []byte("x")) },
			code: StatusProtocolError,
		},
		{
			name: "RSV=7 on close (3.7)",
			send: func(c *rawClient) { c.send(0x80|0x70|0x8, []byte{0x03, 0xe8}) },
			code: StatusProtocolError,
		},
		{
			name: "reserved data opcode 3 (4.1.1)",
			send: func(c *rawClient) { c.send(0x83, nil) },
			code: StatusProtocolError,
		},
		{
			name: "reserved control opcode 11 (4.2.1)",
			send: func(c *rawClient) { c.send(0x8b, []byte("x")) },
			code: StatusProtocolError,
		},
		{
			name: "ping of 126 bytes (2.5)",
			send: func(c *rawClient) { c.send(0x89, bytes.Repeat([]byte("p"), 126)) },
			code: StatusProtocolError,
		},
		{
			name: "fragmented ping (5.1)",
			send: func(c *rawClient) { c.send(0x09, []byte("a")); c.send(0x80, []byte("b")) },
			code: StatusProtocolError,
		},
		{
			name: "fragmented pong (5.2)",
			send: func(c *rawClient) { c.send(0x0a, []byte("a")); c.send(0x80, []byte("b")) },
			code: StatusProtocolError,
		},
		{
			name: "continuation without start, FIN=1 (5.9)",
			send: func(c *rawClient) { c.send(0x80, []byte("x")); c.text("after") },
			code: StatusProtocolError,
		},
		{
			name: "continuation without start, FIN=0 (5.10)",
			send: func(c *rawClient) { c.send(0x00, []byte("x")); c.text("after") },
			code: StatusProtocolError,
		},
		{
			name: "new text frame during fragmentation (5.18)",
			send: func(c *rawClient) { c.send(0x01, []byte("a")); c.send(0x81, []byte("b")) },
			code: StatusProtocolError,
		},
		{
			name: "close payload of 1 byte (7.3.2)",
			send: func(c *rawClient) { c.send(0x88, []byte{0x03}) },
			code: StatusProtocolError,
		},
		{
			name: "close payload of 126 bytes (7.3.6)",
			send: func(c *rawClient) { c.closeFrame(1000, strings.Repeat("r", 124)) },
			code: StatusProtocolError,
		},
		{
			name: "close reason invalid UTF-8 (7.5.1)",
			send: func(c *rawClient) { c.send(0x88, []byte{0x03, 0xe8, 0xce, 0xba, 0xed, 0xa0, 0x80}) },
			code: StatusInvalidPayload,
		},
		{
			name: "invalid text UTF-8 (6.3.1)",
			send: func(c *rawClient) { c.send(0x81, utf8Invalid631) },
			code: StatusInvalidPayload,
		},
		{
			name: "invalid text UTF-8 in 1-byte fragments (6.3.2)",
			send: func(c *rawClient) {
				for i, b := range utf8Invalid631 {
					b0 := byte(0x00)
					if i == 0 {
						b0 = 0x01
					}
					if i == len(utf8Invalid631)-1 {
						b0 |= 0x80
					}
					c.send(b0, []byte{b})
				}
			},
			code: StatusInvalidPayload,
		},
		{
			name: "truncated code point at message end",
			send: func(c *rawClient) { c.send(0x81, []byte{'a', 0xe2, 0x82}) },
			code: StatusInvalidPayload,
		},
	}
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		cases = append(cases, struct {
			name string
			send func(c *rawClient)
			code int
		}{
			name: "invalid close code " + strconv.Itoa(code) + " (7.9)",
			send: func(c *rawClient) { c.closeFrame(code, "") },
			code: StatusProtocolError,
		})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newRecHandler()
			ts := newTestServer(t, Options{}, h)
			c := connect(t, ts)
			id := h.nextOpen(t).ID()
			// A valid message first: its echo must still arrive before the
			// close (AB 3.2, 4.1.3).
			c.text("first")
			tc.send(c)
			c.send(0x89, []byte("no pong expected"))
			c.expectText("first")
			c.expectClose(tc.code)
			h.next(t, id, EventOpen)
			h.next(t, id, EventMessage)
			if r := h.next(t, id, EventError); r.err == nil {
				t.Fatal("no error")
			}
			if r := h.next(t, id, EventClose); r.code != tc.code {
				t.Fatalf("close code %d, want %d", r.code, tc.code)
			}
			if len(ts.logs.Lines(`"code":`+strconv.Itoa(tc.code))) == 0 {
				t.Fatal("failure not logged")
			}
		})
	}
}

// κόσμε, a surrogate (U+D800), "edited": AB 6.3.1.
var utf8Invalid631 = []byte{0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64}

func TestValidCloseCodesEchoed(t *testing.T) {
	codes := []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}
	for _, code := range codes {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			h := newRecHandler()
			ts := newTestServer(t, Options{}, h)
			c := connect(t, ts)
			id := h.nextOpen(t).ID()
			c.closeFrame(code, strings.Repeat("r", 123))
			f := c.read()
			if f.op != ws.OpClose || len(f.payload) < 2 || int(binary.BigEndian.Uint16(f.payload)) != code {
				t.Fatalf("got %v %v", f.op, f.payload)
			}
			c.expectEOF()
			h.next(t, id, EventOpen)
			if r := h.next(t, id, EventClose); r.code != code {
				t.Fatalf("close code %d", r.code)
			}
		})
	}
}

func TestEmptyCloseEchoed(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	c := connect(t, ts)
	id := h.nextOpen(t).ID()
	c.send(0x88, nil)
	c.expectClose(0)
	h.next(t, id, EventOpen)
	if r := h.next(t, id, EventClose); r.code != StatusNoStatus {
		t.Fatalf("close code %d, want 1005", r.code)
	}
}

func TestCloseOrdering(t *testing.T) {
	t.Run("message then close: echo then close (7.1.1)", func(t *testing.T) {
		h := newRecHandler()
		ts := newTestServer(t, Options{}, h)
		c := connect(t, ts)
		h.nextOpen(t)
		c.write(append(frameBytes(0x81, []byte("Hello World!"), true), frameBytes(0x88, []byte{0x03, 0xe8}, true)...))
		c.expectText("Hello World!")
		c.expectClose(StatusNormal)
	})
	t.Run("ping and text after close are ignored (7.1.3, 7.1.4)", func(t *testing.T) {
		h := newRecHandler()
		ts := newTestServer(t, Options{}, h)
		c := connect(t, ts)
		id := h.nextOpen(t).ID()
		c.write(append(append(frameBytes(0x88, []byte{0x03, 0xe8}, true),
			frameBytes(0x89, []byte("ping"), true)...), frameBytes(0x81, []byte("text"), true)...))
		c.expectClose(StatusNormal)
		h.next(t, id, EventOpen)
		h.next(t, id, EventClose)
	})
	t.Run("close between fragments (7.1.5)", func(t *testing.T) {
		h := newRecHandler()
		ts := newTestServer(t, Options{}, h)
		c := connect(t, ts)
		id := h.nextOpen(t).ID()
		c.send(0x01, []byte("frag1"))
		c.send(0x88, []byte{0x03, 0xe8})
		c.send(0x80, []byte("frag2"))
		c.expectClose(StatusNormal)
		h.next(t, id, EventOpen)
		if r := h.next(t, id, EventClose); r.code != StatusNormal {
			t.Fatalf("close code %d", r.code)
		}
	})
}

func TestPingPong(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	c := connect(t, ts)
	h.nextOpen(t)

	bin := make([]byte, 125)
	for i := range bin {
		bin[i] = byte(i * 2)
	}
	for _, p := range [][]byte{nil, []byte("Hello, world!"), bin} {
		c.send(0x89, p)
		if f := c.read(); f.op != ws.OpPong || !bytes.Equal(f.payload, p) {
			t.Fatalf("got %v %q", f.op, f.payload)
		}
	}
	// 125-byte ping written one byte at a time (2.6).
	for _, b := range frameBytes(0x89, bin, true) {
		c.write([]byte{b})
	}
	if f := c.read(); f.op != ws.OpPong || !bytes.Equal(f.payload, bin) {
		t.Fatalf("chopped ping: %v", f.op)
	}
	// Unsolicited pongs are ignored (2.7, 2.8); then only the ping's pong (2.9).
	c.send(0x8a, nil)
	c.send(0x8a, []byte("unsolicited"))
	c.send(0x89, []byte("ping"))
	if f := c.read(); f.op != ws.OpPong || string(f.payload) != "ping" {
		t.Fatalf("got %v %q", f.op, f.payload)
	}
	// Ping between fragments: pong first, then the message (5.6).
	c.send(0x01, []byte("frag1 "))
	c.send(0x89, []byte("mid"))
	if f := c.read(); f.op != ws.OpPong || string(f.payload) != "mid" {
		t.Fatalf("got %v %q", f.op, f.payload)
	}
	c.send(0x80, []byte("frag2"))
	c.expectText("frag1 frag2")
	// Ten pings, ten pongs in order (2.10).
	for i := 0; i < 10; i++ {
		c.send(0x89, []byte{byte(i)})
	}
	for i := 0; i < 10; i++ {
		if f := c.read(); f.op != ws.OpPong || !bytes.Equal(f.payload, []byte{byte(i)}) {
			t.Fatalf("pong %d: %v %v", i, f.op, f.payload)
		}
	}
	c.closeFrame(1000, "")
	c.expectClose(StatusNormal)
}

func TestFragmentedAndChopped(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	c := connect(t, ts)
	h.nextOpen(t)

	// 5 fragments with 2 pings: pongs before the final fragment (5.19).
	c.send(0x01, []byte("fragment1"))
	c.send(0x00, []byte("fragment2"))
	c.send(0x89, []byte("pongme 1!"))
	if f := c.read(); f.op != ws.OpPong || string(f.payload) != "pongme 1!" {
		t.Fatalf("got %v %q", f.op, f.payload)
	}
	c.send(0x00, []byte("fragment3"))
	c.send(0x89, []byte("pongme 2!"))
	if f := c.read(); f.op != ws.OpPong || string(f.payload) != "pongme 2!" {
		t.Fatalf("got %v %q", f.op, f.payload)
	}
	c.send(0x00, []byte("fragment4"))
	c.send(0x80, []byte("fragment5"))
	c.expectText("fragment1fragment2fragment3fragment4fragment5")

	// Empty fragments (6.1.2) and an empty message (6.1.1).
	c.send(0x01, nil)
	c.send(0x00, nil)
	c.send(0x80, nil)
	c.expectText("")
	c.send(0x01, nil)
	c.send(0x00, []byte("middle"))
	c.send(0x80, nil)
	c.expectText("middle")

	// Valid UTF-8 split inside code points, one byte per fragment (6.2.4).
	msg := []byte("Hello-µ@ßöäüàá-UTF-8!!")
	for i, b := range msg {
		b0 := byte(0x00)
		if i == 0 {
			b0 = 0x01
		}
		if i == len(msg)-1 {
			b0 |= 0x80
		}
		c.send(b0, []byte{b})
	}
	c.expectText(string(msg))

	// 65536 bytes written in 997-byte chops (1.1.8).
	big := bytes.Repeat([]byte("*"), 65536)
	raw := frameBytes(0x81, big, true)
	for len(raw) > 0 {
		n := min(997, len(raw))
		c.write(raw[:n])
		raw = raw[n:]
	}
	c.expectText(string(big))
}

func TestUTF8FailFast(t *testing.T) {
	// 6.4.1: the server fails after the second fragment, before the third
	// is sent.
	t.Run("across fragments", func(t *testing.T) {
		h := newRecHandler()
		ts := newTestServer(t, Options{}, h)
		c := connect(t, ts)
		h.nextOpen(t)
		c.send(0x01, []byte("κόσμε"))
		c.send(0x00, []byte{0xf4, 0x90, 0x80, 0x80})
		c.expectClose(StatusInvalidPayload)
	})
	// 6.4.3: the same bytes in chops of one frame: the server must fail
	// while the frame is still incomplete.
	t.Run("inside one frame", func(t *testing.T) {
		h := newRecHandler()
		ts := newTestServer(t, Options{}, h)
		c := connect(t, ts)
		h.nextOpen(t)
		payload := append(append([]byte("κόσμε"), 0xf4, 0x90, 0x80, 0x80), "edited"...)
		raw := frameBytes(0x81, payload, true)
		head := len(raw) - len(payload)
		c.write(raw[:head+len("κόσμε")+4])
		c.expectClose(StatusInvalidPayload)
	})
}

func TestValidUTF8Vectors(t *testing.T) {
	h := newRecHandler()
	ts := newTestServer(t, Options{}, h)
	c := connect(t, ts)
	h.nextOpen(t)
	for _, v := range [][]byte{{0x24}, {0xc2, 0xa2}, {0xe2, 0x82, 0xac}, {0xf0, 0xa4, 0xad, 0xa2}, {0xf4, 0x8f, 0xbf, 0xbf}, {0xef, 0xbf, 0xbe}, {0xef, 0xbf, 0xbd}} {
		c.send(0x81, v)
		c.expectText(string(v))
	}
}

func TestInvalidUTF8Vectors(t *testing.T) {
	vectors := [][]byte{{0x80}, {0xbf}, {0xc0, 0x20}, {0xe0, 0x80}, {0xfe}, {0xff}, {0xc0, 0xaf}, {0xe0, 0x80, 0xaf}, {0xc1, 0xbf}, {0xf0, 0x8f, 0xbf, 0xbf}, {0xf7, 0xbf, 0xbf, 0xbf}, {0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80}}
	for _, v := range vectors {
		t.Run("", func(t *testing.T) {
			h := newRecHandler()
			ts := newTestServer(t, Options{}, h)
			c := connect(t, ts)
			h.nextOpen(t)
			c.send(0x81, v)
			c.expectClose(StatusInvalidPayload)
		})
	}
}
