package app

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"duplex/app/auth"
	"duplex/controller"
	"duplex/lib"
	xpauth "duplex/lib/auth"
	"duplex/websocket"
)

// router serves a set of applications with XP's URL conventions.
type router struct {
	platform *Platform
	apps     map[string]*App
	first    *App
	// identify puts the caller in a request's context. It wraps only what
	// runs a controller, not the router as a whole: an asset or a 404 must
	// not pay the bcrypt of HTTP Basic credentials, nor count against the
	// login throttle.
	identify func(http.Handler) http.Handler
	// id is the id provider (nil: everyone is anonymous). While it has
	// users they may log in, with HTTP Basic too, so a refusal of the
	// anonymous is a 401 that says so (RFC 9110 §11.6.1 asks a 401 to
	// carry a challenge).
	id *auth.Auth
	// origins are those whose pages may post the login form.
	origins websocket.Origins
	log     zerolog.Logger
}

// Handler mounts the platform's apps; the first one also answers "/" and
// every path no other route claims. id (nil: everyone is anonymous) tells
// who each request comes from.
func Handler(p *Platform, id *auth.Auth, log zerolog.Logger) http.Handler {
	rt := &router{platform: p, apps: p.byName, identify: anonymous, origins: websocket.NewOrigins(p.cfg.WebSocket.AllowedOrigins), log: log}
	if id != nil {
		rt.identify = id.Identify
		rt.id = id
	}
	if len(p.apps) > 0 {
		rt.first = p.apps[0]
	}
	r := chi.NewRouter()
	r.Use(recoverPanics(log))
	r.Use(withTLSState)
	r.Use(p.proxies.middleware(log))
	r.Use(refuseLargeBodies(p.cfg.MaxBody, log))
	r.Use(closeAmbiguousLength(log))
	r.HandleFunc("/_/service/{app}/{service}", rt.service)
	r.HandleFunc("/_/service/{app}/{service}/*", rt.service)
	r.HandleFunc("/_/asset/{app}/*", rt.asset)
	r.HandleFunc("/_/idprovider/*", func(w http.ResponseWriter, r *http.Request) {
		rt.idProvider(w, r, "", strings.TrimPrefix(r.URL.Path, "/_/idprovider/"))
	})
	r.HandleFunc("/webapp/{app}", rt.webapp)
	r.HandleFunc("/webapp/{app}/*", rt.webapp)
	// Eclipse Dirigible's *.websocket endpoints: 5.x and 6.x served them
	// below v4/, early 7.x without it.
	r.HandleFunc("/websockets/v4/service/{endpoint}", rt.dirigibleEndpoint)
	r.HandleFunc("/websockets/service/{endpoint}", rt.dirigibleEndpoint)
	if p.channel != nil {
		r.HandleFunc("/service/{type}", rt.dirigibleChannel)
	}
	r.HandleFunc("/*", rt.root)
	return r
}

// lookup finds the app named in the URL; "name:fingerprint" is XP's
// cache-busting asset form and names the same app.
func (rt *router) lookup(w http.ResponseWriter, r *http.Request) *App {
	name := chi.URLParam(r, "app")
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	a, ok := rt.apps[name]
	if !ok {
		rt.notFound(w, r, "Application ["+name+"] not found")
		return nil
	}
	return a
}

func (rt *router) notFound(w http.ResponseWriter, r *http.Request, message string) {
	rt.log.Info().Str("path", r.URL.Path).Msg(message)
	controller.WriteError(w, r, http.StatusNotFound, message)
}

// appNotFound is a 404 inside a known application, rendered by its error
// handler when it has one.
func (rt *router) appNotFound(w http.ResponseWriter, r *http.Request, a *App, t controller.Target, message string) {
	rt.log.Info().Str("app", a.Name).Str("path", r.URL.Path).Msg(message)
	a.Engine.ServeError(w, r, t, http.StatusNotFound, message)
}

func (rt *router) service(w http.ResponseWriter, r *http.Request) {
	a := rt.lookup(w, r)
	if a == nil {
		return
	}
	// A service called at the root: XP renders its errors with the
	// default page, not the app's error/error.js.
	rt.serveService(w, r, a, chi.URLParam(r, "service"), "/_/service/"+a.Name, false)
}

