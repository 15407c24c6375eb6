package websocket

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// Limit caps the connections of a whole server: its WebSocket sessions,
// across the hubs of all its applications, and whatever else the server
// counts against it (its HTTP connections); and, optionally, those of one
// client address. Past it an upgrade is answered 503 before the handshake,
// instead of the process running out of file descriptors and failing
// everyone.
type Limit struct {
	max     int64
	open    atomic.Int64
	perAddr int

	mu     sync.Mutex
	byAddr map[string]int // only with perAddr > 0
}

// Why a Limit refuses.
var (
	ErrTooManyConnections = errors.New("connection limit reached")
	ErrTooManyFromAddress = errors.New("connection limit of the client address reached")
)

// NewLimit allows at most max concurrent connections, and perAddr from one
// client address (an IPv6 /64); 0 means no limit.
func NewLimit(max, perAddr int) *Limit {
	l := &Limit{max: int64(max), perAddr: perAddr}
	if perAddr > 0 {
		l.byAddr = map[string]int{}
	}
	return l
}

// Acquire takes a slot for a connection from remoteAddr (host:port). A nil
// Limit never refuses.
func (l *Limit) Acquire(remoteAddr string) error {
	if l == nil {
		return nil
	}
	if l.perAddr > 0 {
		key := AddressKey(remoteAddr)
		l.mu.Lock()
		if l.byAddr[key] >= l.perAddr {
			l.mu.Unlock()
			return ErrTooManyFromAddress
		}
		l.byAddr[key]++
		l.mu.Unlock()
	}
	if l.open.Add(1) > l.max && l.max > 0 {
		l.open.Add(-1)
		l.forget(remoteAddr)
		return ErrTooManyConnections
	}
	return nil
}

// Release gives back the slot of a connection from remoteAddr.
func (l *Limit) Release(remoteAddr string) {
	if l == nil {
		return
	}
	l.open.Add(-1)
	l.forget(remoteAddr)
}

func (l *Limit) forget(remoteAddr string) {
	if l.perAddr <= 0 {
		return
	}
	key := AddressKey(remoteAddr)
	l.mu.Lock()
	if l.byAddr[key]--; l.byAddr[key] <= 0 {
		delete(l.byAddr, key)
	}
	l.mu.Unlock()
}

// Open is the number of connections holding a slot.
func (l *Limit) Open() int {
	if l == nil {
		return 0
	}
	return int(l.open.Load())
}

// AddressKey is what connections are counted against: the IP, or its /64
// for IPv6, where one host commonly holds the whole prefix.
func AddressKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// SlotHolder is a connection that holds a slot of the Limit already (the
// server counts its HTTP connections against it). An upgrade moves the
// slot to the session instead of taking a second one, which at the limit
// would refuse a client that only changes protocol.
type SlotHolder interface {
	// TransferSlot hands the slot over: the connection will not give it
	// back when it closes. It reports false when it holds none.
	TransferSlot() bool
	// ReturnSlot takes a transferred slot back (the upgrade failed).
	ReturnSlot()
}

type slotKey struct{}

// WithSlot returns ctx carrying the connection's slot, for Hub.Accept to
// find in the upgrade request's context.
func WithSlot(ctx context.Context, h SlotHolder) context.Context {
	return context.WithValue(ctx, slotKey{}, h)
}

// takeSlot gets the session of an upgrade request its slot: the
// connection's, moved, or a new one. giveBack undoes it.
func (l *Limit) takeSlot(ctx context.Context, remoteAddr string) (giveBack func(), err error) {
	if h, _ := ctx.Value(slotKey{}).(SlotHolder); h != nil && h.TransferSlot() {
		return h.ReturnSlot, nil
	}
	if err := l.Acquire(remoteAddr); err != nil {
		return nil, err
	}
	return func() { l.Release(remoteAddr) }, nil
}
