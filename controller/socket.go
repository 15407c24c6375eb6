package controller

import (
	"context"
	"errors"
	"net/http"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

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
	err := hub.Accept(w, r, websocket.Accept{
		SubProtocols: opts.SubProtocols,
		Path:         r.URL.Path,
		Params:       req.params,
		Data:         opts.Data,
		Handler:      &socketHandler{engine: e, script: t.Script},
	})
	if err != nil {
		log.Info().Err(err).Msg("WebSocket upgrade failed")
	}
}

// socketHandler delivers one session's events to the controller's
// webSocketEvent export, on whichever runtime is free.
type socketHandler struct {
	engine *Engine
	script string
}

// HandleEvent implements websocket.Handler. A controller without
// webSocketEvent ignores events, as XP does.
func (h *socketHandler) HandleEvent(ev *websocket.Event) error {
	return h.engine.run(context.Background(), func(wk *worker) error {
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
