package app

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"duplex/websocket"
)

// trustedProxies is --trust-proxy: the peers whose X-Forwarded-For, -Proto
// and -Host say who the client is and what it asked for.
type trustedProxies []netip.Prefix

// forwardedHeaders are the headers a trusted proxy sets and anyone else
// may forge.
var forwardedHeaders = [...]string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"}

// parseTrustedProxies reads CIDRs and addresses (a host's own prefix).
func parseTrustedProxies(list []string) (trustedProxies, error) {
	var t trustedProxies
	for _, s := range list {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("--trust-proxy %q: not an IP address or a CIDR (10.0.0.0/8, 127.0.0.1, ::1)", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		t = append(t, p.Masked())
	}
	return t, nil
}

func (t trustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// middleware makes every request say what its client asked for
// (websocket.PublicOf). From a trusted peer, the forwarding headers that
// are well-formed set the client's address, scheme and host; a malformed
// one is ignored (and logged at debug). From anyone else they are taken
// off the request, so that no script can be lied to by them either.
func (t trustedProxies) middleware(log zerolog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !hasForwarded(r.Header) {
				next.ServeHTTP(w, r)
				return
			}
			pub := websocket.PublicOf(r)
			if peer, err := netip.ParseAddrPort(r.RemoteAddr); err == nil && t.trusts(peer.Addr()) {
				for _, bad := range t.forwarded(r.Header, &pub) {
					log.Debug().Str("remote", r.RemoteAddr).Str("header", bad).Strs("value", r.Header.Values(bad)).
						Msg("malformed header from a --trust-proxy peer ignored")
				}
				next.ServeHTTP(w, r.WithContext(websocket.WithPublic(r.Context(), pub)))
				return
			}
			pub.Ignored = true
			r = r.WithContext(websocket.WithPublic(r.Context(), pub))
			r.Header = r.Header.Clone()
			for _, h := range forwardedHeaders {
				r.Header.Del(h)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func hasForwarded(h http.Header) bool {
	for _, name := range forwardedHeaders {
		if _, ok := h[name]; ok {
			return true
		}
	}
	return false
}

// forwarded applies the headers of a trusted peer to pub and returns those
// it ignored as malformed.
func (t trustedProxies) forwarded(h http.Header, pub *websocket.Public) (bad []string) {
	if v := h.Values("X-Forwarded-For"); len(v) > 0 {
		if a, ok := t.client(v); ok {
			pub.Addr = a.String()
		} else {
			bad = append(bad, "X-Forwarded-For")
		}
	}
	if v := h.Values("X-Forwarded-Proto"); len(v) > 0 {
		if p := strings.ToLower(strings.TrimSpace(v[0])); len(v) == 1 && (p == "http" || p == "https") {
			pub.Scheme = p
		} else {
			bad = append(bad, "X-Forwarded-Proto")
		}
	}
	if v := h.Values("X-Forwarded-Host"); len(v) > 0 {
		if host := strings.TrimSpace(v[0]); len(v) == 1 && validHost(host) {
			pub.Host = host
		} else {
			bad = append(bad, "X-Forwarded-Host")
		}
	}
	return bad
}

// client finds the client in X-Forwarded-For (its lines in order), each
// proxy having appended the address it was connected from: from the
// right, past the trusted proxies, the first address that is not one. What
// lies left of it came from the client and may be anything; what was
// walked came from trusted proxies, so a malformed entry there voids the
// header. All trusted: the leftmost.
func (t trustedProxies) client(lines []string) (netip.Addr, bool) {
	var last netip.Addr
	for i := len(lines) - 1; i >= 0; i-- {
		rest := lines[i]
		for {
			j := strings.LastIndexByte(rest, ',')
			a, ok := parseHop(rest[j+1:])
			if !ok {
				return netip.Addr{}, false
			}
			if !t.trusts(a) {
				return a, true
			}
			last = a
			if j < 0 {
				break
			}
			rest = rest[:j]
		}
	}
	return last, last.IsValid()
}

// parseHop reads one X-Forwarded-For entry: an IP address, maybe with a
// port ("192.0.2.1:4711", "[2001:db8::1]:4711"), maybe IPv6 in brackets.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// validHost accepts host[:port] as a Host header may be: a DNS name, an
// IPv4 address or a bracketed IPv6 one, and a port from 1 to 65535.
func validHost(s string) bool {
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return false
		}
		if strings.Contains(host, ":") {
			a, err := netip.ParseAddr(host)
			return err == nil && a.Is6() && a.Zone() == ""
		}
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		a, err := netip.ParseAddr(s[1 : len(s)-1])
		return err == nil && a.Is6() && a.Zone() == ""
	}
	if host == "" || len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
