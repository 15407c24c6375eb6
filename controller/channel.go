package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/rs/zerolog"

	"duplex/lib"
	"duplex/websocket"
)

// ModuleResolver finds the application engine and file that a Dirigible
// module path names: "/my-project/chat/chat_service.js" is the file
// /chat/chat_service.js of the application my-project.
type ModuleResolver func(module string) (*Engine, string, error)

// wrongFormat is Dirigible 2's answer to a frame that is not a request.
const wrongFormat = "Wrong format of the request"

// AcceptChannel upgrades r to a session of Eclipse Dirigible 2's service
// channel (ws://host/service/js) on hub: each text frame names a module to
// run and its parameters.
func AcceptChannel(hub *websocket.Hub, w http.ResponseWriter, r *http.Request, resolve ModuleResolver, log zerolog.Logger) {
	log = log.With().Str("channel", r.URL.Path).Logger()
	upgradeOn(hub, w, r, log, websocket.Accept{}, func(scope *lib.Scope) websocket.Handler {
		return &channelSession{resolve: resolve, scope: scope, log: log}
	})
}

// channelSession runs one channel session's requests, one at a time.
type channelSession struct {
	resolve ModuleResolver
	scope   *lib.Scope
	log     zerolog.Logger
}

// channelRequest is one frame: {"module": "...", "params": {...}}.
type channelRequest struct {
	Module *string                     `json:"module"`
	Params map[string]*json.RawMessage `json:"params"`
}

// HandleEvent implements websocket.Handler. Whatever a module does wrong is
// answered to its session as text; the session stays open, and no other
// session notices.
func (c *channelSession) HandleEvent(ev *websocket.Event) error {
	if ev.Type != websocket.EventMessage {
		return nil
	}
	s := ev.Session
	reply := func(text string) { s.Hub().SendFrom(s, s.ID(), []byte(text), false) }
	if ev.Binary {
		c.log.Info().Str("session", s.ID()).Msg("binary frame on the service channel, which takes JSON text; answered " + strconv.Quote(wrongFormat))
		reply(wrongFormat)
		return nil
	}
	module, params, ok := parseChannelRequest(ev.Message)
	if !ok {
		c.log.Info().Str("session", s.ID()).Msg("service channel request is not {\"module\": ..., \"params\": {...}}")
		reply(wrongFormat)
		return nil
	}
	engine, file, err := c.resolve(module)
	if err != nil {
		c.log.Info().Str("session", s.ID()).Str("module", module).Err(err).Msg("service channel module not found")
		reply("Module [" + module + "] not found")
		return nil
	}
	if err := engine.RunModule(file, params, c.scope, s); err != nil {
		f := describe(err)
		engine.log.Warn().Str("session", s.ID()).Str("module", module).Str("error", err.Error()).Msg("service channel module failed")
		reply("Error in [" + module + "]: " + f.message)
	}
	return nil
}

// parseChannelRequest reads a frame as Dirigible 2 did (Gson into a module
// name and a Map<String, String> of parameters): parameter values are
// strings, and numbers and booleans become their text.
func parseChannelRequest(frame []byte) (string, map[string]any, bool) {
	var req channelRequest
	dec := json.NewDecoder(bytes.NewReader(frame))
	if err := dec.Decode(&req); err != nil || dec.More() {
		return "", nil, false
	}
	if req.Module == nil || *req.Module == "" {
		return "", nil, false
	}
	params := make(map[string]any, len(req.Params))
	for k, raw := range req.Params {
		if raw == nil {
			params[k] = nil
			continue
		}
		var v any
		if err := json.Unmarshal(*raw, &v); err != nil {
			return "", nil, false
		}
		switch x := v.(type) {
		case string:
			params[k] = x
		case float64, bool:
			params[k] = string(*raw)
		default:
			return "", nil, false
		}
	}
	return *req.Module, params, true
}

// RunModule runs the module in file afresh, as a Dirigible service: params
// are what core/context.get answers, session (may be nil) what
// net/websocket.getSession() returns.
func (e *Engine) RunModule(file string, params map[string]any, scope *lib.Scope, session *websocket.Session) error {
	call := lib.NewCall(scope, nil, nil)
	call.Session = session
	call.Context = params
	return e.run(context.Background(), call, func(wk *worker) error {
		// A module that exports a Promise (module.exports = main(), main
		// async) is awaited: its rejection is the module's failure.
		_, err := wk.settle(wk.loadFresh(file))
		return err
	})
}
