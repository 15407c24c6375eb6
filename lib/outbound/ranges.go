package outbound

import (
	"errors"
	"net/netip"
	"strings"
)

// forbidden lists the ranges scripts may not reach unless allowed; the first
// match names the reason. IPv4-mapped IPv6 addresses are unmapped before they
// get here, so only native forms are listed.
var forbidden = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"}, // "this network"; 0.0.0.0 reaches the local host
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"}, // cloud metadata lives at 169.254.169.254
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // not public unicast
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("fc00::/7"), "private"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// classify is why ip is forbidden by default, or "" for public unicast.
func classify(ip netip.Addr) string {
	for _, f := range forbidden {
		if f.prefix.Contains(ip) {
			return f.reason
		}
	}
	return ""
}

var nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")

// nat64 returns the IPv4 address embedded in a NAT64 well-known-prefix
// address (RFC 6052), which a NAT64 gateway would connect to.
func nat64(ip netip.Addr) (netip.Addr, bool) {
	if !nat64Prefix.Contains(ip) {
		return netip.Addr{}, false
	}
	b := ip.As16()
	return netip.AddrFrom4([4]byte(b[12:])), true
}

// parseEntry reads one allow entry as an IP range or a normalized host name.
func parseEntry(entry string) (netip.Prefix, string, error) {
	e := strings.TrimSpace(entry)
	if e == "" {
		return netip.Prefix{}, "", errors.New("empty entry")
	}
	if strings.Contains(e, "/") {
		prefix, err := netip.ParsePrefix(e)
		if err != nil {
			return netip.Prefix{}, "", err
		}
		return unmapPrefix(prefix.Masked()), "", nil
	}
	if ip, err := netip.ParseAddr(e); err == nil {
		if ip.Zone() != "" {
			return netip.Prefix{}, "", errors.New("IPv6 zones are not allowed")
		}
		ip = ip.Unmap()
		return netip.PrefixFrom(ip, ip.BitLen()), "", nil
	}
	name := normalizeName(e)
	if !validName(name) {
		return netip.Prefix{}, "", errors.New("not a CIDR, IP address or host name")
	}
	return netip.Prefix{}, name, nil
}

// unmapPrefix turns "::ffff:10.0.0.0/104" into "10.0.0.0/8": Check unmaps
// the addresses it judges, so ranges must be in the same form to match.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}

// normalizeName makes host names comparable: DNS is case-insensitive and
// "example.com." is the same name as "example.com".
func normalizeName(host string) string {
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// validName accepts DNS-style host names: dot-separated labels of letters,
// digits, '-' and '_' (seen in internal names), not starting or ending with
// '-', and a last label that is not all digits so that typos of IP addresses
// ("10.0.0.256") are errors rather than names that never match.
func validName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	labels := strings.Split(name, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}
