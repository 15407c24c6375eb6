package frame

import (
	"strings"
	"testing"

	"github.com/gobwas/ws"
)

type discardSink struct{}

func (discardSink) Payload([]byte)                  {}
func (discardSink) MessageEnd(bool) error           { return nil }
func (discardSink) Control(ws.OpCode, []byte) error { return nil }

// BenchmarkParser is the read path without the socket: a 16 KiB read of
// 64-byte text messages, and one 64 KiB message in 16 KiB reads, both
// masked as clients send them and with some text that is not ASCII.
func BenchmarkParser(b *testing.B) {
	small := masked(0x81, []byte(strings.Repeat("chat é ", 8)[:64]))
	var many []byte
	for len(many)+len(small) <= 16<<10 {
		many = append(many, small...)
	}
	large := masked(0x81, []byte(strings.Repeat("chat message é ", 4096)[:64<<10]))
	for _, bc := range []struct {
		name  string
		in    []byte
		chunk int
	}{
		{"64B", many, len(many)},
		{"64KiB", large, 16 << 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, len(bc.in))
			b.SetBytes(int64(len(bc.in)))
			ps := new(Parser)
			b.ReportAllocs()
			for b.Loop() {
				copy(buf, bc.in)
				ps.Reset(1 << 20)
				for p := buf; len(p) > 0; {
					n := min(bc.chunk, len(p))
					if err := ps.Feed(p[:n], discardSink{}); err != nil {
						b.Fatal(err)
					}
					p = p[n:]
				}
			}
		})
	}
}
