package frame

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// masked encodes a client frame; b0 is the first header byte (FIN, RSV,
// opcode), so that tests can set reserved bits and opcodes freely.
func masked(b0 byte, payload []byte) []byte {
	f := ws.NewFrame(ws.OpCode(b0&0x0f), b0&0x80 != 0, append([]byte(nil), payload...))
	f.Header.Rsv = (b0 >> 4) & 0x7
	return ws.MustCompileFrame(ws.MaskFrameInPlace(f))
}

// errClosed is how recSink ends the stream on a close frame.
var errClosed = errors.New("closed")

// recSink writes down what the parser hands it.
type recSink struct {
	msg []byte
	log []string
}

func (r *recSink) Payload(p []byte) { r.msg = append(r.msg, p...) }

func (r *recSink) MessageEnd(binary bool) error {
	r.log = append(r.log, fmt.Sprintf("message binary=%v %q", binary, r.msg))
	r.msg = nil
	return nil
}

func (r *recSink) Control(op ws.OpCode, p []byte) error {
	r.log = append(r.log, fmt.Sprintf("control %v %q", op, p))
	if op == ws.OpClose {
		return errClosed
	}
	return nil
}

// The same stream gives the same messages and control frames whether it
// arrives in one read or one byte at a time, and the parser is idle after
// each complete message.
func TestParserPieces(t *testing.T) {
	var in []byte
	for _, f := range [][]byte{
		masked(0x01, []byte("κό")),
		masked(0x89, []byte("ping")),
		masked(0x00, []byte("σμε")),
		masked(0x80, nil),
		masked(0x82, bytes.Repeat([]byte{0xff}, 300)),
		masked(0x81, nil),
		masked(0x8a, nil),
		masked(0x88, []byte{0x03, 0xe8, 'b', 'y', 'e'}),
	} {
		in = append(in, f...)
	}
	want := []string{
		`control 9 "ping"`,
		`message binary=false "κόσμε"`,
		`message binary=true "` + strings.Repeat(`\xff`, 300) + `"`,
		`message binary=false ""`,
		`control 10 ""`,
		`control 8 "\x03\xe8bye"`,
	}
	for _, chunk := range []int{len(in), 1, 7} {
		var ps Parser
		ps.Reset(1 << 10)
		sink := &recSink{}
		buf := append([]byte(nil), in...)
		var err error
		for p := buf; len(p) > 0 && err == nil; {
			n := min(chunk, len(p))
			err = ps.Feed(p[:n], sink)
			p = p[n:]
		}
		if err != errClosed {
			t.Errorf("chunk %d: ended with %v, want the close frame", chunk, err)
		}
		if strings.Join(sink.log, "\n") != strings.Join(want, "\n") {
			t.Errorf("chunk %d: got\n%s\nwant\n%s", chunk, strings.Join(sink.log, "\n"), strings.Join(want, "\n"))
		}
		if !ps.Idle() {
			t.Errorf("chunk %d: parser not idle after the close frame", chunk)
		}
	}
}

// Each failure is reported on the bytes that reveal it: a header that
// announces too much before its payload, invalid text at its first bad
// byte.
func TestParserFailsEarly(t *testing.T) {
	tooBig := masked(0x82, make([]byte, 100))
	textHead := masked(0x81, []byte("κόσμε\xf4\x90\x80\x80edited"))
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"unmasked", []byte{0x81, 0x02, 'h', 'i'}, ws.ErrProtocolMaskRequired},
		{"RSV1", masked(0xc1, []byte("x")), ws.ErrProtocolNonZeroRsv},
		{"reserved opcode", masked(0x83, nil), ws.ErrProtocolOpCodeReserved},
		{"fragmented ping", masked(0x09, []byte("a")), ws.ErrProtocolControlNotFinal},
		{"ping of 126 bytes", masked(0x89, make([]byte, 126)), ws.ErrProtocolControlPayloadOverflow},
		{"continuation first", masked(0x80, []byte("x")), ws.ErrProtocolContinuationUnexpected},
		{"text inside a message", append(masked(0x01, []byte("a")), masked(0x81, []byte("b"))...), ws.ErrProtocolContinuationExpected},
		{"length with the MSB set", []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, ws.ErrHeaderLengthMSB},
		{"too big, header only", tooBig[:len(tooBig)-100], wsutil.ErrMessageTooLarge},
		{"invalid text, cut after the bad bytes", textHead[:len(textHead)-len("edited")], wsutil.ErrInvalidUTF8},
		{"text ending inside a character", masked(0x81, []byte{'a', 0xe2, 0x82}), wsutil.ErrInvalidUTF8},
	}
	for _, tc := range cases {
		var ps Parser
		ps.Reset(99)
		if err := ps.Feed(tc.in, &recSink{}); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