// serveService runs service name of a, mounted below base; appErrors lets
// the app's error/error.js render its errors (under a webapp).
func (rt *router) serveService(w http.ResponseWriter, r *http.Request, a *App, name, base string, appErrors bool) {
	bad := name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\")
	script, found := "", false
	if !bad {
		script, found = a.Engine.Controller("/services/" + name + "/" + name)
	}
	t := controller.Target{Script: script, ContextPath: base + "/" + name, AppErrors: appErrors}
	if !found {
		rt.appNotFound(w, r, a, t, "Service ["+a.Name+":"+name+"] not found")
		return
	}
	rt.identified(w, r, func(w http.ResponseWriter, r *http.Request) {
		// Checked before the controller runs, so an upgrade is refused too.
		if access, u := a.serviceAccess(name), caller(r); !access.allows(u) {
			ev := rt.log.Info()
			if access.err != nil {
				ev = rt.log.Error().Err(access.err)
			}
			// XP's WebException.forbidden: 401 to the anonymous, who may
			// log in, 403 to a user who lacks the principal (and to the
			// anonymous of a server without users: no login can help).
			status := http.StatusForbidden
			if u == nil && rt.id != nil && rt.id.Available() {
				status = http.StatusUnauthorized
				w.Header().Set("WWW-Authenticate", `Basic realm="duplex", charset="UTF-8"`)
			}
			ev.Str("app", a.Name).Str("service", name).Str("path", r.URL.Path).Int("status", status).Msg("service access denied")
			a.Engine.ServeError(w, r, t, status, "Access denied to service ["+a.Name+":"+name+"]")
			return
		}
		a.Engine.Serve(w, r, t)
	})
}

func (rt *router) asset(w http.ResponseWriter, r *http.Request) {
	a := rt.lookup(w, r)
	if a == nil {
		return
	}
	if !a.serveAsset(w, r, chi.URLParam(r, "*")) {
		rt.appNotFound(w, r, a, controller.Target{}, "Asset not found")
	}
}

// assetBelow serves rest, "<app>[:<fingerprint>]/<path>", of an asset URL
// below a base.
func (rt *router) assetBelow(w http.ResponseWriter, r *http.Request, rest string) {
	key, file, _ := strings.Cut(rest, "/")
	name, _, _ := strings.Cut(key, ":")
	a, ok := rt.apps[name]
	if !ok {
		rt.notFound(w, r, "Application ["+name+"] not found")
		return
	}
	if !a.serveAsset(w, r, file) {
		rt.appNotFound(w, r, a, controller.Target{}, "Asset not found")
	}
}

func (rt *router) webapp(w http.ResponseWriter, r *http.Request) {
	a := rt.lookup(w, r)
	if a == nil {
		return
	}
	base := "/webapp/" + a.Name
	sub := strings.TrimPrefix(r.URL.Path, base)
	// XP mounts services below any base; below a webapp, only its own.
	if rest, ok := strings.CutPrefix(sub, "/_/service/"+a.Name+"/"); ok {
		name, _, _ := strings.Cut(rest, "/")
		rt.serveService(w, r, a, name, base+"/_/service/"+a.Name, true)
		return
	}
	if rest, ok := strings.CutPrefix(sub, "/_/idprovider/"); ok {
		rt.idProvider(w, r, base, rest)
		return
	}
	// Assets too, so that the assetUrl a page builds relative to where it
	// is mounted finds them; any application's, as at the root.
	if rest, ok := strings.CutPrefix(sub, "/_/asset/"); ok {
		rt.assetBelow(w, r, rest)
		return
	}
	rt.serveWebapp(w, r, a, sub, base)
}

func (rt *router) root(w http.ResponseWriter, r *http.Request) {
	if rt.first == nil {
		rt.notFound(w, r, "No application")
		return
	}
	rt.serveWebapp(w, r, rt.first, r.URL.Path, "")
}

// serveWebapp answers sub (the path below the webapp's base): a GET for a
// file in assets/ is served before the controller runs, as XP's
// WebAppHandler does.
func (rt *router) serveWebapp(w http.ResponseWriter, r *http.Request, a *App, sub, base string) {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && sub != "" && sub != "/" {
		if a.serveAsset(w, r, strings.TrimPrefix(sub, "/")) {
			return
		}
	}
	script, found := a.Engine.Controller("/webapp/webapp")
	t := controller.Target{Script: script, ContextPath: base, AppErrors: true}
	if !found {
		rt.appNotFound(w, r, a, t, "Application ["+a.Name+"] has no webapp")
		return
	}
	rt.identified(w, r, func(w http.ResponseWriter, r *http.Request) {
		a.Engine.Serve(w, r, t)
	})
}

// identified runs serve, which runs a controller, with r's caller in its
// context.
func (rt *router) identified(w http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
	rt.identify(serve).ServeHTTP(w, r)
}

// anonymous is identify on a server without users: everyone is anonymous.
func anonymous(next http.Handler) http.Handler { return next }

// caller is the user identify found for r; nil when anonymous.
func caller(r *http.Request) *xpauth.User {
	scope := lib.ScopeFrom(r.Context())
	if scope == nil {
		return nil
	}
	u, _ := scope.Values[xpauth.ValueKey].(*xpauth.User)
	return u
}

// recoverPanics turns a bug into a 500 and a log line instead of a dropped
// connection; the server keeps serving.
func recoverPanics(log zerolog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.Error().Interface("panic", v).Str("path", r.URL.Path).Msg("handler panicked")
					controller.WriteError(w, r, http.StatusInternalServerError, "")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}
