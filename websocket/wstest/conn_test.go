package wstest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// pipe is a Conn on one end of a net.Pipe; the test plays the server on
// the other, writing raw bytes and reading what the client answers.
func pipe(t *testing.T) (*Conn, net.Conn) {
	t.Helper()
	client, server := net.Pipe()
	t.Cleanup(func() { client.Close(); server.Close() })
	deadline := time.Now().Add(5 * time.Second)
	_ = client.SetDeadline(deadline)
	_ = server.SetDeadline(deadline)
	return NewConn(client, nil), server
}

// serve writes frames from the server's end, unmasked unless a frame says
// otherwise, in the background (a pipe has no buffer).
func serve(server net.Conn, frames ...Frame) <-chan error {
	done := make(chan error, 1)
	go func() {
		var b []byte
		for _, f := range frames {
			b = AppendFrame(b, f, Minimal)
		}
		_, err := server.Write(b)
		done <- err
	}()
	return done
}

func TestFrameRoundTrip(t *testing.T) {
	for _, form := range []LengthForm{Minimal, Len7, Len16, Len64} {
		for _, n := range []int{0, 5, 125, 126, 65535, 65536} {
			if form == Len7 && n > 125 || form == Len16 && n > 0xFFFF {
				continue
			}
			f := Frame{Fin: n%2 == 0, Rsv: 5, OpCode: ws.OpBinary, Payload: bytes.Repeat([]byte{'x'}, n)}
			for _, f := range []Frame{f, Masked(f)} {
				b := AppendFrame(nil, f, form)
				got, err := ReadFrame(bytes.NewReader(b), nil, DefaultMaxPayload)
				if err != nil {
					t.Fatalf("form %d, %d bytes: %v", form, n, err)
				}
				if got.Fin != f.Fin || got.Rsv != f.Rsv || got.OpCode != f.OpCode || got.Masked != f.Masked ||
					got.Mask != f.Mask || !bytes.Equal(got.Payload, f.Payload) {
					t.Errorf("form %d, %d bytes: read back %+v", form, n, got)
				}
			}
		}
	}
}

// TestNonMinimalLength: a length form applies whatever the length, so that
// a test can send the headers a strict peer must refuse.
func TestNonMinimalLength(t *testing.T) {
	f := Frame{Fin: true, OpCode: ws.OpText}
	for form, want := range map[LengthForm]int{Minimal: 2, Len7: 2, Len16: 4, Len64: 10} {
		if got := len(AppendHeader(nil, f, 5, form)); got != want {
			t.Errorf("form %d: header of %d bytes, want %d", form, got, want)
		}
	}
	if got := len(AppendHeader(nil, Masked(f), 5, Len64)); got != 14 {
		t.Errorf("masked 64-bit header of %d bytes, want 14", got)
	}
}

func TestReadFrameLimits(t *testing.T) {
	b := AppendHeader(nil, Frame{Fin: true, OpCode: ws.OpBinary}, 1<<40, Minimal)
	if _, err := ReadFrame(bytes.NewReader(b), nil, 1<<20); err == nil || !strings.Contains(err.Error(), "declares") {
		t.Errorf("a frame declaring 1 TiB: %v, want refused before reading", err)
	}
	b = AppendFrame(nil, Frame{Fin: true, OpCode: ws.OpText, Payload: []byte("hello")}, Minimal)
	if _, err := ReadFrame(bytes.NewReader(b[:4]), nil, 100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a frame cut short: %v, want io.ErrUnexpectedEOF", err)
	}
	buf := make([]byte, 0, 64)
	f, err := ReadFrame(bytes.NewReader(b), buf, 100)
	if err != nil || &f.Payload[0] != &buf[:1][0] {
		t.Errorf("a payload that fits buf was not read into it (%v)", err)
	}
}

// TestReadMessage: fragments reassembled around a ping, which is answered
// with a masked pong carrying its payload.
func TestReadMessage(t *testing.T) {
	c, server := pipe(t)
	pings := 0
	c.OnPing = func(p []byte) error { pings++; return nil }
	sent := serve(server,
		Frame{OpCode: ws.OpText, Payload: []byte("hel")},
		Frame{Fin: true, OpCode: ws.OpPing, Payload: []byte("p1")},
		Frame{Fin: true, OpCode: ws.OpContinuation, Payload: []byte("lo")},
	)
	pong := make(chan Frame, 1)
	go func() {
		<-sent
		f, _ := ReadFrame(server, nil, 1<<10)
		pong <- f
	}()
	m, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if m.OpCode != ws.OpText || m.Text() != "hello" || m.Frames != 2 {
		t.Errorf("got %v %q in %d frames, want text hello in 2", m.OpCode, m.Text(), m.Frames)
	}
	if f := <-pong; f.OpCode != ws.OpPong || !f.Masked || string(f.Payload) != "p1" {
		t.Errorf("answer to the ping: %+v, want a masked pong p1", f)
	}
	if pings != 1 {
		t.Errorf("OnPing saw %d pings, want 1", pings)
	}
}

