package controller

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf16"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"duplex/lib"
	"duplex/websocket"
)

// acceptSocket upgrades a request whose get() returned `webSocket`. As in
// XP, the response's status, headers and cookies are not sent: the answer is
// the 101.
func (e *Engine) acceptSocket(w http.ResponseWriter, r *http.Request, t Target, req *httpRequest, opts *SocketOptions, log zerolog.Logger) {
	params := req.query()
	if len(params) == 0 {
		params = nil // an empty map still costs every idle session its header
	}
	e.upgrade(w, r, log, &socketHandler{engine: e, script: t.Script}, websocket.Accept{
		SubProtocols: opts.SubProtocols,
		Params:       params,
		Data:         opts.Data,
	})
}

// upgrade checks what every WebSocket upgrade must pass (hub, version,
// origin) and hands the connection to the hub, with handler running its
// events as the user the request came from.
func (e *Engine) upgrade(w http.ResponseWriter, r *http.Request, log zerolog.Logger, handler *socketHandler, a websocket.Accept) {
	handler.upgrade = e.endpoints.of(r)
	upgradeOn(e.opts.Hub, w, r, log, a, func(scope *lib.Scope) websocket.Handler {
		handler.scope = scope
		return handler
	})
}

// upgradeOn is upgrade onto any hub; handlerFor makes the session's handler
// for the scope (the user) of the request, nil when anonymous.
func upgradeOn(hub *websocket.Hub, w http.ResponseWriter, r *http.Request, log zerolog.Logger, a websocket.Accept, handlerFor func(*lib.Scope) websocket.Handler) {
	if hub == nil {
		log.Error().Msg("controller accepted a WebSocket but the application has no hub")
		writeErrorPage(w, r, http.StatusInternalServerError, "WebSockets are not enabled", "")
		return
	}
	scope := lib.ScopeFrom(r.Context())
	if scope != nil && scope.User != nil {
		a.User = scope.User
	}
	// A copy: the request's path shares the request line's memory, which
	// the session would otherwise keep for its lifetime.
	a.Path = strings.Clone(r.URL.Path)
	a.Handler = handlerFor(scope)
	a.Refuse = func(w http.ResponseWriter, r *http.Request, status int, message string) {
		writeErrorPage(w, r, status, message, "")
	}
	// Accept answers and logs its own refusals.
	_ = hub.Accept(w, r, a)
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
	// upgrade is where the upgrade request came to (its host), for the
	// URLs events build (/lib/xp/portal).
	upgrade *lib.Endpoint
	// dirigible, when set, makes this a session of a *.websocket endpoint:
	// its events go to a Dirigible handler module instead of
	// webSocketEvent.
	dirigible *handlerTarget
	// id is event.session.id, made once per session (sharedString)
	// rather than once per message.
	id goja.Value
}

// socketCall is what one event's call needs, in one allocation: a message
// cost a dozen small ones, and allocation and collection were a sixth of
// the echo's CPU time.
type socketCall struct {
	call  lib.Call
	event jsEvent
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
	if h.dirigible != nil {
		return h.handlerEvent(ev)
	}
	if h.id == nil {
		h.id = sharedString(ev.Session.ID())
	}
	sc := &socketCall{call: lib.MakeCall(h.scope, nil, nil)}
	sc.call.Session = ev.Session
	sc.call.Upgrade = h.upgrade
	return h.engine.run(context.Background(), &sc.call, func(wk *worker) error {
		exports, err := wk.load(h.script)
		if err != nil {
			return err
		}
		fn := wk.exportFn(h.script, exports, socketExport)
		if fn == nil {
			if ev.Type == websocket.EventMessage {
				ev.Session.Hub().CountUnhandled()
			}
			return nil
		}
		event := wk.initEvent(&sc.event, ev, h.id)
		// The argument list is the worker's: a call's variadic slice
		// escapes through goja.Callable and cost an allocation. goja
		// copies arguments onto its own stack on entry.
		wk.args[0] = event
		v, err := fn(goja.Undefined(), wk.args[:]...)
		wk.args[0] = nil
		_, err = wk.settle(v, err)
		return err
	})
}

// The own properties of XP's event objects, per event type. Fields that
// do not apply are left out rather than null, as in XP.
var (
	openKeys     = []string{"type", "session", "data"}
	messageKeys  = []string{"type", "session", "data", "message"}
	closeKeys    = []string{"type", "session", "data", "closeReason"}
	errorKeys    = []string{"type", "session", "data", "error"}
	sessionKeys  = []string{"id", "path", "params"}
	sessionUKeys = []string{"id", "path", "params", "user"}
)

