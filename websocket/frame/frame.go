// Package frame is RFC 6455 without the I/O: the frames the server sends,
// the incremental parser of what clients send, the close payload rules, the
// stream check of UTF-8 text and the opening handshake. Package websocket
// runs it on sockets; nothing here knows of sessions or hubs.
package frame

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// maxCloseReason keeps a close payload within the 125 bytes RFC 6455 §5.5
// allows control frames.
const maxCloseReason = ws.MaxControlFramePayloadSize - 2

// New encodes one unfragmented, unmasked server frame. The result is
// immutable from then on: the same bytes are queued to every recipient.
func New(op ws.OpCode, payload []byte) []byte {
	hl := HeaderLen(len(payload))
	f := make([]byte, hl+len(payload))
	PutHeader(f, op, len(payload))
	copy(f[hl:], payload)
	return f
}

// HeaderLen is the length of an unmasked frame header for n payload bytes.
func HeaderLen(n int) int {
	switch {
	case n > 0xffff:
		return 10
	case n > 125:
		return 4
	}
	return 2
}

// PutHeader writes into f the unmasked header of a final frame of op with
// n payload bytes; f holds at least HeaderLen(n) bytes.
func PutHeader(f []byte, op ws.OpCode, n int) {
	f[0] = 0x80 | byte(op)
	switch HeaderLen(n) {
	case 2:
		f[1] = byte(n)
	case 4:
		f[1] = 126
		binary.BigEndian.PutUint16(f[2:], uint16(n))
	default:
		f[1] = 127
		binary.BigEndian.PutUint64(f[2:], uint64(n))
	}
}

// Close builds a close frame; code 0 means an empty payload (the
// echo of a close without status).
func Close(code int, reason string) []byte {
	if code == 0 {
		return New(ws.OpClose, nil)
	}
	reason = truncateUTF8(strings.ToValidUTF8(reason, "\uFFFD"), maxCloseReason)
	p := make([]byte, 2+len(reason))
	binary.BigEndian.PutUint16(p, uint16(code))
	copy(p[2:], reason)
	return New(ws.OpClose, p)
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune, so a
// truncated reason is still valid UTF-8 for the peer.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// WellFormed reports whether f is exactly what New makes of a
// message of at most maxPayload bytes: one final, unmasked text or binary
// frame without reserved bits, whose header declares the shortest length
// encoding of what follows, and whose text is UTF-8. Frames that arrive
// from other nodes are checked with it before they are queued to sockets:
// anything else would corrupt every recipient's stream.
func WellFormed(f []byte, maxPayload int64) bool {
	if len(f) < 2 || f[0]&0xf0 != 0x80 || f[1]&0x80 != 0 {
		return false
	}
	op := ws.OpCode(f[0] & 0x0f)
	if op != ws.OpText && op != ws.OpBinary {
		return false
	}
	var n int64
	hl := 2
	switch l := f[1] & 0x7f; l {
	case 126:
		if len(f) < 4 {
			return false
		}
		n, hl = int64(binary.BigEndian.Uint16(f[2:])), 4
	case 127:
		if len(f) < 10 {
			return false
		}
		u := binary.BigEndian.Uint64(f[2:])
		if u > uint64(maxPayload) {
			return false
		}
		n, hl = int64(u), 10
	default:
		n = int64(l)
	}
	if n > maxPayload || int64(len(f)-hl) != n || HeaderLen(int(n)) != hl {
		return false
	}
	return op == ws.OpBinary || utf8.Valid(f[hl:])
}
