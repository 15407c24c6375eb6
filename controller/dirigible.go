package controller

import (
	"context"
	"errors"
	"net/http"

	"github.com/dop251/goja"

	"duplex/lib"
	"duplex/websocket"
)

// handlerTarget names an Eclipse Dirigible handler module: file is its
// path in this engine's application, ref the name it was given by
// ("my-project/ws-handler"), which getClients() and the logs show.
type handlerTarget struct {
	file string
	ref  string
}

// The handler exports each Dirigible event calls.
var handlerExports = map[string]string{
	lib.MethodOpen:    "onOpen",
	lib.MethodMessage: "onMessage",
	lib.MethodError:   "onError",
	lib.MethodClose:   "onClose",
}

// ResolveModule returns the file the module path p ("/ws-handler") names,
// trying XP's candidates in order (".js", "/index.js", ...). It is asked for
// every outbound client event and service channel frame: outside dev mode
// a first candidate already compiled needs no file system call, as in
// Exists, and other answers are kept.
func (e *Engine) ResolveModule(p string) (string, error) {
	p, err := joinModulePath("/", p)
	if err != nil {
		return "", err
	}
	if e.reload == nil {
		if file, ok := e.modules.Load(p); ok {
			return file.(string), nil
		}
		if first := moduleCandidates(p)[0]; e.compiled(first) {
			return first, nil
		}
	}
	file, err := findModule(e.opts.FS, p)
	if err == nil && e.reload == nil {
		e.modules.Store(p, file)
	}
	return file, err
}

// compiled reports whether file is in the compiled-program cache.
func (e *Engine) compiled(file string) bool {
	_, ok := e.programs.Load(file)
	return ok
}

// AcceptHandler upgrades r to a session of a *.websocket endpoint whose
// events go to the Dirigible handler module file (named ref).
func (e *Engine) AcceptHandler(w http.ResponseWriter, r *http.Request, file, ref string) {
	log := e.log.With().Str("handler", ref).Str("path", r.URL.Path).Logger()
	params := map[string][]string(r.URL.Query())
	if len(params) == 0 {
		params = nil
	}
	h := &socketHandler{engine: e, script: file, dirigible: &handlerTarget{file: file, ref: ref}}
	// Dirigible's own template connects a script to its server's endpoint:
	// the 101 must not wait for an onOpen that waits for that script's
	// runtime.
	e.upgrade(w, r, log, h, websocket.Accept{Params: params, Uncorked: true})
}

// handlerEvent delivers one session event to the handler module. Dirigible
// keeps a session open whatever its handler throws: a failed onOpen or
// onMessage is logged and reported to onError, and the session goes on.
func (h *socketHandler) handlerEvent(ev *websocket.Event) error {
	var he lib.HandlerEvent
	switch ev.Type {
	case websocket.EventOpen:
		he.Method = lib.MethodOpen
	case websocket.EventMessage:
		if ev.Binary {
			// Dirigible's endpoints take text only (@OnMessage String);
			// RFC 6455's answer to data one cannot accept is 1003.
			h.engine.log.Info().Str("handler", h.dirigible.ref).Str("session", ev.Session.ID()).
				Msg("binary message to a Dirigible handler, which takes text only; closing with 1003")
			ev.Session.Hub().Close(ev.Session.ID(), 1003, "text messages only")
			return nil
		}
		he.Method, he.Message = lib.MethodMessage, string(ev.Message)
	case websocket.EventError:
		he.Method, he.Error = lib.MethodError, errorMessage(ev.Err)
	default:
		he.Method = lib.MethodClose
	}
	return h.engine.runHandler(h.dirigible, he, nil, h.scope, ev.Session)
}

// Dispatch runs ev in the handler module file of this engine (ref is the
// name it was given by). It implements the engine's half of
// lib.HandlerDispatcher; the application layer finds the engine.
func (e *Engine) Dispatch(file, ref string, ev lib.HandlerEvent, from *lib.Env) error {
	return e.runHandler(&handlerTarget{file: file, ref: ref}, ev, e.workerOf(from), nil, nil)
}

