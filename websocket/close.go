package websocket

import (
	"errors"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"duplex/websocket/frame"
)

// readEnd is what the reader makes of the error that ended its loop.
type readEnd struct {
	code  int
	cause error  // non-nil when the peer broke the protocol: error event + log
	frame []byte // close frame to send, nil when the connection is gone
	peer  bool   // the peer sent a close frame
	drain bool   // the TCP stream is still usable: close it gracefully
}

func classify(err error) readEnd {
	var pc *frame.PeerClose
	var pe ws.ProtocolError
	code := 0
	switch {
	case errors.As(err, &pc):
		return readEnd{code: pc.Code, frame: frame.Close(pc.Echo(), ""), peer: true, drain: true}
	case errors.Is(err, frame.ErrCloseReasonUTF8), errors.Is(err, wsutil.ErrInvalidUTF8):
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
