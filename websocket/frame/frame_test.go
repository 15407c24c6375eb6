package frame

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

func TestCloseFrameEncoding(t *testing.T) {
	f := Close(4000, strings.Repeat("é", 100)+"\xff")
	if len(f) > 2+125 || f[0] != 0x88 {
		t.Fatalf("frame header % x, len %d", f[:2], len(f))
	}
	if !utf8.Valid(f[4:]) {
		t.Fatal("reason is not valid UTF-8 after truncation")
	}
	if got := Close(0, "ignored"); len(got) != 2 || got[1] != 0 {
		t.Fatalf("empty close % x", got)
	}
	for _, n := range []int{0, 125, 126, 65535, 65536} {
		f := New(ws.OpBinary, make([]byte, n))
		h, err := ws.ReadHeader(bytes.NewReader(f))
		if err != nil || h.Length != int64(n) || !h.Fin || h.Masked || h.OpCode != ws.OpBinary {
			t.Fatalf("n=%d: header %+v err %v", n, h, err)
		}
	}
}

func TestWellFormed(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 70000} {
		for _, op := range []ws.OpCode{ws.OpText, ws.OpBinary} {
			if f := New(op, make([]byte, n)); !WellFormed(f, 1<<20) {
				t.Errorf("New(%v, %d bytes) judged malformed", op, n)
			}
		}
	}
	if WellFormed(New(ws.OpText, make([]byte, 200)), 199) {
		t.Error("a frame past the limit judged well formed")
	}
	if WellFormed([]byte{0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 0}, 1<<20) {
		t.Error("a 2^63-byte header judged well formed")
	}
}