// workerOf returns the runtime of this engine that env belongs to, nil
// when it is another engine's (or none).
func (e *Engine) workerOf(env *lib.Env) *worker {
	if env == nil {
		return nil
	}
	e.allMu.RLock()
	defer e.allMu.RUnlock()
	for _, w := range e.all {
		if w.env == env {
			return w
		}
	}
	return nil
}

// runHandler runs one event in the handler module, on the runtime `from`
// when the event is raised inside a call of this engine, else on a free
// one. A reply that onMessage returns goes to session. What the handler
// throws goes to its onError; the error returned is what kept the event
// from running (no free runtime, shutdown) or what must stop the calling
// script (its own interruption).
func (e *Engine) runHandler(t *handlerTarget, ev lib.HandlerEvent, from *worker, scope *lib.Scope, session *websocket.Session) error {
	return e.handlerFailed(t, ev, e.handlerCall(t, ev, from, scope, session), from, scope, session)
}

// handlerFailed reports err, what running ev in the handler gave: logged,
// and given to onError when the handler threw (or rejected), ran out of
// time or left a Promise that never settles. It returns runHandler's
// error.
func (e *Engine) handlerFailed(t *handlerTarget, ev lib.HandlerEvent, err error, from *worker, scope *lib.Scope, session *websocket.Session) error {
	if err == nil {
		return nil
	}
	f := describe(err)
	switch f.kind {
	case failException, failTimeout, failOverflow, failMemory, failUnsettled, failOther:
	default:
		return err
	}
	var stopped *goja.InterruptedError
	if from != nil && errors.As(err, &stopped) {
		return err // the enclosing call's time is up: it must stop too
	}
	log := e.log.Warn().Str("handler", t.ref).Str("event", ev.Method)
	if session != nil {
		log = log.Str("session", session.ID())
	}
	log.Str("error", err.Error()).Msg("Dirigible handler failed")
	if ev.Method == lib.MethodError || ev.Method == lib.MethodClose || f.kind == failOther {
		// Reported already, or the module itself cannot load: onError
		// would fail the same way.
		return nil
	}
	onError := lib.HandlerEvent{Method: lib.MethodError, Error: f.message}
	if err := e.handlerCall(t, onError, from, scope, session); err != nil {
		if errors.As(err, &stopped) && from != nil {
			return err
		}
		e.log.Warn().Str("handler", t.ref).Str("event", lib.MethodError).Str("error", err.Error()).Msg("Dirigible handler failed")
	}
	return nil
}

// handlerCall evaluates the handler module afresh and calls the export for
// ev, with ev in the call's Dirigible context (net/websockets.getMethod()
// and friends read it).
func (e *Engine) handlerCall(t *handlerTarget, ev lib.HandlerEvent, from *worker, scope *lib.Scope, session *websocket.Session) error {
	values := map[string]any{"method": ev.Method, "handler": t.ref}
	switch ev.Method {
	case lib.MethodMessage:
		values["message"] = ev.Message
	case lib.MethodError:
		values["error"] = ev.Error
	}
	if from != nil {
		later, err := nestedHandlerCall(t, ev, from, session, values)
		if later != nil {
			err = e.awaitLater(t, ev, from, later)
		}
		return err
	}
	call := lib.NewCall(scope, nil, nil)
	call.Session = session
	call.Context = values
	// Nothing cancels an event from the network but its time limit.
	return e.run(context.Background(), call, func(wk *worker) error {
		_, err := wk.callHandler(t, ev, session, false)
		return err
	})
}

