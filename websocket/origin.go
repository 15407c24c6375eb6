package websocket

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// CheckOrigin guards against cross-site WebSocket hijacking (RFC 6455
// §10.2): browsers always send Origin and attach cookies, CORS does not
// apply. No Origin means a non-browser client and passes; otherwise the
// origin must be same-host or listed in AllowedOrigins. Accept answers 403
// on false.
func (h *Hub) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	web := scheme == "http" || scheme == "https"
	if web && strings.EqualFold(stripDefaultPort(scheme, u.Host), stripDefaultPort(requestScheme(r), r.Host)) {
		return true
	}
	_, ok := h.origins[scheme+"://"+strings.ToLower(stripDefaultPort(scheme, u.Host))]
	return ok
}

func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
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

func normalizeOrigins(list []string) map[string]struct{} {
	m := make(map[string]struct{}, len(list))
	for _, o := range list {
		u, err := url.Parse(strings.TrimSpace(o))
		if err != nil || u.Host == "" {
			continue
		}
		scheme := strings.ToLower(u.Scheme)
		m[scheme+"://"+strings.ToLower(stripDefaultPort(scheme, u.Host))] = struct{}{}
	}
	return m
}