// maxLazyKeys is the most names an event or session object starts with:
// their values live in the object itself (lazyProps.vals points there).
const maxLazyKeys = 4

// eventTypes are the values of event.type, made once for every runtime.
var eventTypes = func() (t [websocket.EventError + 1]goja.Value) {
	for i := websocket.EventOpen; i <= websocket.EventError; i++ {
		t[i] = sharedString(i.String())
	}
	return t
}()

// sharedString makes a JavaScript string that any runtime may use, from
// any goroutine: goja's strings made by StringFromUTF16 are immutable
// values, where Runtime.ToValue wraps a long Go string in one that
// converts itself lazily, on first use, by whichever runtime uses it.
func sharedString(s string) goja.Value {
	return goja.StringFromUTF16(utf16.Encode([]rune(s)))
}

// eventObject builds XP's event: a fresh object per event, whose fields
// are made when the script reads them (lazyProps).
func (wk *worker) eventObject(ev *websocket.Event) (goja.Value, error) {
	return wk.initEvent(new(jsEvent), ev, nil), nil
}

// initEvent makes e the event object of ev. What must outlive the handler
// is copied now: the message buffer is reused afterwards. id is
// event.session.id, nil to make it from the session.
func (wk *worker) initEvent(e *jsEvent, ev *websocket.Event, id goja.Value) goja.Value {
	e.wk, e.ev, e.session, e.sess.id = wk, ev.Type, ev.Session, id
	e.src = e
	switch ev.Type {
	case websocket.EventOpen:
		e.names = openKeys
	case websocket.EventMessage:
		e.names = messageKeys
		if ev.Binary {
			e.message = wk.vm.ToValue(wk.vm.NewArrayBuffer(append([]byte(nil), ev.Message...)))
		} else {
			e.message = wk.vm.ToValue(string(ev.Message))
		}
	case websocket.EventClose:
		e.names = closeKeys
		e.code = ev.CloseCode
	default:
		e.names = openKeys
		if ev.Err != nil {
			e.names = errorKeys
			e.err = errorMessage(ev.Err)
		}
	}
	e.vals = e.valBuf[:len(e.names)]
	return wk.vm.NewDynamicObject(e)
}

// jsEvent is one event object (a goja.DynamicObject through lazyProps),
// with room for its session object: nearly every handler reads
// event.session, for the id it answers to.
type jsEvent struct {
	lazyProps
	valBuf  [maxLazyKeys]goja.Value
	wk      *worker
	ev      websocket.EventType
	session *websocket.Session
	message goja.Value
	code    int
	err     string
	sess    jsSession
}

func (e *jsEvent) field(key string) goja.Value {
	vm := e.wk.vm
	switch key {
	case "type":
		return eventTypes[e.ev]
	case "session":
		s := &e.sess
		s.wk, s.s = e.wk, e.session
		s.src, s.names = s, sessionKeys
		if u, ok := e.session.User().(map[string]any); ok && u != nil {
			s.names = sessionUKeys
			s.user = u
		}
		s.vals = s.valBuf[:len(s.names)]
		return vm.NewDynamicObject(s)
	case "data":
		data := vm.NewObject()
		for k, v := range e.session.Data() {
			_ = data.Set(k, v)
		}
		return data
	case "message":
		return e.message
	case "closeReason":
		return vm.ToValue(e.code)
	case "error":
		return vm.ToValue(e.err)
	}
	return nil
}

// jsSession is event.session (a goja.DynamicObject through lazyProps).
type jsSession struct {
	lazyProps
	valBuf [maxLazyKeys]goja.Value
	wk     *worker
	s      *websocket.Session
	id     goja.Value // nil: made from s; set with the event
	user   map[string]any
}

func (s *jsSession) field(key string) goja.Value {
	switch key {
	case "id":
		if s.id != nil {
			return s.id
		}
		return s.wk.vm.ToValue(s.s.ID())
	case "path":
		return s.wk.vm.ToValue(s.s.Path())
	case "params":
		return s.wk.multiMap(s.s.Params())
	case "user":
		return s.wk.vm.ToValue(s.user)
	}
	return nil
}

// errorMessage is what XP puts in event.error: the exception's message, not
// Go's wrapping of it, in the same words as the HTTP error page.
func errorMessage(err error) string { return describe(err).message }
