package nats

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"
)

// routeUser is the user name nodes present to each other's route
// listeners; the cluster secret is the password.
const routeUser = "duplex"

// startEmbedded runs a NATS server in the process, which connects to it
// in-process. It listens for routes from the other nodes' embedded servers
// on Listen and dials theirs in Routes, so that a cluster needs no other
// software. With a Secret, every client and route must present it. A
// single node opens no port at all; a routed one needs a client port as
// well (nats-server starts routing only once it listens for clients): a
// random one on loopback, behind the same secret.
func startEmbedded(o Options) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "duplex-" + o.NodeID,
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		NoSigs:     true,
		DontListen: o.Listen == "",
	}
	if o.Secret != "" {
		opts.Authorization = o.Secret
	}
	if o.Listen != "" {
		host, portStr, err := net.SplitHostPort(o.Listen)
		if err != nil {
			return nil, fmt.Errorf("route listener %q: %w", o.Listen, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 0 || port > 65535 {
			return nil, fmt.Errorf("route listener %q: bad port", o.Listen)
		}
		if port == 0 {
			port = server.RANDOM_PORT
		}
		opts.Cluster = server.ClusterOpts{Name: "duplex", Host: host, Port: port}
		if o.Secret != "" {
			opts.Cluster.Username, opts.Cluster.Password = routeUser, o.Secret
		}
		if o.TLS != nil {
			opts.Cluster.TLSConfig = o.TLS
			opts.Cluster.TLSTimeout = 5
		}
	} else if len(o.Routes) > 0 {
		return nil, errors.New("routes need a route listener: the other servers route to it")
	}
	for _, r := range o.Routes {
		u, err := url.Parse(r)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("route %q: want nats://HOST:PORT", r)
		}
		if o.Secret != "" {
			u.User = url.UserPassword(routeUser, o.Secret)
		}
		opts.Routes = append(opts.Routes, u)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	srv.SetLoggerV2(natsLogger{o.Log.With().Str("nats", "embedded").Logger()}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded NATS: not ready (is the route listener %s free?)", o.Listen)
	}
	ev := o.Log.Info()
	if a := srv.Addr(); a != nil {
		ev = ev.Str("clients", a.String())
	}
	if a := srv.ClusterAddr(); a != nil {
		ev = ev.Str("routes", a.String())
	}
	ev.Msg("cluster: embedded NATS server ready")
	return srv, nil
}

// natsLogger writes the embedded server's log through zerolog. Its notices
// (start-up banner, routes coming and going) are debug lines; its errors
// are mostly peers not up yet, which the server retries, hence warnings.
type natsLogger struct{ log zerolog.Logger }

func (n natsLogger) Noticef(format string, v ...any) { n.log.Debug().Msgf(format, v...) }
func (n natsLogger) Warnf(format string, v ...any)   { n.log.Warn().Msgf(format, v...) }
func (n natsLogger) Fatalf(format string, v ...any)  { n.log.Error().Msgf(format, v...) }
func (n natsLogger) Errorf(format string, v ...any)  { n.log.Warn().Msgf(format, v...) }
func (n natsLogger) Debugf(format string, v ...any)  { n.log.Debug().Msgf(format, v...) }
func (n natsLogger) Tracef(format string, v ...any)  { n.log.Trace().Msgf(format, v...) }
