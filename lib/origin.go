package lib

import (
	"net"
	"strings"

	"duplex/websocket"
)

// Origin is the URL a call answers to: its request's, or for the events
// of a WebSocket session the upgrade request's (XP runs them in the
// context of the upgrade). /lib/xp/portal builds URLs from it.
type Origin struct {
	Scheme string // http or https
	Host   string // host[:port] as the client asked for it (websocket.PublicOf)
	Path   string // the request's path, decoded
}

// Endpoint is where a WebSocket session's upgrade request came to: its
// Origin without the path, which the session keeps itself. Sessions share
// one per host, so that an idle session pays a pointer for it.
type Endpoint struct {
	Scheme, Host string
}

// Origin answers the call's Origin; ok is false for a call that has none
// (a module's set-up).
func (c *Call) Origin() (Origin, bool) {
	if c == nil {
		return Origin{}, false
	}
	if r := c.Request; r != nil {
		pub := websocket.PublicOf(r)
		return Origin{Scheme: pub.Scheme, Host: pub.Host, Path: r.URL.Path}, true
	}
	if c.Upgrade != nil && c.Session != nil {
		return Origin{Scheme: c.Upgrade.Scheme, Host: c.Upgrade.Host, Path: c.Session.Path()}, true
	}
	return Origin{}, false
}

// HostPort splits Host, leaving out the port when it is the scheme's
// default (80 for http and ws, 443 for https and wss), as XP's URLs do.
func (o Origin) HostPort(scheme string) string {
	host, port, err := net.SplitHostPort(o.Host)
	if err != nil {
		return o.Host
	}
	if (port == "80" && (scheme == "http" || scheme == "ws")) || (port == "443" && (scheme == "https" || scheme == "wss")) {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return o.Host
}
