package app

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// serverCert is the certificate the server presents (--tls-cert,
// --tls-key). Handshakes take the current one, so Reload (SIGHUP) swaps in
// a renewed certificate without a restart and without touching the
// connections open; a pair that does not load leaves the one in use.
type serverCert struct {
	certFile, keyFile string
	current           atomic.Pointer[tls.Certificate]
	log               zerolog.Logger
}

// loadServerCert reads the pair named by cfg; nil without --tls-cert and
// --tls-key (plain HTTP).
func loadServerCert(cfg Config, log zerolog.Logger) (*serverCert, error) {
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together: give both (the certificate and its private key, PEM) to serve HTTPS, or neither for plain HTTP")
	}
	if cfg.TLSCert == "" {
		return nil, nil
	}
	c := &serverCert{certFile: cfg.TLSCert, keyFile: cfg.TLSKey, log: log}
	cert, err := c.read()
	if err != nil {
		return nil, err
	}
	c.current.Store(cert)
	c.logLoaded(log.Info(), cert, "TLS certificate loaded")
	return c, nil
}

func (c *serverCert) read() (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s, --tls-key %s: %w", c.certFile, c.keyFile, err)
	}
	return &cert, nil
}

// reload reads the files again; on error it keeps the certificate in use.
func (c *serverCert) reload() {
	cert, err := c.read()
	if err != nil {
		c.log.Error().Err(err).Msg("TLS certificate not reloaded: still serving the previous one; fix the files of --tls-cert and --tls-key and send SIGHUP again")
		return
	}
	c.current.Store(cert)
	c.logLoaded(c.log.Info(), cert, "TLS certificate reloaded")
}

// logLoaded names the certificate now served, and warns when it has
// expired: clients will refuse it.
func (c *serverCert) logLoaded(ev *zerolog.Event, cert *tls.Certificate, msg string) {
	leaf := cert.Leaf // parsed by LoadX509KeyPair
	if leaf == nil {
		ev.Str("cert", c.certFile).Msg(msg)
		return
	}
	if time.Now().After(leaf.NotAfter) {
		ev = c.log.Warn()
		msg += ", but it has expired"
	}
	ev.Str("cert", c.certFile).Str("subject", leaf.Subject.String()).Str("serial", leaf.SerialNumber.String()).
		Time("not_after", leaf.NotAfter).Msg(msg)
}

// config is the listener's TLS configuration: Go's defaults (cipher
// suites, curves, session tickets) from TLS 1.2 up.
func (c *serverCert) config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// HTTP/1.1 only. net/http serves HTTP/2 only on a connection it
		// sees as a *tls.Conn, and duplex's are its own (limitConn, over
		// the tls.Conn), so h2 offered here would be spoken to by an
		// HTTP/1.1 server. Nor could a WebSocket use it: RFC 8441 needs
		// SETTINGS_ENABLE_CONNECT_PROTOCOL, which Go's server does not
		// send, so browsers open an HTTP/1.1 connection for it anyway.
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.current.Load(), nil
		},
	}
}

// withTLSState sets r.TLS on requests of a TLS connection, which net/http
// leaves nil: it sets it only for connections it sees as a *tls.Conn, and
// duplex's are limitConns around one. The handshake is complete by the
// time a request has been read.
func withTLSState(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(watchKey{}).(*limitConn); ok && c.tls != nil && r.TLS == nil {
			state := c.tls.ConnectionState()
			r = r.WithContext(r.Context()) // a shallow copy, ours to change
			r.TLS = &state
		}
		next.ServeHTTP(w, r)
	})
}

// plainHTTPAnswer is what a client speaking plain HTTP to the TLS listener
// gets, as net/http answers it on its own TLS connections.
const plainHTTPAnswer = "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nThis server speaks HTTPS (--tls-cert): use https://\n"

// answerPlainHTTP answers a handshake that failed because the client sent
// an HTTP request instead of a TLS hello.
func answerPlainHTTP(err error) {
	var re tls.RecordHeaderError
	if errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader) {
		_ = re.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = re.Conn.Write([]byte(plainHTTPAnswer))
	}
}

// looksLikeHTTP is net/http's test of a first TLS record header that is an
// HTTP request line.
func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}
