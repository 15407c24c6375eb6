package wstest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Dialer opens WebSocket connections with a valid opening handshake.
type Dialer struct {
	Protocols []string // offered sub-protocols, in the client's order
	Origin    string   // the Origin header, none when empty
	Header    []string // more headers (Cookie, Authorization ...) as name, value pairs
	// NetDial opens the TCP connection (nil: net.Dialer); a load generator
	// uses it to choose the source address.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// ReadBufferSize sizes the connection's reader (0: 4096 bytes): a
	// load generator holding many connections keeps it small.
	ReadBufferSize int
	// TLS is the client configuration of wss:// URLs (nil: Go's
	// defaults); its ServerName defaults to the URL's host.
	TLS *tls.Config
}

// StatusError is a handshake answered with another status than 101.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("handshake answered %d, not 101", e.Code)
}

// Dial connects to rawURL (ws:// or wss://host:port/path?query), performs
// the opening handshake within ctx and checks the 101 (Check101). Another
// status is a *StatusError.
func (d *Dialer) Dial(ctx context.Context, rawURL string) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	port := map[string]string{"ws": "80", "wss": "443"}[u.Scheme]
	if port == "" {
		return nil, fmt.Errorf("%s: only ws:// and wss:// URLs", rawURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), port)
	}
	netDial := d.NetDial
	if netDial == nil {
		var nd net.Dialer
		netDial = nd.DialContext
	}
	nc, err := netDial(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	if u.Scheme == "wss" {
		cfg := &tls.Config{}
		if d.TLS != nil {
			cfg = d.TLS.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		nc = tc
	}
	key := NewKey()
	hdr := UpgradeHeader(u.Host, key)
	if d.Origin != "" {
		hdr = append(hdr, "Origin", d.Origin)
	}
	if len(d.Protocols) > 0 {
		hdr = append(hdr, "Sec-WebSocket-Protocol", strings.Join(d.Protocols, ", "))
	}
	hdr = append(hdr, d.Header...)
	r, err := Handshake(nc, Request{Target: u.RequestURI(), Header: hdr, BufferSize: d.ReadBufferSize})
	if err != nil {
		return nil, err
	}
	if r.Conn == nil {
		return nil, &StatusError{Code: r.StatusCode, Body: r.Body}
	}
	if err := Check101(r, key, d.Protocols); err != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	_ = nc.SetDeadline(time.Time{})
	return r.Conn, nil
}
