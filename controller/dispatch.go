package controller

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"duplex/lib"
	"duplex/websocket/frame"
)

// Target names the controller that answers a request.
type Target struct {
	// Script is the controller's path in the app, e.g. "/webapp/webapp.js".
	Script string
	// ContextPath is the URL prefix the controller is mounted at.
	ContextPath string
	// AppErrors lets the application's error/error.js render this
	// request's errors. XP applies it under a webapp (or site) only: the
	// errors of a service called at the root, /_/service/<app>/<name>, get
	// the default page.
	AppErrors bool
}

// allowedMethods are XP 7.15's HttpMethod.standard(); anything else is 405
// before a script runs.
var allowedMethods = map[string]string{
	http.MethodGet: "get", http.MethodPost: "post", http.MethodHead: "get",
	http.MethodOptions: "options", http.MethodPut: "put", http.MethodDelete: "delete",
	http.MethodTrace: "trace", http.MethodPatch: "patch",
}

const allowHeader = "GET,POST,HEAD,OPTIONS,PUT,DELETE,TRACE,PATCH"

// outcome is what a call decided beyond the response itself.
type outcome int

const (
	answered outcome = iota
	noHandler
)

// Serve runs the controller t for one HTTP request.
func (e *Engine) Serve(w http.ResponseWriter, r *http.Request, t Target) {
	// The request's logger is made when there is something to log: made
	// for every request, it was a tenth of the bytes a plain GET allocated
	// outside the script.
	log := func() *zerolog.Logger {
		l := e.log.With().Str("script", t.Script).Str("method", r.Method).Str("path", r.URL.Path).Logger()
		return &l
	}
	export, ok := allowedMethods[r.Method]
	if !ok {
		log().Info().Msg("method not allowed")
		w.Header().Set("Allow", allowHeader)
		writeErrorPage(w, r, http.StatusMethodNotAllowed, "Method "+r.Method+" not allowed", "")
		return
	}
	req, status, err := e.readRequest(w, r, t)
	if err != nil {
		if status == http.StatusServiceUnavailable {
			log().Warn().Err(err).Int64("budget", e.opts.Bodies.Max()).Msg("request refused before its body was read")
			w.Header().Set("Retry-After", "1")
		} else {
			log().Info().Err(err).Int("status", status).Msg("bad request")
		}
		writeErrorPage(w, r, status, err.Error(), "")
		return
	}
	defer e.releaseBody(req)
	var res *httpResponse
	result := answered
	err = e.run(r.Context(), lib.NewCall(lib.ScopeFrom(r.Context()), w, r), func(wk *worker) error {
		exports, err := wk.load(t.Script)
		if err != nil {
			return err
		}
		fn := wk.handlerFor(t.Script, exports, export)
		if fn == nil {
			result = noHandler
			return nil
		}
		v, err := wk.settle(fn(goja.Undefined(), wk.requestObject(req)))
		if err != nil {
			return err
		}
		res, err = wk.readResponse(v)
		if err == nil && req.webSocket && res.webSocket != nil {
			wk.checkSocketExports(t.Script, exports)
		}
		return err
	})
	switch {
	case err != nil:
		e.writeFailure(w, r, req, *log(), err)
	case result == noHandler && r.Method == http.MethodOptions:
		w.Header().Set("Allow", allowHeader)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	case result == noHandler:
		log().Info().Msg("no handler for method")
		w.Header().Set("Allow", allowHeader)
		e.renderError(w, r, req, http.StatusMethodNotAllowed, "Method "+r.Method+" not allowed", "", "")
	case req.webSocket && res.webSocket != nil:
		e.acceptSocket(w, r, t, req, res.webSocket, *log())
	case res.status >= 400 && !res.hasBody:
		// XP turns a bodiless error status into an error, rendered by the
		// app's error handler or the default page.
		e.applyHeaders(w, res)
		e.renderError(w, r, req, res.status, "", "", "")
	default:
		e.writeResponse(w, r, res)
	}
}

// handlerFor picks the export XP would call: the method's name, else `all`.
func (wk *worker) handlerFor(script string, exports goja.Value, name string) goja.Callable {
	if fn := wk.exportFn(script, exports, name); fn != nil {
		return fn
	}
	return wk.exportFn(script, exports, "all")
}

