package app

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"duplex/websocket/cluster"
	"duplex/websocket/cluster/nats"
)

// ClusterConfig joins the server to other duplex nodes over NATS, so that
// groups, send and close span them (--nats, --nats-embed and friends).
type ClusterConfig struct {
	NATS   []string // NATS servers to connect to
	Embed  bool     // run a NATS server inside the process instead
	Listen string   // the embedded server's route listener
	Routes []string // the other embedded servers' route listeners
	// TTL is how soon a node that vanished leaves the others' counts.
	TTL time.Duration
	// NodeID prefixes this node's session ids; default random per start.
	NodeID string
	// Secret authenticates nodes to each other and to the embedded
	// server (DUPLEX_CLUSTER_SECRET); SecretFile holds it otherwise.
	Secret     string
	SecretFile string
	// Creds is a NATS credentials file for an external NATS (--nats).
	Creds string
	// TLSCert, TLSKey and TLSCA set up TLS: for the embedded server's
	// routes (both sides present certificates signed by TLSCA), or to an
	// external NATS (the client certificate, and the CA its servers'
	// certificates are checked against).
	TLSCert, TLSKey, TLSCA string
}

// minClusterSecret is the shortest cluster secret accepted.
const minClusterSecret = 32

// secret returns the cluster secret: DUPLEX_CLUSTER_SECRET, else the
// content of --cluster-secret-file, else none.
func (c ClusterConfig) secret() (string, error) {
	s := c.Secret
	if s == "" && c.SecretFile != "" {
		data, err := os.ReadFile(c.SecretFile)
		if err != nil {
			return "", fmt.Errorf("--cluster-secret-file: %w", err)
		}
		s = strings.TrimSpace(string(data))
	}
	if s != "" && len(s) < minClusterSecret {
		return "", fmt.Errorf("the cluster secret (DUPLEX_CLUSTER_SECRET or --cluster-secret-file) needs at least %d characters", minClusterSecret)
	}
	return s, nil
}

// listenAddr is --nats-listen with an empty host made loopback, and
// whether it reaches beyond loopback.
func (c ClusterConfig) listenAddr() (string, bool, error) {
	if c.Listen == "" {
		return "", false, nil
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return "", false, fmt.Errorf("--nats-listen %q: want HOST:PORT", c.Listen)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	beyond := true
	if host == "localhost" {
		beyond = false
	} else if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		beyond = false
	}
	return net.JoinHostPort(host, port), beyond, nil
}

// Enabled reports whether a cluster was asked for.
func (c ClusterConfig) Enabled() bool { return len(c.NATS) > 0 || c.Embed }

// minClusterTTL keeps heartbeats (TTL/4) from flooding the link.
const minClusterTTL = 500 * time.Millisecond

func (c ClusterConfig) check() error {
	switch {
	case len(c.NATS) > 0 && c.Embed:
		return errors.New("--nats and --nats-embed: choose one (the embedded server is reached in-process)")
	case !c.Embed && (c.Listen != "" || len(c.Routes) > 0):
		return errors.New("--nats-listen and --nats-routes configure the embedded server: add --nats-embed")
	case c.Embed && c.Creds != "":
		return errors.New("--nats-creds is for an external NATS (--nats); the embedded server takes the cluster secret")
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("--nats-tls-cert and --nats-tls-key go together")
	case c.Embed && c.TLSCert != "" && c.TLSCA == "":
		return errors.New("--nats-tls-cert with --nats-embed needs --nats-tls-ca: the nodes check each other's certificates against it")
	case c.TTL < minClusterTTL:
		return fmt.Errorf("--cluster-ttl %v: at least %v", c.TTL, minClusterTTL)
	case c.NodeID != "" && !cluster.ValidNodeID(c.NodeID):
		return fmt.Errorf("--node-id %q: use up to 64 letters, digits and '_'", c.NodeID)
	}
	return nil
}

// Membership is this node's place in a cluster: its id, and the link every
// application's hub publishes through.
type Membership struct {
	Node string
	TTL  time.Duration
	link *nats.Link
}

// Close disconnects from the cluster, once the applications have said
// their goodbyes through it. A nil Membership (no cluster) closes nothing.
func (m *Membership) Close() {
	if m != nil {
		m.link.Close()
	}
}

// JoinCluster connects to NATS when c asks for a cluster; the hubs of a
// Platform made with the Membership in its Shared are members, under one
// node id. It returns nil without a cluster.
func JoinCluster(c ClusterConfig, log zerolog.Logger) (*Membership, error) {
	if !c.Enabled() {
		return nil, nil
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	node := c.NodeID
	if node == "" {
		// Random per start: a restarted node is a new node, and two
		// processes never share an id by accident.
		var b [6]byte
		rand.Read(b[:])
		node = hex.EncodeToString(b[:])
	}
	secret, err := c.secret()
	if err != nil {
		return nil, err
	}
	listen, beyond, err := c.listenAddr()
	if err != nil {
		return nil, err
	}
	if beyond && secret == "" {
		return nil, fmt.Errorf("--nats-listen %s is reachable beyond loopback, where anyone could join the cluster: set DUPLEX_CLUSTER_SECRET or --cluster-secret-file (and --nats-tls-cert, --nats-tls-key, --nats-tls-ca to encrypt), or listen on 127.0.0.1", listen)
	}
	tlsConf, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	link, err := nats.Connect(nats.Options{
		URLs: c.NATS, Embed: c.Embed, Listen: listen, Routes: c.Routes, NodeID: node, Log: log,
		Secret: secret, Creds: c.Creds, TLS: tlsConf,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	log.Info().Str("node", node).Dur("ttl", c.TTL).Bool("embedded", c.Embed).
		Bool("authenticated", secret != "" || c.Creds != "").Bool("tls", tlsConf != nil).Msg("cluster: joined")
	return &Membership{Node: node, TTL: c.TTL, link: link}, nil
}

// tlsConfig builds the TLS set-up the flags ask for, nil for none. For the
// embedded server it serves routes and checks the other side's certificate
// both ways; for an external NATS it is the client side.
func (c ClusterConfig) tlsConfig() (*tls.Config, error) {
	if c.TLSCert == "" && c.TLSCA == "" {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("--nats-tls-cert, --nats-tls-key: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("--nats-tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--nats-tls-ca %s: no PEM certificate in it", c.TLSCA)
		}
		conf.RootCAs = pool
		conf.ClientCAs = pool
		if c.Embed {
			conf.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	return conf, nil
}