// nestedHandlerCall runs the handler inside a call of ours
// (createWebsocket's onOpen): the caller holds this runtime, so the event
// runs on it, in its time, as a call of its own that ends (core/globals
// writes back) before the client's next event can run elsewhere.
func nestedHandlerCall(t *handlerTarget, ev lib.HandlerEvent, from *worker, session *websocket.Session, values map[string]any) (goja.Value, error) {
	parent, mark := from.call, len(from.deferred)
	// As anonymous as the client's later events, which come from the
	// network: the creating call's user is not the client's.
	from.call = &lib.Call{Session: session, Context: values}
	defer func() {
		from.finishFrom(mark)
		from.call = parent
	}()
	return from.callHandler(t, ev, session, true)
}

// awaitLater follows the Promise that a handler run inside another call
// left pending. Its jobs run only when that call's own code has returned
// (goja runs them as the outermost call ends), so it cannot be awaited
// here: its rejection is reported when it happens, as runHandler reports
// a throw (logged, then onError), and a Promise still pending when the
// call it ran in ends is logged.
func (e *Engine) awaitLater(t *handlerTarget, ev lib.HandlerEvent, from *worker, later goja.Value) error {
	then, ok := goja.AssertFunction(later.(*goja.Object).Get("then"))
	if !ok {
		return errUnsettled // Promise.prototype.then replaced by a script
	}
	onRejected := func(c goja.FunctionCall) goja.Value {
		if err := e.handlerFailed(t, ev, from.rejection(c.Argument(0)), from, nil, nil); err != nil {
			panic(err) // interrupted: the enclosing call must stop
		}
		return goja.Undefined()
	}
	if _, err := then(later, goja.Undefined(), from.vm.ToValue(onRejected)); err != nil {
		return err
	}
	p := promiseOf(later)
	from.env.Defer(func() {
		if p.State() == goja.PromiseStatePending {
			e.log.Warn().Str("handler", t.ref).Str("event", ev.Method).Str("error", errUnsettled.Error()).
				Msg("Dirigible handler failed: its Promise had not settled when the call that ran it ended")
		}
	})
	return nil
}

// callHandler calls the export for ev, if the module has one: a handler
// that leaves one out does not want that event. Nested (inside another
// call), a Promise that is still pending is returned for awaitLater.
func (wk *worker) callHandler(t *handlerTarget, ev lib.HandlerEvent, session *websocket.Session, nested bool) (later goja.Value, err error) {
	exports, err := wk.loadFresh(t.file)
	if err != nil {
		return nil, err
	}
	name := handlerExports[ev.Method]
	obj, _ := exports.(*goja.Object)
	var fn goja.Callable
	if obj != nil {
		fn, _ = goja.AssertFunction(obj.Get(name))
	}
	if fn == nil {
		wk.engine.log.Debug().Str("handler", t.ref).Str("export", name).Msg("handler module has no such export; event skipped")
		return nil, nil
	}
	var args []goja.Value
	switch ev.Method {
	case lib.MethodMessage:
		args = []goja.Value{wk.vm.ToValue(ev.Message)}
	case lib.MethodError:
		args = []goja.Value{wk.vm.ToValue(ev.Error)}
	}
	v, err := fn(goja.Undefined(), args...)
	if nested && err == nil {
		if p := promiseOf(v); p != nil && p.State() == goja.PromiseStatePending {
			return v, nil
		}
	}
	v, err = wk.settle(v, err)
	if err != nil || session == nil || ev.Method != lib.MethodMessage {
		return nil, err
	}
	// Dirigible 7+ sends what onMessage returns back to its client; 5 and 6
	// gave a server handler no way to answer at all.
	if reply, ok := wk.replyText(v); ok {
		session.Hub().SendFrom(session, session.ID(), reply, false)
	}
	return nil, nil
}

// replyText is what a handler's return value sends: a string as it is,
// anything else but undefined and null as JSON.
func (wk *worker) replyText(v goja.Value) ([]byte, bool) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, false
	}
	if s, ok := v.Export().(string); ok {
		return []byte(s), true
	}
	if o, ok := v.(*goja.Object); ok {
		if data, err := wk.marshal(o); err == nil {
			return data, true
		}
	}
	return []byte(v.String()), true
}
