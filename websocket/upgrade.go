package websocket

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"duplex/websocket/frame"
)

// IsUpgradeRequest reports a WebSocket opening handshake (RFC 6455 §4.2.1)
// the way Jetty does for XP's req.webSocket: GET over HTTP/1.1 with
// Upgrade: websocket, a Connection token "upgrade" and a 16-byte key. The
// version is checked separately so the caller can answer 426.
func IsUpgradeRequest(r *http.Request) bool {
	if r.Method != http.MethodGet || r.ProtoMajor != 1 || r.ProtoMinor != 1 {
		return false
	}
	if !strings.EqualFold(strings.TrimSpace(r.Header.Get("Upgrade")), "websocket") {
		return false
	}
	if !hasToken(r.Header.Values("Connection"), "upgrade") {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	return err == nil && len(key) == 16
}

func hasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// VersionSupported reports Sec-WebSocket-Version: 13, the only version of
// RFC 6455.
func VersionSupported(r *http.Request) bool {
	return r.Header.Get("Sec-WebSocket-Version") == "13"
}

// RejectVersion answers an unsupported version as RFC 6455 §4.4 asks: 426
// naming the version we speak.
func RejectVersion(w http.ResponseWriter) {
	w.Header().Set("Sec-WebSocket-Version", "13")
	http.Error(w, "unsupported WebSocket version", http.StatusUpgradeRequired)
}

// Accept describes the session to create from an upgrade request.
type Accept struct {
	SubProtocols []string // server's list; the client's first offered protocol in it is chosen
	Path         string
	Params       map[string][]string
	Data         map[string]string
	User         any // opaque, set by the caller, may be nil
	Handler      Handler
	// Uncorked writes the 101 at once instead of with the open event's
	// replies: for handlers whose open event may wait on the very client
	// that connects (a script of this server connecting to its own
	// endpoint, while it holds the only free JavaScript runtime).
	Uncorked bool
}

// Accept hijacks and upgrades the connection (101), registers the session,
// queues its open event and starts reading. It returns once the upgrade is
// done; on failure it has answered HTTP itself and returns the error.
// permessage-deflate is never negotiated.
func (h *Hub) Accept(w http.ResponseWriter, r *http.Request, a Accept) error {
	if a.Handler == nil {
		http.Error(w, "websocket endpoint without handler", http.StatusInternalServerError)
		return ErrNoHandler
	}
	h.mu.RLock()
	shutting := h.shutting
	h.mu.RUnlock()
	if shutting {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return ErrShuttingDown
	}
	giveBack, err := h.opts.Limit.takeSlot(r.Context(), r.RemoteAddr)
	if err != nil {
		setting := "--max-connections"
		if errors.Is(err, ErrTooManyFromAddress) {
			setting = "--max-connections-per-ip"
		}
		h.log.Warn().Str("remote", r.RemoteAddr).Int("open", h.opts.Limit.Open()).Msg("websocket refused: " + err.Error() + "; raise " + setting)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "too many connections", http.StatusServiceUnavailable)
		return ErrTooManySessions
	}
	protocol, bad := checkHandshake(r, a.SubProtocols)
	if bad != nil {
		giveBack()
		bad.answer(w)
		h.log.Debug().Str("remote", r.RemoteAddr).Int("status", bad.status).Str("reason", bad.reason).Msg("websocket upgrade refused")
		return fmt.Errorf("websocket: bad handshake: %s", bad.reason)
	}
	// Hijacking through http.NewResponseController works behind
	// middleware that wraps the ResponseWriter.
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		giveBack()
		http.Error(w, "websocket upgrade not supported here", http.StatusInternalServerError)
		h.log.Warn().Str("remote", r.RemoteAddr).Err(err).Msg("websocket upgrade failed")
		return err
	}
	// The server's read and write deadlines were for the request.
	conn.SetDeadline(time.Time{})
	// Only bytes pipelined behind the handshake are taken from net/http's
	// reader; otherwise the socket is read directly, and the server's
	// connection state (and its buffers) can be collected.
	var br *bufio.Reader
	if rw.Reader.Buffered() > 0 {
		br = rw.Reader
	}
	return h.serveConn(conn, br, r, a, protocol, upgradeResponse(r.Header.Get("Sec-WebSocket-Key"), protocol))
}

// serveConn runs a session on a hijacked connection whose 101 response is
// resp (nil: already written).
func (h *Hub) serveConn(conn net.Conn, br *bufio.Reader, r *http.Request, a Accept, protocol string, resp []byte) error {
	s := newSession(h, conn, br, r, a, protocol)
	if resp != nil {
		if err := s.greet(resp); err != nil {
			h.opts.Limit.Release(s.remote)
			h.log.Debug().Str("remote", s.remote).Err(err).Msg("websocket upgrade failed")
			return err
		}
	}
	if !h.register(s) {
		h.opts.Limit.Release(s.remote)
		s.discard(frame.Close(StatusGoingAway, "server shutting down"))
		return ErrShuttingDown
	}
	if a.Uncorked && resp != nil {
		s.flushHeld()
	}
	// Registered before the open event: send and addToGroup work inside
	// the open handler (XP semantics).
	s.mu.Lock()
	s.openPending = true
	s.dispatching = true
	s.mu.Unlock()
	s.hub.runners.run(task{s, taskDispatch})
	s.startReading()
	return nil
}
