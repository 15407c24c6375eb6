package frame

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// StatusNoStatus is the code a close frame without payload stands for
// (RFC 6455 §7.4.1); it is never sent.
const StatusNoStatus = 1005

// PeerClose is how a received close frame leaves the frame reader: it ends
// the read loop like an error does.
type PeerClose struct {
	Code  int // 1005 when the frame had no payload
	Empty bool
}

func (p *PeerClose) Error() string { return "websocket: peer closed" }

// Echo is the code of the close frame that answers p: 0, an empty payload,
// for an empty one.
func (p *PeerClose) Echo() int {
	if p.Empty {
		return 0
	}
	return p.Code
}

// ErrCloseReasonUTF8 is kept apart from ws.ErrProtocolInvalidUTF8 (a
// ProtocolError) so that it maps to 1007 like any other invalid text.
var ErrCloseReasonUTF8 = errors.New("websocket: invalid UTF-8 in close reason")

// SendableCode reports whether code may appear in a close frame. gobwas/ws
// rejects the IANA-registered 1012-1014, which browsers and proxies do send.
func SendableCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003:
		return true
	case code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// ParseClose validates a received close payload (RFC 6455 §5.5.1, §7.4).
func ParseClose(p []byte) error {
	switch {
	case len(p) == 0:
		return &PeerClose{Code: StatusNoStatus, Empty: true}
	case len(p) == 1:
		return ws.ProtocolError("close payload of one byte")
	}
	code := int(binary.BigEndian.Uint16(p))
	if !SendableCode(code) {
		return ws.ErrProtocolStatusCodeUnknown
	}
	if !utf8.Valid(p[2:]) {
		return ErrCloseReasonUTF8
	}
	return &PeerClose{Code: code}
}
