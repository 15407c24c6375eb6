package outbound

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests only ever connect to loopback listeners they start; public
// addresses are judged with Check, which does no network I/O.

const setting = "--outbound-allow (DUPLEX_OUTBOUND_ALLOW)"

func mustNew(t *testing.T, allow ...string) *Policy {
	t.Helper()
	p, err := New(allow, setting)
	if err != nil {
		t.Fatalf("New(%q): %v", allow, err)
	}
	return p
}

// reasonOf is the refusal reason of err, "" for nil; it fails on any other error.
func reasonOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("error %v (%T) is not a *RefusedError", err, err)
	}
	return refused.Reason
}

func TestCheckDefault(t *testing.T) {
	p := mustNew(t)
	tests := []struct {
		ip     string
		reason string // "" means allowed
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"10.0.0.1", "private"},
		{"10.255.255.255", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"169.254.169.254", "link-local"}, // cloud metadata
		{"169.254.0.1", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"}, // zones must not hide the class
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"100.64.0.1", "shared address space"},
		{"100.127.255.255", "shared address space"},
		// IPv4-mapped IPv6 is judged by the IPv4 address it maps.
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.1", "private"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::ffff:8.8.8.8", ""},
		// NAT64 well-known prefix is judged by the embedded IPv4 address.
		{"64:ff9b::7f00:1", "loopback"},
		{"64:ff9b::a9fe:a9fe", "link-local"},
		{"64:ff9b::808:808", ""},
		// Public unicast, including the neighbours of forbidden ranges.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"9.255.255.255", ""},
		{"11.0.0.0", ""},
		{"172.15.255.255", ""},
		{"172.32.0.0", ""},
		{"192.167.255.255", ""},
		{"192.169.0.0", ""},
		{"169.253.255.255", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"128.0.0.1", ""},
		{"223.255.255.255", ""},
		{"2001:4860:4860::8888", ""},
		{"2606:4700:4700::1111", ""},
	}
	for _, tt := range tests {
		ip := netip.MustParseAddr(tt.ip)
		if got := reasonOf(t, p.Check(tt.ip, ip)); got != tt.reason {
			t.Errorf("Check(%s) reason = %q, want %q", tt.ip, got, tt.reason)
		}
	}
	if got := reasonOf(t, p.Check("", netip.Addr{})); got == "" {
		t.Errorf("Check of an invalid address allowed it")
	}
}

func TestCheckAllowCIDR(t *testing.T) {
	p := mustNew(t, "10.1.0.0/16", "127.0.0.1/32", "::1", "::ffff:192.168.1.0/120", "fd00:1::/32", "169.254.169.254", "::ffff:172.16.0.5")
	tests := []struct {
		ip      string
		allowed bool
	}{
		{"10.1.0.0", true},
		{"10.1.255.255", true},
		{"10.0.255.255", false},
		{"10.2.0.0", false},
		{"127.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"64:ff9b::7f00:1", true}, // NAT64 of an allowed IPv4
		{"127.0.0.2", false},
		{"::1", true},
		{"::2", true}, // public, was never forbidden
		{"192.168.1.5", true},
		{"192.168.2.1", false},
		{"fd00:1::5", true},
		{"fd00:2::5", false},
		{"169.254.169.254", true},
		{"169.254.169.253", false},
		{"172.16.0.1", false},
		{"172.16.0.5", true}, // a mapped single IP entry opens the IPv4 address
	}
	for _, tt := range tests {
		err := p.Check(tt.ip, netip.MustParseAddr(tt.ip))
		if got := reasonOf(t, err) == ""; got != tt.allowed {
			t.Errorf("Check(%s) allowed = %v, want %v (err %v)", tt.ip, got, tt.allowed, err)
		}
	}
}

func TestCheckHostNames(t *testing.T) {
	p := mustNew(t, "Echo.Internal.", "localhost")
	loop := netip.MustParseAddr("127.0.0.1")
	priv := netip.MustParseAddr("10.0.0.1")
	tests := []struct {
		host    string
		ip      netip.Addr
		allowed bool
	}{
		{"echo.internal", priv, true},
		{"ECHO.internal.", priv, true},
		{"echo.internal", loop, true},
		{"localhost", loop, true},
		{"LOCALHOST.", netip.MustParseAddr("::1"), true},
		{"other.internal", priv, false},
		{"sub.echo.internal", priv, false},
		{"echo.internal.evil.com", priv, false},
		{"127.0.0.1", loop, false}, // a listed name does not open its IPs to other hosts
		{"", loop, false},
	}
	for _, tt := range tests {
		err := p.Check(tt.host, tt.ip)
		if got := reasonOf(t, err) == ""; got != tt.allowed {
			t.Errorf("Check(%q, %s) allowed = %v, want %v (err %v)", tt.host, tt.ip, got, tt.allowed, err)
		}
	}
}

func TestNewErrors(t *testing.T) {
	bad := []string{
		"",
		"   ",
		"10.0.0.0/99",
		"10.0.0.0/",
		"::1/129",
		"bad host!",
		"host name",
		"-leading.dash",
		"trailing-.dash",
		"double..dot",
		"10.0.0.256",
		"1.2.3",
		"fe80::1%eth0",
		"http://example.com",
		"example.com:80",
		"*.example.com",
		strings.Repeat("a", 64) + ".com",
	}
	for _, entry := range bad {
		_, err := New([]string{"127.0.0.1", entry}, setting)
		if err == nil {
			t.Errorf("New accepted %q", entry)
			continue
		}
		if !strings.Contains(err.Error(), strconv.Quote(entry)) {
			t.Errorf("New(%q) error %q does not name the entry", entry, err)
		}
	}
	good := []string{"10.1.0.0/16", "10.1.2.3/16", "127.0.0.1", "::1", "::1/128", "::ffff:10.0.0.1",
		"echo.internal", "Echo.Internal.", "my_host.lan", "localhost", "a-b.c0", " 10.0.0.0/8 "}
	if _, err := New(good, setting); err != nil {
		t.Errorf("New(%q): %v", good, err)
	}
	if _, err := New(nil, setting); err != nil {
		t.Errorf("New(nil): %v", err)
	}
}

func TestRefusedErrorMessage(t *testing.T) {
	p := mustNew(t)
	tests := []struct {
		host, ip, want string
	}{
		{"localhost", "127.0.0.1", "outbound connection to localhost (127.0.0.1) refused: loopback address; allow it with " + setting},
		{"169.254.169.254", "169.254.169.254", "outbound connection to 169.254.169.254 refused: link-local address; allow it with " + setting},
		{"cgnat.example", "100.64.0.1", "outbound connection to cgnat.example (100.64.0.1) refused: shared address space; allow it with " + setting},
	}
	for _, tt := range tests {
		err := p.Check(tt.host, netip.MustParseAddr(tt.ip))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Check(%s, %s) = %v, want %q", tt.host, tt.ip, err, tt.want)
		}
	}
}

