package app

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"duplex/controller"
	"duplex/websocket/frame"
)

// dirigibleEndpoint serves a *.websocket descriptor's endpoint: the upgrade
// runs the handler module's onOpen, onMessage, onError and onClose.
func (rt *router) dirigibleEndpoint(w http.ResponseWriter, r *http.Request) {
	p := rt.platform
	name := chi.URLParam(r, "endpoint")
	ep := p.endpoint.lookup(name, p.apps, rt.log)
	if ep == nil {
		rt.notFound(w, r, "WebSocket endpoint ["+name+"] not found")
		return
	}
	log := rt.log.With().Str("app", ep.app.Name).Str("endpoint", name).Str("descriptor", ep.file).Logger()
	if !frame.IsUpgradeRequest(r) {
		log.Info().Str("method", r.Method).Msg("request to a WebSocket endpoint without an upgrade")
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Sec-WebSocket-Version", "13")
		controller.WriteError(w, r, http.StatusUpgradeRequired, "WebSocket endpoint ["+name+"]: connect with a WebSocket client")
		return
	}
	a, file, err := p.resolve(ep.handler)
	if err != nil {
		log.Error().Err(err).Msg("WebSocket descriptor's handler not found")
		controller.WriteError(w, r, http.StatusInternalServerError, "WebSocket endpoint ["+name+"] has no handler")
		return
	}
	rt.identified(w, r, func(w http.ResponseWriter, r *http.Request) {
		a.Engine.AcceptHandler(w, r, file, ep.handler)
	})
}

// dirigibleChannel serves Eclipse Dirigible 2's service channel: js is the
// one engine it had that duplex has.
func (rt *router) dirigibleChannel(w http.ResponseWriter, r *http.Request) {
	if kind := chi.URLParam(r, "type"); kind != "js" {
		rt.notFound(w, r, "Service channel ["+kind+"] not found: duplex runs JavaScript only (/service/js)")
		return
	}
	if !frame.IsUpgradeRequest(r) {
		rt.log.Info().Str("path", r.URL.Path).Msg("request to the service channel without an upgrade")
		w.Header().Set("Upgrade", "websocket")
		controller.WriteError(w, r, http.StatusUpgradeRequired, "The service channel takes WebSocket connections")
		return
	}
	rt.identified(w, r, func(w http.ResponseWriter, r *http.Request) {
		controller.AcceptChannel(rt.platform.channel, w, r, rt.platform.resolveModule, rt.log)
	})
}