func TestReadMessageInto(t *testing.T) {
	c, server := pipe(t)
	serve(server, Frame{Fin: true, OpCode: ws.OpBinary, Payload: []byte{1, 2, 3}})
	buf := make([]byte, 10, 64)
	m, err := c.ReadMessageInto(buf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Payload, []byte{1, 2, 3}) || &m.Payload[0] != &buf[0] {
		t.Errorf("payload %v, want 1 2 3 read into buf", m.Payload)
	}
}

func TestNoPongAndOnPingError(t *testing.T) {
	c, server := pipe(t)
	c.NoPong = true
	stop := errors.New("enough")
	c.OnPing = func([]byte) error { return stop }
	serve(server, Frame{Fin: true, OpCode: ws.OpPing})
	if _, err := c.ReadMessage(); !errors.Is(err, stop) {
		t.Fatalf("ReadMessage: %v, want OnPing's error", err)
	}
	// Nothing was written: the server's read sees only the close.
	c.Close()
	if b, _ := io.ReadAll(server); len(b) != 0 {
		t.Errorf("a NoPong client wrote %x", b)
	}
}

func TestCloseFrames(t *testing.T) {
	for _, c := range []struct {
		payload []byte
		code    ws.StatusCode
		reason  string
	}{
		{ws.NewCloseFrameBody(1001, "going"), 1001, "going"},
		{nil, ws.StatusNoStatusRcvd, ""},
	} {
		conn, server := pipe(t)
		serve(server, Frame{Fin: true, OpCode: ws.OpClose, Payload: c.payload})
		var ce *CloseError
		if _, err := conn.ReadMessage(); !errors.As(err, &ce) || ce.Code != c.code || ce.Reason != c.reason {
			t.Errorf("close payload %x: %v, want close %d %q", c.payload, err, c.code, c.reason)
		}
	}
}

func TestProtocolErrors(t *testing.T) {
	for name, frames := range map[string][]Frame{
		"masked":                 {Masked(Frame{Fin: true, OpCode: ws.OpText})},
		"rsv":                    {{Fin: true, Rsv: 4, OpCode: ws.OpText}},
		"reserved opcode":        {{Fin: true, OpCode: 3}},
		"fragmented ping":        {{OpCode: ws.OpPing}},
		"long ping":              {{Fin: true, OpCode: ws.OpPing, Payload: make([]byte, 126)}},
		"lone continuation":      {{Fin: true, OpCode: ws.OpContinuation}},
		"message inside another": {{OpCode: ws.OpText}, {Fin: true, OpCode: ws.OpBinary}},
		"1-byte close":           {{Fin: true, OpCode: ws.OpClose, Payload: []byte{3}}},
	} {
		c, server := pipe(t)
		serve(server, frames...)
		var pe *ProtocolError
		if _, err := c.ReadMessage(); !errors.As(err, &pe) {
			t.Errorf("%s: %v, want a *ProtocolError", name, err)
		}
	}
}

func TestMessageLimit(t *testing.T) {
	c, server := pipe(t)
	c.MaxPayload = 4
	serve(server, Frame{OpCode: ws.OpText, Payload: []byte("abc")}, Frame{Fin: true, OpCode: ws.OpContinuation, Payload: []byte("de")})
	if _, err := c.ReadMessage(); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("a message of 5 bytes with MaxPayload 4: %v, want refused", err)
	}
}

func TestWrites(t *testing.T) {
	c, server := pipe(t)
	br := bufio.NewReader(server)
	go func() {
		_ = c.WriteMessage(ws.OpText, []byte("hi"))
		_ = c.WriteClose(1000, "done")
		_ = c.WriteRaw([]byte{0x81, 0x00})
	}()
	for _, want := range []struct {
		op      ws.OpCode
		payload string
	}{{ws.OpText, "hi"}, {ws.OpClose, "\x03\xe8done"}} {
		f, err := ReadFrame(br, nil, 1<<10)
		if err != nil || f.OpCode != want.op || !f.Fin || !f.Masked || string(f.Payload) != want.payload {
			t.Errorf("got %+v (%v), want a masked %v %q", f, err, want.op, want.payload)
		}
	}
	if f, err := ReadFrame(br, nil, 1<<10); err != nil || f.Masked || f.OpCode != ws.OpText {
		t.Errorf("raw bytes read back as %+v (%v), want an unmasked empty text frame", f, err)
	}
}

// TestCloseBody: a reason is never cut, so that a test can send a close
// frame over the 125 bytes a control frame may carry.
func TestCloseBody(t *testing.T) {
	b := CloseBody(1000, strings.Repeat("*", 124))
	if len(b) != 126 || b[0] != 0x03 || b[1] != 0xe8 {
		t.Errorf("CloseBody of a 124-byte reason: %d bytes starting %x", len(b), b[:2])
	}
}
