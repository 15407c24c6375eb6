package nats

import (
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
)

// Options says how to reach the cluster.
type Options struct {
	// URLs are NATS servers to connect to; unused with Embed.
	URLs []string
	// Embed runs a NATS server inside the process and connects to it
	// in-process; Listen and Routes make it one of a cluster of them.
	Embed  bool
	Listen string   // route listener, HOST:PORT
	Routes []string // other servers' route listeners, nats://HOST:PORT
	// NodeID names the connection (and the embedded server) for NATS's
	// monitoring.
	NodeID string
	// Secret, when set, is required of everyone who connects to the
	// embedded server, clients and routes, and is what this node presents
	// to the other nodes' servers and to an external NATS (as a token).
	Secret string
	// Creds is a NATS credentials file (JWT and nkey seed) for an external
	// NATS.
	Creds string
	// TLS, when set, encrypts the embedded server's routes (certificates
	// checked both ways) or the connection to an external NATS.
	TLS *tls.Config
	// ReconnectWait is the pause between reconnection attempts; default
	// 250ms (loopback and LAN links come back fast, and attempts are cheap).
	ReconnectWait time.Duration
	Log           zerolog.Logger
}

// Link is one NATS connection shared by every application of the process;
// it implements cluster.Transport.
type Link struct {
	nc  *natsgo.Conn
	srv *server.Server // the embedded server, or nil
	log zerolog.Logger

	mu       sync.Mutex
	watchers map[*func(bool)]struct{}
	closing  bool // Close disconnects on purpose: no outage to report
}

// Connect starts the embedded server if asked and connects. An external
// server that is not reachable yet is retried in the background: the node
// serves its own sessions meanwhile, as after a lost link.
func Connect(o Options) (*Link, error) {
	l := &Link{log: o.Log, watchers: map[*func(bool)]struct{}{}}
	wait := o.ReconnectWait
	if wait <= 0 {
		wait = 250 * time.Millisecond
	}
	opts := []natsgo.Option{
		natsgo.Name("duplex " + o.NodeID),
		// Our own group messages were delivered locally already.
		natsgo.NoEcho(),
		// Fail publications while disconnected instead of queueing them
		// for later: delivery is at most once, and what is lost is counted.
		natsgo.ReconnectBufSize(-1),
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(wait),
		natsgo.ReconnectJitter(wait/4, wait/4),
		// Find a dead server that did not close the TCP connection.
		natsgo.PingInterval(5 * time.Second),
		natsgo.MaxPingsOutstanding(2),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			if l.isClosing() {
				return
			}
			ev := l.log.Warn()
			if err != nil {
				ev = ev.Err(err)
			}
			ev.Msg("cluster: NATS link lost; serving local sessions only, messages for other nodes are dropped until it is back")
			l.notify(false)
		}),
		natsgo.ReconnectHandler(func(nc *natsgo.Conn) {
			l.log.Info().Str("server", l.server(nc)).Msg("cluster: NATS link back; resynchronizing")
			l.notify(true)
		}),
		natsgo.ConnectHandler(func(nc *natsgo.Conn) {
			l.log.Info().Str("server", l.server(nc)).Msg("cluster: NATS connected")
			l.notify(true)
		}),
		natsgo.ErrorHandler(func(_ *natsgo.Conn, sub *natsgo.Subscription, err error) {
			ev := l.log.Warn().Err(err)
			if sub != nil {
				ev = ev.Str("subject", sub.Subject)
			}
			ev.Msg("cluster: NATS error; messages from other nodes may have been lost")
		}),
	}
	url := strings.Join(o.URLs, ",")
	if o.Secret != "" {
		opts = append(opts, natsgo.Token(o.Secret))
	}
	if o.Embed {
		srv, err := startEmbedded(o)
		if err != nil {
			return nil, err
		}
		l.srv = srv
		url = ""
		opts = append(opts, natsgo.InProcessServer(srv))
	} else {
		if url == "" {
			return nil, errors.New("cluster: no NATS server given")
		}
		opts = append(opts, natsgo.RetryOnFailedConnect(true))
		if o.Creds != "" {
			opts = append(opts, natsgo.UserCredentials(o.Creds))
		}
		if o.TLS != nil {
			opts = append(opts, natsgo.Secure(o.TLS))
		}
	}
	nc, err := natsgo.Connect(url, opts...)
	if err != nil {
		l.shutdownServer()
		return nil, err
	}
	if !nc.IsConnected() {
		l.log.Warn().Str("nats", url).Msg("cluster: NATS not reachable yet; retrying, serving local sessions meanwhile")
	}
	l.nc = nc
	return l, nil
}

// Publish implements cluster.Transport. While disconnected it fails at
// once (no reconnect buffer).
func (l *Link) Publish(subject string, data []byte) error {
	return l.nc.Publish(subject, data)
}

// Subscribe implements cluster.Transport; NATS calls handle one message
// at a time per subscription and keeps subscriptions across reconnections.
func (l *Link) Subscribe(subject string, handle func(string, []byte)) (func(), error) {
	sub, err := l.nc.Subscribe(subject, func(m *natsgo.Msg) { handle(m.Subject, m.Data) })
	if err != nil {
		return nil, err
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Watch implements cluster.Transport.
func (l *Link) Watch(fn func(up bool)) func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.watchers[&fn] = struct{}{}
	return func() {
		l.mu.Lock()
		delete(l.watchers, &fn)
		l.mu.Unlock()
	}
}

func (l *Link) isClosing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closing
}

// server names the server connected to, for the log.
func (l *Link) server(nc *natsgo.Conn) string {
	if l.srv != nil {
		return "embedded"
	}
	return nc.ConnectedUrlRedacted()
}

func (l *Link) notify(up bool) {
	l.mu.Lock()
	fns := make([]func(bool), 0, len(l.watchers))
	for fn := range l.watchers {
		fns = append(fns, *fn)
	}
	l.mu.Unlock()
	for _, fn := range fns {
		fn(up)
	}
}

// Close flushes what was published (the hubs' goodbyes) and disconnects,
// then stops the embedded server. It runs after the applications closed.
func (l *Link) Close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.closing = true
	l.mu.Unlock()
	if l.nc.IsConnected() {
		_ = l.nc.FlushTimeout(2 * time.Second)
	}
	l.nc.Close()
	l.shutdownServer()
}

func (l *Link) shutdownServer() {
	if l.srv != nil {
		l.srv.Shutdown()
		l.srv.WaitForShutdown()
	}
}
