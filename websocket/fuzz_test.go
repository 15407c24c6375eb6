package websocket

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/rs/zerolog"
)

type fuzzEcho struct{ h *Hub }

func (e fuzzEcho) HandleEvent(ev *Event) error {
	if ev.Type == EventMessage {
		e.h.Send(ev.Session.ID(), ev.Message, ev.Binary)
	}
	return nil
}

func maskedFrame(op ws.OpCode, fin bool, payload []byte) []byte {
	f := ws.NewFrame(op, fin, payload)
	f = ws.MaskFrame(f)
	var b []byte
	w := &byteWriter{&b}
	_ = ws.WriteFrame(w, f)
	return b
}

type byteWriter struct{ b *[]byte }

func (w *byteWriter) Write(p []byte) (int, error) { *w.b = append(*w.b, p...); return len(p), nil }

// FuzzReadFrames feeds arbitrary bytes to a session's read path, as a peer
// would after the handshake. Whatever arrives, the session must end (no
// hang), nothing may panic, and the hub must be left empty.
func FuzzReadFrames(f *testing.F) {
	f.Add(maskedFrame(ws.OpText, true, []byte("hello")))
	f.Add(maskedFrame(ws.OpBinary, true, []byte{0, 1, 2}))
	f.Add(append(maskedFrame(ws.OpText, false, []byte("he")), maskedFrame(ws.OpContinuation, true, []byte("llo"))...))
	f.Add(append(maskedFrame(ws.OpText, false, []byte("a")), append(maskedFrame(ws.OpPing, true, []byte("p")), maskedFrame(ws.OpContinuation, true, []byte("b"))...)...))
	f.Add(maskedFrame(ws.OpClose, true, []byte{0x03, 0xe8}))
	f.Add(maskedFrame(ws.OpClose, true, []byte{0x03}))
	f.Add(maskedFrame(ws.OpText, true, []byte{0xce, 0xba, 0xed, 0xa0, 0x80}))
	f.Add(ws.MustCompileFrame(ws.NewTextFrame([]byte("unmasked"))))
	f.Add([]byte{0x82, 0xff, 0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4})
	f.Add([]byte{0xf1, 0x80, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		h := NewHub(Options{
			MaxMessage:   1024,
			CloseTimeout: 50 * time.Millisecond,
			WriteTimeout: 200 * time.Millisecond,
			IdleTimeout:  -1,
			PingInterval: -1,
		}, zerolog.Nop())
		client, server := net.Pipe()
		go io.Copy(io.Discard, client)
		req := httptest.NewRequest("GET", "/fuzz", nil)
		if err := h.serveConn(server, bufio.NewReader(server), req, Accept{Handler: fuzzEcho{h}}, "", nil); err != nil {
			t.Fatal(err)
		}
		client.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
		client.Write(data)
		client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Fatalf("session did not end after %d bytes: %v", len(data), err)
		}
		if n := h.SessionCount(); n != 0 {
			t.Fatalf("%d sessions left in the hub", n)
		}
	})
}
