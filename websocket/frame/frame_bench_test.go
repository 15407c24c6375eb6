package frame

import (
	"testing"

	"github.com/gobwas/ws"
)

// BenchmarkNewFrame is the cost of encoding one 64-byte text message, paid
// once per sendToGroup whatever the group's size.
func BenchmarkNewFrame(b *testing.B) {
	p := make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		New(ws.OpText, p)
	}
}
