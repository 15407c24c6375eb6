package controller

import (
	"context"
	"errors"
	"net/http"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"duplex/lib"
	"duplex/websocket"
)

// acceptSocket upgrades a request whose get() returned `webSocket`. As in
// XP, the response's status, headers and cookies are not sent: the answer is
// the 101.
func (e *Engine) acceptSocket(w http.ResponseWriter, r *http.Request, t Target, req *httpRequest, opts *SocketOptions, log zerolog.Logger) {
	hub := e.opts.Hub
	if hub == nil {
		log.Error().Msg("controller accepted a WebSocket but the application has no hub")
		writeErrorPage(w, r, http.StatusInternalServerError, "WebSockets are not enabled", "")
		return
	}
	if !websocket.VersionSupported(r) {
		log.Info().Str("version", r.Header.Get("Sec-WebSocket-Version")).Msg("unsupported WebSocket version")
		websocket.RejectVersion(w)
		return
	}
	if !hub.CheckOrigin(r) {
		log.Warn().Str("origin", r.Header.Get("Origin")).Msg("cross-origin WebSocket refused")
		writeErrorPage(w, r, http.StatusForbidden, "Origin not allowed", "")
		return
	}
	handler := &socketHandler{engine: e, script: t.Script}
	var user any
	if scope := lib.ScopeFrom(r.Context()); scope != nil {
		handler.scope = scope
		if scope.User != nil {
			user = scope.User
		}
	}
	err := hub.Accept(w, r, websocket.Accept{
		SubProtocols: opts.SubProtocols,
		Path:         r.URL.Path,
		Params:       req.params,
		Data:         opts.Data,
		User:         user,
		Handler:      handler,
	})
	if err != nil {
		log.Info().Err(err).Msg("WebSocket upgrade failed")
	}
}

// socketHandler delivers one session's events to the controller's
// webSocketEvent export, on whichever runtime is free. There is one per
// session, and the hub never runs two events of a session at once, so its
// fields need no lock.
type socketHandler struct {
	engine *Engine
	script string
	// scope is the upgrade request's: every event runs as the user who
	// opened the socket (XP 7.15), not as nobody.
	scope *lib.Scope
	// untrack ends what scope.Track started at the open event.
	untrack func()
}

// HandleEvent implements websocket.Handler. A controller without
// webSocketEvent ignores events, as XP does.
func (h *socketHandler) HandleEvent(ev *websocket.Event) error {
	if h.scope != nil && h.scope.Track != nil {
		switch ev.Type {
		case websocket.EventOpen:
			hub, id := h.engine.opts.Hub, ev.Session.ID()
			h.untrack = h.scope.Track(func(code int, reason string) { hub.Close(id, code, reason) })
		case websocket.EventClose:
			if h.untrack != nil {
				defer h.untrack()
				h.untrack = nil
			}
		}
	}
	return h.engine.run(context.Background(), lib.NewCall(h.scope, nil, nil), func(wk *worker) error {
		exports, err := wk.load(h.script)
		if err != nil {
			return err
		}
		obj, ok := exports.(*goja.Object)
		if !ok {
			return nil
		}
		fn, ok := goja.AssertFunction(obj.Get("webSocketEvent"))
		if !ok {
			return nil
		}
		_, err = fn(goja.Undefined(), wk.eventObject(ev))
		return err
	})
}

// eventObject builds XP's event: a fresh object per event, with the fields
// that do not apply left out rather than null.
func (wk *worker) eventObject(ev *websocket.Event) *goja.Object {
	vm := wk.vm
	s := ev.Session
	o := vm.NewObject()
	_ = o.Set("type", ev.Type.String())
	session := vm.NewObject()
	_ = session.Set("id", s.ID())
	_ = session.Set("path", s.Path())
	_ = session.Set("params", wk.multiMap(s.Params()))
	if u, ok := s.User().(map[string]any); ok && u != nil {
		_ = session.Set("user", vm.ToValue(u))
	}
	_ = o.Set("session", session)
	data := vm.NewObject()
	for k, v := range s.Data() {
		_ = data.Set(k, v)
	}
	_ = o.Set("data", data)
	switch ev.Type {
	case websocket.EventMessage:
		if ev.Binary {
			_ = o.Set("message", vm.NewArrayBuffer(append([]byte(nil), ev.Message...)))
		} else {
			_ = o.Set("message", string(ev.Message))
		}
	case websocket.EventClose:
		_ = o.Set("closeReason", ev.CloseCode)
	case websocket.EventError:
		if ev.Err != nil {
			_ = o.Set("error", errorMessage(ev.Err))
		}
	}
	return o
}

// errorMessage is what XP puts in event.error: the exception's message, not
// Go's wrapping of it.
func errorMessage(err error) string {
	var exc *goja.Exception
	if errors.As(err, &exc) {
		return exc.Value().String()
	}
	return err.Error()
}
