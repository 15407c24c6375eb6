package websocket

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Origins decides which web origins may act on a user's behalf: the
// server's own, and those an operator listed (--allowed-origins). The
// upgrade checks it against cross-site WebSocket hijacking (RFC 6455
// §10.2), the login form against login CSRF.
type Origins struct {
	allowed map[string]struct{} // normalized scheme://host[:port]
}

// NewOrigins trusts list (scheme://host[:port] entries) besides the
// server's own origin; entries that are not URLs are ignored.
func NewOrigins(list []string) Origins {
	m := make(map[string]struct{}, len(list))
	for _, o := range list {
		u, err := url.Parse(strings.TrimSpace(o))
		if err != nil || u.Host == "" {
			continue
		}
		scheme := strings.ToLower(u.Scheme)
		m[scheme+"://"+strings.ToLower(stripDefaultPort(scheme, u.Host))] = struct{}{}
	}
	return Origins{allowed: m}
}

// Trust reports whether origin (an Origin header, or a URL such as a
// Referer: only its scheme and host count) is r's own host (as its client
// asked for it: PublicOf) or listed.
// "null" and anything that is not a URL are not trusted.
func (o Origins) Trust(r *http.Request, origin string) bool {
	u, err := url.Parse(strings.TrimSpace(origin))
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	web := scheme == "http" || scheme == "https"
	own := PublicOf(r)
	if web && strings.EqualFold(stripDefaultPort(scheme, u.Host), stripDefaultPort(own.Scheme, own.Host)) {
		return true
	}
	_, ok := o.allowed[scheme+"://"+strings.ToLower(stripDefaultPort(scheme, u.Host))]
	return ok
}

// OriginAdvice ends the log line of a refused origin: what would admit it.
// When the request came with X-Forwarded-* headers from a peer not
// trusted, the refusal may be a proxy missing from --trust-proxy.
func OriginAdvice(r *http.Request) string {
	if PublicOf(r).Ignored {
		return "allow it with --allowed-origins; or, if it came through a proxy, list the proxy in --trust-proxy (its X-Forwarded-* headers were ignored)"
	}
	return "allow it with --allowed-origins"
}

// checkOrigin: browsers always send Origin and attach cookies, and CORS
// does not apply to WebSockets. No Origin means a non-browser client and
// passes. Accept answers 403 on false.
func (h *Hub) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	return origin == "" || h.origins.Trust(r, origin)
}

// stripDefaultPort makes "example.com:443" and "example.com" the same
// origin for https, as browsers omit default ports in Origin.
func stripDefaultPort(scheme, host string) string {
	h, port, err := net.SplitHostPort(host)
	if err != nil {
		return host
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		if strings.Contains(h, ":") {
			return "[" + h + "]"
		}
		return h
	}
	return host
}
