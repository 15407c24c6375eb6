package controller

import (
	"net/http"
	"strconv"

	"github.com/dop251/goja"

	"duplex/lib"
)

// errorScript is XP's application error handler (7.2+ for non-site
// requests): it may export handle<status> (handle404) or handleError.
const errorScript = "/error/error"

// ServeError answers status for a request of this application, mounted as
// t says, through the app's error handler when t lets it. The router uses
// it for the errors it finds before a controller runs (an unknown service,
// say).
func (e *Engine) ServeError(w http.ResponseWriter, r *http.Request, t Target, status int, message string) {
	e.renderError(w, r, &httpRequest{r: r, contextPath: t.ContextPath, appErrors: t.AppErrors}, status, message, "", "")
}

// renderError runs error/error.js if the app has it and the request is
// mounted where XP applies it, as ExceptionRendererImpl does: handle<status>
// first, then handleError when that export is missing or returns no
// object; the default page when neither answers or the handler fails.
// stack is shown on the default page (dev mode); thrown, the JavaScript
// stack of what the controller threw, makes the handler's exception.
func (e *Engine) renderError(w http.ResponseWriter, r *http.Request, req *httpRequest, status int, message, stack, thrown string) {
	if message == "" {
		message = http.StatusText(status)
	}
	script, ok := e.Controller(errorScript)
	if !req.appErrors || !ok {
		writeErrorPage(w, r, status, message, stack)
		return
	}
	var res *httpResponse
	err := e.run(r.Context(), lib.NewCall(lib.ScopeFrom(r.Context()), w, r), func(wk *worker) error {
		exports, err := wk.load(script)
		if err != nil {
			return err
		}
		obj, ok := exports.(*goja.Object)
		if !ok {
			return nil
		}
		arg := wk.vm.NewObject()
		_ = arg.Set("status", status)
		_ = arg.Set("message", message)
		_ = arg.Set("request", wk.requestObject(req))
		if thrown != "" {
			// XP passes the Java exception; scripts read its message and
			// log it. Here: what the controller threw, as an Error-like
			// object.
			exc := wk.vm.NewObject()
			_ = exc.Set("message", message)
			_ = exc.Set("stack", thrown)
			_ = exc.Set("toString", func(goja.FunctionCall) goja.Value { return wk.vm.ToValue(message) })
			_ = arg.Set("exception", exc)
		}
		for _, name := range []string{"handle" + strconv.Itoa(status), "handleError"} {
			fn, ok := goja.AssertFunction(obj.Get(name))
			if !ok {
				continue
			}
			v, err := wk.settle(fn(goja.Undefined(), arg))
			if err != nil {
				return err
			}
			if _, isObject := v.(*goja.Object); !isObject || isNullish(v) {
				continue // XP: no object, fall through
			}
			res, err = wk.readResponse(v)
			if err == nil && isNullish(v.(*goja.Object).Get("status")) {
				res.status = status
			}
			return err
		}
		return nil
	})
	if err != nil {
		e.log.Error().Err(err).Str("script", script).Int("status", status).Msg("error handler failed")
	}
	if err != nil || res == nil || (res.status >= 400 && !res.hasBody) {
		writeErrorPage(w, r, status, message, stack)
		return
	}
	e.writeResponse(w, r, res)
}
