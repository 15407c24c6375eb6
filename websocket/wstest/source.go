package wstest

import (
	"context"
	"net"
	"syscall"
)

// ipBindAddressNoPort is IP_BIND_ADDRESS_NO_PORT (linux/in.h).
const ipBindAddressNoPort = 24

// LoopbackSources are n source addresses 127.0.0.2, 127.0.0.3, ... over
// which a load generator spreads its connections: one source address has
// some 28,000 ephemeral ports, fewer than a soak of 10,000 sessions next to
// other tests may need.
func LoopbackSources(n int) []net.IP {
	ips := make([]net.IP, n)
	for i := range ips {
		ips[i] = net.IPv4(127, 0, 0, byte(2+i))
	}
	return ips
}

// DialFrom is a Dialer.NetDial that connects from src. It binds with
// IP_BIND_ADDRESS_NO_PORT, so that connect() picks the port per 4-tuple
// instead of bind() reserving it per source address, and each source
// address has the whole ephemeral range for every server port.
func DialFrom(src net.IP) func(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := &net.Dialer{
		LocalAddr: &net.TCPAddr{IP: src},
		Control: func(network, address string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
			}); err != nil {
				return err
			}
			return serr
		},
	}
	return nd.DialContext
}