// listen starts a listener on 127.0.0.1 and, on the same port when it can,
// on ::1 too, because "localhost" may resolve to either.
func listen(t *testing.T) (l net.Listener, port string) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	_, port, _ = net.SplitHostPort(l.Addr().String())
	if l6, err := net.Listen("tcp6", net.JoinHostPort("::1", port)); err == nil {
		t.Cleanup(func() { l6.Close() })
	}
	return l, port
}

// noPendingConn fails if anything connected to l: a refusal must happen
// before the connect, not after.
func noPendingConn(t *testing.T, l net.Listener) {
	t.Helper()
	l.(*net.TCPListener).SetDeadline(time.Now().Add(50 * time.Millisecond))
	if c, err := l.Accept(); err == nil {
		c.Close()
		t.Errorf("a refused dial reached the listener")
	}
}

func TestDialContext(t *testing.T) {
	tests := []struct {
		name    string
		allow   []string
		addr    string
		allowed bool
	}{
		{"ip refused by default", nil, "127.0.0.1", false},
		{"name refused by default", nil, "localhost", false},
		{"ip allowed by cidr", []string{"127.0.0.1/32"}, "127.0.0.1", true},
		{"ip allowed by wide cidr", []string{"127.0.0.0/8"}, "127.0.0.1", true},
		{"other cidr does not open it", []string{"127.0.0.2/32", "10.0.0.0/8"}, "127.0.0.1", false},
		{"name allowed when listed", []string{"localhost"}, "localhost", true},
		{"listed name does not open the ip", []string{"localhost"}, "127.0.0.1", false},
		{"name allowed through its ips", []string{"127.0.0.1", "::1"}, "localhost", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, port := listen(t) // fresh per case so earlier connections cannot linger
			p := mustNew(t, tt.allow...)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, err := p.DialContext(ctx, "tcp", net.JoinHostPort(tt.addr, port))
			if tt.allowed {
				if err != nil {
					t.Fatalf("dial %s: %v", tt.addr, err)
				}
				conn.Close()
				return
			}
			if err == nil {
				conn.Close()
				t.Fatalf("dial %s succeeded, want refusal", tt.addr)
			}
			// The refusal comes back bare, not wrapped in a *net.OpError,
			// so that its explanation is what a script sees first.
			refused, ok := err.(*RefusedError)
			if !ok {
				t.Fatalf("dial %s: error %v (%T) is not a *RefusedError", tt.addr, err, err)
			}
			if !errors.As(err, new(*RefusedError)) {
				t.Errorf("errors.As does not find the *RefusedError")
			}
			if refused.Host != tt.addr || refused.Reason != "loopback" || !refused.IP.IsLoopback() {
				t.Errorf("refusal = %+v, want loopback for host %s", refused, tt.addr)
			}
			if !strings.Contains(err.Error(), setting) {
				t.Errorf("refusal %q does not quote the setting", err)
			}
			noPendingConn(t, l)
		})
	}
}

func TestDialContextNetworks(t *testing.T) {
	p := mustNew(t, "127.0.0.0/8")
	for _, network := range []string{"udp", "unix", "ip4:icmp", ""} {
		if conn, err := p.DialContext(context.Background(), network, "127.0.0.1:9"); err == nil {
			conn.Close()
			t.Errorf("DialContext accepted network %q", network)
		}
	}
	if _, err := p.DialContext(context.Background(), "tcp", "no-port"); err == nil {
		t.Errorf("DialContext accepted an address without a port")
	}
}

func TestDialContextEmptyHost(t *testing.T) {
	// net dials the local system for an empty host; that must count as
	// the unspecified address, not slip past the check.
	_, port := listen(t)
	err := dialErr(mustNew(t), ":"+port)
	if reasonOf(t, err) != "unspecified" {
		t.Errorf("dial :%s: %v, want an unspecified-address refusal", port, err)
	}
}

// dialErr dials addr with p and returns only the error.
func dialErr(p *Policy, addr string) error {
	conn, err := p.DialContext(context.Background(), "tcp", addr)
	if err == nil {
		conn.Close()
	}
	return err
}
