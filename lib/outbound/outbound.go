// Package outbound is the policy for connections that scripts open to other
// hosts (a WebSocket client now, an HTTP client later).
//
// A script that can make the server connect anywhere is a server-side request
// forgery (SSRF) risk: it could reach services bound to loopback, the private
// network behind the server, or the cloud metadata endpoint
// (169.254.169.254), which hands out credentials. So by default scripts may
// only reach public unicast addresses, and an operator opens exceptions with a
// setting (CIDRs and host names).
//
// The check runs on the IP actually being connected to (net.Dialer's
// ControlContext hook), not on the result of an earlier lookup: a name whose
// DNS answer changes between a check and the connect (DNS rebinding) cannot
// slip through.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// Policy decides which addresses scripts may connect to. The zero value is not
// usable; use New.
type Policy struct {
	prefixes []netip.Prefix  // allowed IP ranges, IPv4 ones unmapped
	names    map[string]bool // allowed host names, normalized
	setting  string          // quoted in refusals so operators know what to change
}

// New builds a policy from allow entries: CIDRs ("10.1.0.0/16",
// "127.0.0.1/32", "::1/128"), single IPs ("127.0.0.1", "::1" -> treated as
// /32 or /128), or host names ("echo.internal", case-insensitive, trailing dot
// ignored). setting names the configuration that opens exceptions, e.g.
// "--outbound-allow (DUPLEX_OUTBOUND_ALLOW)"; it is quoted in every refusal.
// An entry that is none of these (empty, "10.0.0.0/99", "bad host!") is an
// error naming the entry.
func New(allow []string, setting string) (*Policy, error) {
	p := &Policy{names: map[string]bool{}, setting: setting}
	for _, entry := range allow {
		prefix, name, err := parseEntry(entry)
		if err != nil {
			if setting != "" {
				return nil, fmt.Errorf("invalid entry %q in %s: %w", entry, setting, err)
			}
			return nil, fmt.Errorf("invalid outbound allow entry %q: %w", entry, err)
		}
		if name != "" {
			p.names[name] = true
		} else {
			p.prefixes = append(p.prefixes, prefix)
		}
	}
	return p, nil
}

// DialContext connects like net.Dialer.DialContext (network "tcp", "tcp4",
// "tcp6"), refusing forbidden addresses with a *RefusedError. The check runs
// in the dialer's ControlContext hook, i.e. on each IP just before connecting
// to it, so every IP a name resolves to is tried as net.Dialer does and DNS
// rebinding cannot bypass it. A host name in the allow list may connect to
// whatever it resolves to; any other host is refused when the address is
// forbidden.
func (p *Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		// Other networks (unix sockets above all) would sidestep the IP check.
		return nil, fmt.Errorf("outbound: network %q not supported", network)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	if !p.names[normalizeName(host)] {
		d.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ip, err := addrOf(address)
			if err != nil {
				// Fail closed: an address we cannot read is not connected to.
				return fmt.Errorf("outbound: cannot check address %q: %w", address, err)
			}
			return p.Check(host, ip)
		}
	}
	conn, err := d.DialContext(ctx, network, addr)
	// Hand back the refusal itself rather than net's wrapping of it, so that
	// callers (and script error messages) get the explanation first.
	var refused *RefusedError
	if errors.As(err, &refused) {
		return nil, refused
	}
	return conn, err
}

// addrOf reads the IP out of the "ip:port" string net passes to Control.
func addrOf(address string) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return netip.Addr{}, err
	}
	if host == "" {
		// net dials the local system for an empty host.
		return netip.IPv4Unspecified(), nil
	}
	return netip.ParseAddr(host)
}

// Check reports whether the host (a host name or IP literal, no port) with
// the resolved IP may be connected to; nil when allowed, else a
// *RefusedError. DialContext uses it.
func (p *Policy) Check(host string, ip netip.Addr) error {
	if p.names[normalizeName(host)] {
		return nil
	}
	if reason := p.refusal(ip.Unmap().WithZone("")); reason != "" {
		return &RefusedError{Host: host, IP: ip, Reason: reason, Setting: p.setting}
	}
	return nil
}

// refusal is why ip (unmapped, no zone) is forbidden, or "" when it is
// allowed.
func (p *Policy) refusal(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid"
	}
	for _, prefix := range p.prefixes {
		if prefix.Contains(ip) {
			return ""
		}
	}
	if v4, ok := nat64(ip); ok {
		// A NAT64 gateway would forward this to the embedded IPv4 address.
		return p.refusal(v4)
	}
	return classify(ip)
}

// RefusedError says which connection was refused and why.
type RefusedError struct {
	Host    string     // as the script gave it
	IP      netip.Addr // the address it resolved to
	Reason  string     // "loopback", "private", "link-local", "unspecified", "multicast", "shared address space", "reserved" ...
	Setting string
}

// Error reads e.g. "outbound connection to localhost (127.0.0.1) refused:
// loopback address; allow it with --outbound-allow (DUPLEX_OUTBOUND_ALLOW)".
func (e *RefusedError) Error() string {
	target := e.Host
	if ip := e.IP.String(); target != ip {
		target += " (" + ip + ")"
	}
	reason := e.Reason
	if !strings.Contains(reason, "address") {
		reason += " address"
	}
	msg := "outbound connection to " + target + " refused: " + reason
	if e.Setting != "" {
		msg += "; allow it with " + e.Setting
	}
	return msg
}
