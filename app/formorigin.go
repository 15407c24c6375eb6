package app

import (
	"net/http"
)

// crossOrigin is the defence of the login form against login CSRF: a page
// of another site posting the attacker's credentials, so that the victim
// works signed in as the attacker. SameSite=Lax does not stop it (a
// top-level POST navigation may set a cookie), so the form's post must
// come from the server's own origin (the host the request came to, any
// scheme: TLS may end at a proxy) or one listed in --allowed-origins.
// Browsers send Origin with every POST ("null" under Referrer-Policy:
// no-referrer, and from sandboxed frames); where it is missing or "null",
// Sec-Fetch-Site (which no page can set) and then Referer decide, and a
// request with none of them (not a browser's) passes. It returns "" when
// r may log in, else what gave it away.
func (rt *router) crossOrigin(r *http.Request) string {
	origin := r.Header.Get("Origin")
	if origin != "" && origin != "null" {
		if rt.origins.Trust(r, origin) {
			return ""
		}
		return origin
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		if site == "same-origin" || site == "none" {
			return ""
		}
		return "Sec-Fetch-Site: " + site
	}
	if origin == "null" {
		return "Origin: null"
	}
	if ref := r.Header.Get("Referer"); ref != "" && !rt.origins.Trust(r, ref) {
		return "Referer: " + ref
	}
	return ""
}
