package controller

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

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
	params := req.params
	if len(params) == 0 {
		params = nil // an empty map still costs every idle session its header
	}
	err := hub.Accept(w, r, websocket.Accept{
		SubProtocols: opts.SubProtocols,
		// A copy: the request's path shares the request line's memory,
		// which the session would otherwise keep for its lifetime.
		Path:    strings.Clone(r.URL.Path),
		Params:  params,
		Data:    opts.Data,
		User:    user,
		Handler: handler,
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
	call := lib.NewCall(h.scope, nil, nil)
	call.Session = ev.Session
	return h.engine.run(context.Background(), call, func(wk *worker) error {
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
		event, err := wk.eventObject(ev)
		if err != nil {
			return err
		}
		_, err = fn(goja.Undefined(), event)
		return err
	})
}

// eventFactorySource builds XP's event objects with object literals, one
// function per event type, so that fields that do not apply are left out
// rather than null. One call from Go per event is cheaper than setting each
// property from Go (a third less time in BenchmarkEventObject).
const eventFactorySource = `(function () {
  function session(id, path, params, user) {
    return user === undefined ? {id: id, path: path, params: params} : {id: id, path: path, params: params, user: user};
  }
  return [
    function (id, path, params, user, data) { return {type: "open", session: session(id, path, params, user), data: data}; },
    function (id, path, params, user, data, message) { return {type: "message", session: session(id, path, params, user), data: data, message: message}; },
    function (id, path, params, user, data, code) { return {type: "close", session: session(id, path, params, user), data: data, closeReason: code}; },
    function (id, path, params, user, data, error) { return error === undefined ?
      {type: "error", session: session(id, path, params, user), data: data} :
      {type: "error", session: session(id, path, params, user), data: data, error: error}; }
  ];
})()`

// eventFactories are compiled once per engine and instantiated once per
// runtime, in the order of eventFactorySource.
func (wk *worker) eventFactories() ([]goja.Callable, error) {
	if wk.events != nil {
		return wk.events, nil
	}
	prg, err := wk.engine.eventProgram()
	if err != nil {
		return nil, err
	}
	v, err := wk.vm.RunProgram(prg)
	if err != nil {
		return nil, err
	}
	arr := v.ToObject(wk.vm)
	fns := make([]goja.Callable, 4)
	for i := range fns {
		fn, ok := goja.AssertFunction(arr.Get(strconv.Itoa(i)))
		if !ok {
			return nil, errors.New("controller: event factory is not a function")
		}
		fns[i] = fn
	}
	wk.events = fns
	return fns, nil
}

// eventObject builds XP's event: a fresh object per event.
func (wk *worker) eventObject(ev *websocket.Event) (goja.Value, error) {
	fns, err := wk.eventFactories()
	if err != nil {
		return nil, err
	}
	vm := wk.vm
	s := ev.Session
	user := goja.Undefined()
	if u, ok := s.User().(map[string]any); ok && u != nil {
		user = vm.ToValue(u)
	}
	data := vm.NewObject()
	for k, v := range s.Data() {
		_ = data.Set(k, v)
	}
	args := [6]goja.Value{vm.ToValue(s.ID()), vm.ToValue(s.Path()), wk.multiMap(s.Params()), user, data, goja.Undefined()}
	var fn goja.Callable
	switch ev.Type {
	case websocket.EventOpen:
		fn = fns[0]
	case websocket.EventMessage:
		fn = fns[1]
		if ev.Binary {
			args[5] = vm.ToValue(vm.NewArrayBuffer(append([]byte(nil), ev.Message...)))
		} else {
			args[5] = vm.ToValue(string(ev.Message))
		}
	case websocket.EventClose:
		fn = fns[2]
		args[5] = vm.ToValue(ev.CloseCode)
	default:
		fn = fns[3]
		if ev.Err != nil {
			args[5] = vm.ToValue(errorMessage(ev.Err))
		}
	}
	return fn(goja.Undefined(), args[:]...)
}

// errorMessage is what XP puts in event.error: the exception's message, not
// Go's wrapping of it, in the same words as the HTTP error page.
func errorMessage(err error) string { return describe(err).message }
