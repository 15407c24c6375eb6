package app

import (
	"net/http"
	"net/url"
	"strings"

	"duplex/lib"
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
		if rt.trustedOrigin(r, origin) {
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
	if ref := r.Header.Get("Referer"); ref != "" && !rt.trustedOrigin(r, ref) {
		return "Referer: " + ref
	}
	return ""
}

// trustedOrigin reports whether the origin of u (an Origin or a Referer)
// is the server's own or in --allowed-origins.
func (rt *router) trustedOrigin(r *http.Request, u string) bool {
	origin, ok := normalOrigin(u)
	if !ok {
		return false // "null", or not a URL
	}
	scheme, host, _ := strings.Cut(origin, "://")
	own := lib.Origin{Host: r.Host}.HostPort(scheme)
	if strings.EqualFold(host, own) {
		return true
	}
	for _, allowed := range rt.platform.cfg.WebSocket.AllowedOrigins {
		if a, ok := normalOrigin(allowed); ok && a == origin {
			return true
		}
	}
	return false
}

// normalOrigin is u's scheme://host[:port], lower-cased, without the
// scheme's default port; ok is false unless u is an http(s) URL.
func normalOrigin(u string) (string, bool) {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || p.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(p.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	return scheme + "://" + strings.ToLower(lib.Origin{Host: p.Host}.HostPort(scheme)), true
}
