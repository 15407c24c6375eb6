package websocket

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// BenchmarkSendToGroup1000 fans messages out to 1000 members connected over
// real loopback sockets whose clients read and discard. The clock covers
// delivery: it stops once every client has read every message.
//
//	go test -run '^$' -bench SendToGroup1000 -benchtime 200000x ./websocket
func BenchmarkSendToGroup1000(b *testing.B) {
	const members = 1000
	const round = 256 // messages between waits, bounding the backlogs
	h := newRecHandler()
	h.noEcho = true
	h.opened = make(chan *Session, members)
	h.open = func(s *Session) error {
		h.hub.AddToGroup("bench", s.ID())
		return nil
	}
	ts := newTestServer(b, Options{}, h)

	var delivered atomic.Int64
	var wg sync.WaitGroup
	conns := make([]net.Conn, 0, members)
	for i := 0; i < members; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		conn, br, _, err := ws.Dialer{}.Dial(ctx, "ws://"+ts.addr+"/bench")
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, conn)
		var r io.Reader = conn
		if br != nil {
			r = io.MultiReader(br, conn)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			discardFrames(bufio.NewReaderSize(r, 32<<10), &delivered)
		}()
		h.nextOpen(b)
	}
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	})
	if n := ts.hub.GroupSize("bench"); n != members {
		b.Fatalf("group size %d", n)
	}
	msg := make([]byte, 64)
	wait := func(target int64) {
		deadline := time.Now().Add(30 * time.Second)
		for delivered.Load() < target {
			if time.Now().After(deadline) {
				b.Fatalf("delivered %d of %d", delivered.Load(), target)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n := ts.hub.SendToGroup("bench", msg, true); n != members {
			b.Fatalf("SendToGroup = %d", n)
		}
		if (i+1)%round == 0 {
			wait(int64(i+1) * members)
		}
	}
	wait(int64(b.N) * members)
	b.StopTimer()
	b.ReportMetric(float64(b.N)*members/b.Elapsed().Seconds(), "deliveries/s")
}

// discardFrames reads server frames (unmasked) and counts them.
func discardFrames(br *bufio.Reader, n *atomic.Int64) {
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(br, hdr[:2]); err != nil {
			return
		}
		length := int(hdr[1] & 0x7f)
		switch length {
		case 126:
			if _, err := io.ReadFull(br, hdr[:2]); err != nil {
				return
			}
			length = int(binary.BigEndian.Uint16(hdr[:2]))
		case 127:
			if _, err := io.ReadFull(br, hdr[:8]); err != nil {
				return
			}
			length = int(binary.BigEndian.Uint64(hdr[:8]))
		}
		if _, err := br.Discard(length); err != nil {
			return
		}
		n.Add(1)
	}
}
