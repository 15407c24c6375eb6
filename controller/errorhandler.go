package controller

import (
	"net/http"
	"strconv"

	"github.com/dop251/goja"

	"duplex/lib"
)

// errorScript is XP's application error handler (7.2+ for non-site
// requests): it may export handle<status> (handle404) or handleError.
const errorScript = "/error/error.js"

// ServeError answers status for a request of this application, through the
// app's error handler when it has one. The router uses it for the errors it
// finds before a controller runs (an unknown service, say).
func (e *Engine) ServeError(w http.ResponseWriter, r *http.Request, status int, message string) {
	e.renderError(w, r, &httpRequest{r: r, params: r.URL.Query()}, status, message, "")
}

// renderError runs error/error.js if the app has it, and falls back to the
// default page when it has no matching export, returns no object, or fails.
func (e *Engine) renderError(w http.ResponseWriter, r *http.Request, req *httpRequest, status int, message, stack string) {
	if message == "" {
		message = http.StatusText(status)
	}
	if !e.Exists(errorScript) {
		writeErrorPage(w, r, status, message, stack)
		return
	}
	var res *httpResponse
	err := e.run(r.Context(), lib.NewCall(lib.ScopeFrom(r.Context()), w, r), func(wk *worker) error {
		exports, err := wk.load(errorScript)
		if err != nil {
			return err
		}
		obj, ok := exports.(*goja.Object)
		if !ok {
			return nil
		}
		fn, ok := goja.AssertFunction(obj.Get("handle" + strconv.Itoa(status)))
		if !ok {
			if fn, ok = goja.AssertFunction(obj.Get("handleError")); !ok {
				return nil
			}
		}
		arg := wk.vm.NewObject()
		_ = arg.Set("status", status)
		_ = arg.Set("message", message)
		_ = arg.Set("request", wk.requestObject(req))
		v, err := fn(goja.Undefined(), arg)
		if err != nil {
			return err
		}
		if _, isObject := v.(*goja.Object); !isObject || isNullish(v) {
			return nil
		}
		res, err = wk.readResponse(v)
		if err == nil && isNullish(v.(*goja.Object).Get("status")) {
			res.status = status
		}
		return err
	})
	if err != nil {
		e.log.Error().Err(err).Str("script", errorScript).Int("status", status).Msg("error handler failed")
	}
	if err != nil || res == nil || (res.status >= 400 && !res.hasBody) {
		writeErrorPage(w, r, status, message, stack)
		return
	}
	e.writeResponse(w, r, res)
}
