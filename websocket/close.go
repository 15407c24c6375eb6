package websocket

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"duplex/websocket/frame"
)

// peerClose is how a received close frame leaves the frame reader: it ends
// the read loop like an error does.
type peerClose struct {
	code  int // 1005 when the frame had no payload
	empty bool
}

func (p *peerClose) Error() string { return "websocket: peer closed" }

// errCloseReasonUTF8 is kept apart from ws.ErrProtocolInvalidUTF8 (a
// ProtocolError) so that it maps to 1007 like any other invalid text.
var errCloseReasonUTF8 = errors.New("websocket: invalid UTF-8 in close reason")

// sendableCode reports whether code may appear in a close frame. gobwas/ws
// rejects the IANA-registered 1012-1014, which browsers and proxies do send.
func sendableCode(code int) bool {
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

// parseClose validates a received close payload (RFC 6455 §5.5.1, §7.4).
func parseClose(p []byte) error {
	switch {
	case len(p) == 0:
		return &peerClose{code: StatusNoStatus, empty: true}
	case len(p) == 1:
		return ws.ProtocolError("close payload of one byte")
	}
	code := int(binary.BigEndian.Uint16(p))
	if !sendableCode(code) {
		return ws.ErrProtocolStatusCodeUnknown
	}
	if !utf8.Valid(p[2:]) {
		return errCloseReasonUTF8
	}
	return &peerClose{code: code}
}

// readEnd is what the reader makes of the error that ended its loop.
type readEnd struct {
	code  int
	cause error  // non-nil when the peer broke the protocol: error event + log
	frame []byte // close frame to send, nil when the connection is gone
	peer  bool   // the peer sent a close frame
	drain bool   // the TCP stream is still usable: close it gracefully
}

func classify(err error) readEnd {
	var pc *peerClose
	var pe ws.ProtocolError
	code := 0
	switch {
	case errors.As(err, &pc):
		echo := pc.code
		if pc.empty {
			echo = 0
		}
		return readEnd{code: pc.code, frame: frame.Close(echo, ""), peer: true, drain: true}
	case errors.Is(err, errCloseReasonUTF8), errors.Is(err, wsutil.ErrInvalidUTF8):
		code = StatusInvalidPayload
	case errors.Is(err, wsutil.ErrFrameTooLarge), errors.Is(err, wsutil.ErrMessageTooLarge):
		code = StatusMessageTooBig
	case errors.As(err, &pe), errors.Is(err, ws.ErrHeaderLengthMSB), errors.Is(err, ws.ErrHeaderLengthUnexpected):
		code = StatusProtocolError
	default:
		return readEnd{code: StatusAbnormal}
	}
	return readEnd{code: code, cause: err, frame: frame.Close(code, ""), drain: true}
}

// closeNow is every server-initiated close (Hub.Close, Shutdown, idle,
// backlog): the close frame goes out at once, ahead of queued inbound
// events, while those events are still delivered before the close event.
func (s *Session) closeNow(code int, reason string, cause error, dropPending bool) bool {
	if !s.end(code, cause, nil, false) {
		return false
	}
	s.queueClose(frame.Close(code, reason), dropPending)
	return true
}
