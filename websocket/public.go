package websocket

import (
	"context"
	"net"
	"net/http"
)

// Public is a request as its client made it: the client's address, and
// the scheme and host it asked for. They are the request's own (the TCP
// peer, TLS or not, the Host header) unless a proxy the server trusts
// forwarded them (X-Forwarded-For, -Proto, -Host; app's --trust-proxy).
// Everything that depends on them reads them through PublicOf, so that the
// request object, portal URLs, the login cookie's Secure flag, the origin
// checks and the login throttle never disagree. The connection limits are
// the exception: they are taken at accept, before any header, so they
// count the TCP peer (r.RemoteAddr).
type Public struct {
	Addr   string // the client's IP address, without a port
	Scheme string // "http" or "https"
	Host   string // host[:port] as the client asked for it
	// Ignored tells that X-Forwarded-* headers came from a peer the
	// server does not trust, and were dropped: a refusal that a trusted
	// proxy would have avoided says so.
	Ignored bool
}

type publicKey struct{}

// WithPublic returns ctx in which PublicOf answers p.
func WithPublic(ctx context.Context, p Public) context.Context {
	return context.WithValue(ctx, publicKey{}, &p)
}

// PublicOf is r as its client made it: what WithPublic put in its context,
// or else the request's own.
func PublicOf(r *http.Request) Public {
	if p, ok := r.Context().Value(publicKey{}).(*Public); ok {
		return *p
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	return Public{Addr: addr, Scheme: scheme, Host: r.Host}
}
