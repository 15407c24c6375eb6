package websocket

import (
	"errors"

	"duplex/websocket/frame"
)

// Causes carried by error events the hub raises itself. Handler errors and
// protocol errors are passed through as they are.
var (
	ErrIdleTimeout     = errors.New("websocket: idle timeout")
	ErrBacklogExceeded = errors.New("websocket: outbound backlog exceeded")
	ErrShuttingDown    = errors.New("websocket: hub is shutting down")
	ErrTooManySessions = errors.New("websocket: connection limit reached")
	ErrNoHandler       = errors.New("websocket: Accept without a Handler")
	ErrOriginRefused   = errors.New("websocket: origin not allowed")
)

// Close status codes used by the hub (RFC 6455 §7.4.1).
const (
	StatusNormal          = 1000
	StatusGoingAway       = 1001
	StatusProtocolError   = 1002
	StatusNoStatus        = frame.StatusNoStatus
	StatusAbnormal        = 1006
	StatusInvalidPayload  = 1007
	StatusPolicyViolation = 1008
	StatusMessageTooBig   = 1009
	StatusInternalError   = 1011
)
