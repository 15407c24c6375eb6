package app

import (
	"fmt"
	"net/http"
	"strings"

	"duplex/app/auth"
	"duplex/controller"
	"duplex/websocket"
)

// The system id provider's endpoints, under any base as XP mounts them
// (<base>/_/idprovider/...), where /lib/xp/portal's loginUrl, logoutUrl
// and idProviderUrl point. XP hands these to the id provider's
// application (its login, logout, get and post exports); duplex has no id
// provider applications and answers them itself:
//
//	<base>/_/idprovider/system/login   GET: the login form; POST: log in, 303 to the redirect
//	<base>/_/idprovider/system/logout  log out, 303 to the redirect
//	<base>/_/idprovider/system         as login
//
// The redirect is followed only when its _ticket matches it (XP's
// RedirectChecksumService; see auth.RedirectTicket), that is when the
// server's own scripts made the URL; otherwise the browser goes to the
// base. As in XP, a login or logout URL with a redirect and no ticket is a
// 400.

// idProvider answers rest, the path after <base>/_/idprovider/.
func (rt *router) idProvider(w http.ResponseWriter, r *http.Request, base, rest string) {
	key, function, ok := strings.Cut(strings.TrimSuffix(rest, "/"), "/")
	if key == "" || (ok && function != "login" && function != "logout") {
		rt.notFound(w, r, "Not a valid idprovider url pattern")
		return
	}
	if key != auth.IDProvider {
		if function == "" {
			function = strings.ToLower(r.Method)
		}
		rt.refuse(w, r, http.StatusNotFound, fmt.Sprintf("ID Provider function [%s] not found for id provider [%s]", function, key),
			"id provider not found: duplex has only the system id provider (id provider applications are not supported)")
		return
	}
	if rt.id == nil || !rt.id.Available() {
		rt.refuse(w, r, http.StatusNotFound, "ID Provider [system] has no users",
			"login unavailable: the server has no users; give it a users file with --users (duplex user add)")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, HEAD, POST")
		rt.refuse(w, r, http.StatusMethodNotAllowed, "Method "+r.Method+" not allowed", "id provider: method not allowed (no setting changes it)")
		return
	}
	target, valid, ok := rt.redirectTarget(w, r, base, function != "")
	if !ok {
		return
	}
	if function == "logout" {
		rt.identified(w, r, func(w http.ResponseWriter, r *http.Request) {
			rt.id.Logout(w, r, caller(r))
			seeOther(w, target)
		})
		return
	}
	// The form posts back to where it came from, with the redirect and its
	// ticket when they are good.
	action := r.URL.EscapedPath()
	if valid {
		action += "?" + r.URL.RawQuery
	}
	if r.Method != http.MethodPost {
		writeLoginPage(w, r, http.StatusOK, action, "")
		return
	}
	if why := rt.crossOrigin(r); why != "" {
		rt.log.Warn().Str("path", r.URL.Path).Str("remote", r.RemoteAddr).Str("origin", why).
			Msg("login refused: the form was posted from another origin (login CSRF); " + websocket.OriginAdvice(r))
		controller.WriteError(w, r, http.StatusForbidden, "Cross-origin login refused")
		return
	}
	if err := r.ParseForm(); err != nil {
		rt.refuse(w, r, http.StatusBadRequest, "Malformed login form", "login refused: malformed form body (no setting changes it)")
		return
	}
	user, password := r.PostForm.Get("user"), r.PostForm.Get("password")
	if user == "" || password == "" {
		rt.log.Info().Str("path", r.URL.Path).Msg("login form without a user name or a password")
		writeLoginPage(w, r, http.StatusUnauthorized, action, "Enter your user name and password.")
		return
	}
	// Login logs the outcome, never the password.
	if u, message := rt.id.Login(w, r, user, password, auth.IDProvider); u == nil {
		writeLoginPage(w, r, http.StatusUnauthorized, action, message)
		return
	}
	seeOther(w, target)
}

// redirectTarget is where the browser goes after a login or logout: the
// redirect of r's query when its _ticket matches it (valid), else the base.
// A function's URL (login, logout) with a redirect and no ticket is a 400,
// as in XP; ok is false once that is answered.
func (rt *router) redirectTarget(w http.ResponseWriter, r *http.Request, base string, function bool) (target string, valid, ok bool) {
	q := r.URL.Query()
	redirect := q.Get("redirect")
	if redirect == "" {
		return base + "/", false, true
	}
	ticket, has := q["_ticket"]
	if !has {
		if function {
			rt.refuse(w, r, http.StatusBadRequest, "Missing ticket parameter",
				"id provider: a redirect without its _ticket; make the URL with loginUrl or logoutUrl")
			return "", false, false
		}
		return base + "/", false, true
	}
	if !rt.id.VerifyRedirect(redirect, ticket[0]) {
		rt.log.Warn().Str("path", r.URL.Path).Str("remote", r.RemoteAddr).
			Msg("id provider: redirect ignored, its _ticket does not match it (a URL not made by loginUrl or logoutUrl, or by a server with another DUPLEX_SESSION_SECRET or --session-secret-file); going to the base")
		return base + "/", false, true
	}
	return redirect, true, true
}

// refuse answers status with message, and logs why (naming the setting
// that changes it).
func (rt *router) refuse(w http.ResponseWriter, r *http.Request, status int, message, why string) {
	rt.log.Info().Str("path", r.URL.Path).Int("status", status).Msg(why)
	controller.WriteError(w, r, status, message)
}

// seeOther is XP's redirect: 303 to target, not to be cached.
func seeOther(w http.ResponseWriter, target string) {
	w.Header().Set("Location", target)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}