// readRequest gathers the parameters and the text body before a runtime is
// borrowed. It answers the status to send when the request is unreadable.
func (e *Engine) readRequest(w http.ResponseWriter, r *http.Request, t Target) (*httpRequest, int, error) {
	req := &httpRequest{r: r, contextPath: t.ContextPath, appErrors: t.AppErrors, webSocket: frame.IsUpgradeRequest(r)}
	ct := r.Header.Get("Content-Type")
	if ct == "" || r.Body == nil || r.Body == http.NoBody {
		return req, 0, nil
	}
	mt, _, _ := mime.ParseMediaType(ct)
	text := isTextType(ct)
	form := mt == "application/x-www-form-urlencoded"
	if !text && !form {
		return req, 0, nil
	}
	tooBig := errors.New("request body larger than " + strconv.FormatInt(e.opts.MaxBody, 10) + " bytes (--max-body)")
	if r.ContentLength > e.opts.MaxBody {
		return nil, http.StatusRequestEntityTooLarge, tooBig
	}
	if b := e.opts.Bodies; b != nil {
		// A body of unknown length may take up to MaxBody; what it did
		// not use is given back once it is read.
		want := r.ContentLength
		if want < 0 {
			want = e.opts.MaxBody
		}
		if !b.take(want) {
			return nil, http.StatusServiceUnavailable, errBodyBudget
		}
		req.held = want
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.opts.MaxBody))
	if err != nil {
		e.releaseBody(req)
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, http.StatusRequestEntityTooLarge, tooBig
		}
		return nil, http.StatusBadRequest, err
	}
	if req.held > int64(len(data)) {
		e.opts.Bodies.give(req.held - int64(len(data)))
		req.held = int64(len(data))
	}
	if text {
		body := string(data)
		req.body = &body
		return req, 0, nil
	}
	formValues, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, http.StatusBadRequest, errors.New("malformed form body")
	}
	req.form = formValues
	return req, 0, nil
}

// errBodyBudget refuses a request whose body does not fit in what the
// server may hold of request bodies at once.
var errBodyBudget = errors.New("the server holds as many request bodies as it may (--max-buffered-bodies); retry shortly")

// releaseBody gives back what the request's body took from the budget.
func (e *Engine) releaseBody(req *httpRequest) {
	if req.held > 0 {
		e.opts.Bodies.give(req.held)
		req.held = 0
	}
}

// applyHeaders copies a response's headers, cookies and Location.
func (e *Engine) applyHeaders(w http.ResponseWriter, res *httpResponse) {
	h := w.Header()
	for k, v := range res.headers {
		h[k] = v
	}
	for _, c := range res.cookies {
		if s := c.String(); s != "" {
			h.Add("Set-Cookie", s)
		}
	}
	if res.redirect != "" {
		h.Set("Location", res.redirect)
	}
}

func (e *Engine) writeResponse(w http.ResponseWriter, r *http.Request, res *httpResponse) {
	e.applyHeaders(w, res)
	h := w.Header()
	if res.status >= 400 && !res.hasBody {
		writeErrorPage(w, r, res.status, "", "")
		return
	}
	if res.status < 100 || res.status > 999 {
		e.log.Error().Int("status", res.status).Msg("controller returned an invalid status")
		writeErrorPage(w, r, http.StatusInternalServerError, "invalid status", "")
		return
	}
	h.Set("Content-Type", res.contentType)
	h.Set("Content-Length", strconv.Itoa(len(res.body)))
	w.WriteHeader(res.status)
	if r.Method != http.MethodHead && len(res.body) > 0 {
		_, _ = w.Write(res.body) // net/http keeps no reference to it
	}
	if res.pooled != nil {
		e.bodyBufs.put(res.pooled, res.body)
		res.body, res.pooled = nil, nil
	}
}

// writeFailure answers a call that did not complete: 500 for script errors
// and timeouts, 503 when no runtime was free; a client that went away gets
// nothing.
func (e *Engine) writeFailure(w http.ResponseWriter, r *http.Request, req *httpRequest, log zerolog.Logger, err error) {
	f := describe(err)
	status := http.StatusInternalServerError
	switch f.kind {
	case failCanceled:
		log.Debug().Msg("client went away during the call")
		return
	case failBusy, failShutdown:
		// The error handler would need a runtime too, and none is free.
		msg := "call not run"
		if f.kind == failBusy {
			msg = "call not run: no runtime was free within twice --js-timeout; raise --js-workers, or make calls shorter"
		}
		log.Warn().Err(err).Msg(msg)
		writeErrorPage(w, r, http.StatusServiceUnavailable, f.message, "")
		return
	case failTimeout:
		log.Error().Err(err).Dur("timeout", e.opts.Timeout).Msg("controller timed out (--js-timeout)")
	case failOverflow:
		log.Error().Err(err).Msg("controller exceeded the call stack (--js-max-stack)")
	case failMemory:
		log.Error().Err(err).Msg("controller stopped: the heap passed --js-max-memory while it ran")
	case failException:
		log.Error().Str("error", err.Error()).Msg("controller threw")
	case failUnsettled:
		log.Error().Str("error", err.Error()).Msg("controller returned a Promise that never settles")
	default:
		log.Error().Err(err).Msg("controller failed")
	}
	stack := ""
	if e.opts.Dev {
		stack = f.stack
		if stack == "" {
			stack = err.Error()
		}
	}
	thrown := ""
	if f.kind == failException {
		thrown = f.stack
	}
	e.renderError(w, r, req, status, strings.TrimSpace(f.message), stack, thrown)
}
