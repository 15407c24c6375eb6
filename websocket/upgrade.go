package websocket

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"duplex/websocket/frame"
)

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
	// Refuse answers a refused origin (403) the caller's way (its error
	// page); nil answers in plain text.
	Refuse func(w http.ResponseWriter, r *http.Request, status int, message string)
}

// Accept is the one gate of every upgrade: it checks the handshake (RFC
// 6455 §4.2.1: method, version, key), the origin (§10.2) and the
// connection budget, then hijacks and upgrades the connection (101),
// registers the session, runs its open event on the calling goroutine and
// starts reading. It returns once the open handler has returned (a
// handler that waits holds the caller: net/http's goroutine, or a fast
// path poller, which its stall watch replaces); on failure it has answered
// HTTP itself, logged one line and returns the error. permessage-deflate
// is never negotiated.
func (h *Hub) Accept(w http.ResponseWriter, r *http.Request, a Accept) error {
	if a.Handler == nil {
		h.log.Error().Str("path", r.URL.Path).Msg("websocket upgrade without a handler")
		http.Error(w, "websocket endpoint without handler", http.StatusInternalServerError)
		return ErrNoHandler
	}
	h.mu.RLock()
	shutting := h.shutting
	h.mu.RUnlock()
	if shutting {
		h.log.Info().Str("remote", r.RemoteAddr).Msg("websocket refused: shutting down")
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return ErrShuttingDown
	}
	protocol, bad := frame.CheckHandshake(r, a.SubProtocols)
	if bad != nil {
		bad.Answer(w)
		ev := h.log.Debug()
		if bad.Status == http.StatusUpgradeRequired {
			ev = h.log.Info().Str("version", r.Header.Get("Sec-WebSocket-Version"))
		}
		ev.Str("remote", r.RemoteAddr).Int("status", bad.Status).Str("reason", bad.Reason).Msg("websocket upgrade refused")
		return fmt.Errorf("websocket: bad handshake: %s", bad.Reason)
	}
	if !h.checkOrigin(r) {
		h.log.Warn().Str("remote", r.RemoteAddr).Str("origin", r.Header.Get("Origin")).Msg("cross-origin WebSocket refused; " + OriginAdvice(r))
		if a.Refuse != nil {
			a.Refuse(w, r, http.StatusForbidden, "Origin not allowed")
		} else {
			http.Error(w, "Origin not allowed", http.StatusForbidden)
		}
		return ErrOriginRefused
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
	return h.serveConn(conn, br, r, a, protocol, frame.UpgradeResponse(r.Header.Get("Sec-WebSocket-Key"), protocol))
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
	// The open event is pending and this goroutine its dispatcher from
	// the start: once registered, the session is the hub's to close (a
	// shutdown may come at once), and a close queued before these were
	// set started a second dispatcher, whose close event could run before
	// or beside the open event. Not shared yet, so no lock.
	s.openPending = true
	s.dispatching = true
	if !h.register(s) {
		h.log.Info().Str("remote", s.remote).Msg("websocket refused: shutting down")
		h.opts.Limit.Release(s.remote)
		s.discard(frame.Close(StatusGoingAway, "server shutting down"))
		return ErrShuttingDown
	}
	if a.Uncorked && resp != nil {
		s.flushHeld()
	}
	// Registered before the open event: send and addToGroup work inside
	// the open handler (XP semantics). The open event runs here, on the
	// goroutine that ran the upgrade's get, before the socket is read:
	// only the open handler's own doings (a close, the hub's shutdown) can
	// queue more, so this stays bounded. Handed to a runner, it cost a
	// goroutine hand-off per upgrade.
	s.dispatch()
	s.startReading()
	return nil
}
