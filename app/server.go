package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"duplex/app/http1"
	"duplex/websocket"
)

// Server serves a set of applications until its context ends.
type Server struct {
	cfg      Config
	platform *Platform
	conns    *limitListener // set by Serve
	http     *http.Server
	fast     *http1.Server // nil: net/http serves every connection
	handoff  *http1.HandoffListener
	metrics  *http.Server
	cert     *serverCert // nil: plain HTTP
}

// NewServer prepares the platform's apps to be served with cfg; the first
// app also answers "/". It fails when the TLS certificate does not load.
func NewServer(cfg Config, p *Platform) (*Server, error) {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, platform: p}
	log := p.shared.Log
	var err error
	if s.cert, err = loadServerCert(cfg, log); err != nil {
		return nil, err
	}
	// Descriptors are read once here, and again on each lookup in dev
	// mode.
	p.endpoint.scan(p.apps, log)
	s.http = &http.Server{
		Handler:           Handler(p, p.shared.Auth, log),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          newStdLogger(log),
	}
	return s, nil
}

// Reload reads again what may change while the server runs (SIGHUP): the
// TLS certificate and key. A pair that does not load is logged, and the
// one in use stays.
func (s *Server) Reload() {
	if s.cert == nil {
		s.platform.shared.Log.Info().Msg("SIGHUP: nothing to reload (no --tls-cert)")
		return
	}
	s.cert.reload()
}

// Serve accepts on ln until ctx is done, then shuts down gracefully:
// in-flight requests finish, bounded by ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	log := s.platform.shared.Log
	s.conns = newLimitListener(ln, s.platform.shared.Limit, log)
	if s.cert != nil {
		s.conns.tls = s.cert.config()
	}
	s.conns.closeIdle = func() {
		// Turning keep-alives off closes the idle connections; they
		// are back on for everyone else at once.
		s.http.SetKeepAlivesEnabled(false)
		s.http.SetKeepAlivesEnabled(true)
		if s.fast != nil {
			s.fast.CloseIdle()
		}
	}
	s.http.ConnState = s.conns.connState
	s.http.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if lc, ok := c.(*limitConn); ok {
			return withLengthWatch(websocket.WithSlot(ctx, lc), lc)
		}
		return ctx
	}
	tcp, _ := ln.(*net.TCPListener) // before it is wrapped
	if s.cert == nil && !s.cfg.NetHTTPOnly && tcp != nil {
		fast, err := http1.New(http1.Config{
			Handler:        s.http.Handler,
			Handoff:        s.handOver,
			ConnContext:    s.http.ConnContext,
			ConnState:      s.http.ConnState,
			MaxHeaderBytes: s.cfg.MaxHeaderBytes,
			IdleTimeout:    s.http.IdleTimeout,
			Log:            log,
		})
		if err != nil {
			s.conns.Close()
			return fmt.Errorf("HTTP fast path: %w", err)
		}
		s.fast = fast
	}
	if s.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", s.cfg.MetricsAddr)
		if err != nil {
			s.conns.Close()
			if s.fast != nil {
				_ = s.fast.Shutdown(ctx)
			}
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		s.metrics = &http.Server{Handler: privateMux(s.platform, s.conns, s.fast, s.cfg.Pprof), ReadHeaderTimeout: s.cfg.ReadHeaderTimeout}
		go func() { _ = s.metrics.Serve(mln) }()
		log.Info().Str("addr", mln.Addr().String()).Msg("metrics listening")
	}
	quiet, stopQuiet := context.WithCancel(ctx)
	defer stopQuiet()
	go returnMemory(quiet, log)
	// Garbage under the floor must not count against --js-max-memory,
	// whose guard would collect on every look: the floor stays below half.
	floorBytes := s.cfg.GCHeapFloor
	if s.cfg.JSMaxMemory > 0 {
		floorBytes = min(floorBytes, s.cfg.JSMaxMemory/2)
	}
	if floor := newHeapFloor(floorBytes, func() int64 { return int64(s.platform.shared.Limit.Open()) }); floor != nil {
		s.conns.opened = floor.opened // before the listener is served
		go floor.keep(quiet, log)
	}
	// net/http accepts by itself unless the fast path does (after the
	// heap floor's hook is set): then net/http serves what it hands over.
	ln = s.conns
	if s.fast != nil {
		s.handoff = http1.NewHandoffListener(s.conns)
		if err := s.fast.Listen(tcp, s.conns.acceptFD, s.conns.acceptFailed); err != nil {
			log.Warn().Err(err).Msg("the HTTP fast path could not listen; net/http serves every connection (as with --net-http)")
			_ = s.fast.Shutdown(ctx)
			s.fast, s.handoff = nil, nil
		} else {
			ln = s.handoff
		}
	}
	served := make(chan error, 1)
	go func() { served <- s.http.Serve(ln) }()
	names := make([]string, len(s.platform.apps))
	for i, a := range s.platform.apps {
		names[i] = a.Name
	}
	log.Info().Str("addr", ln.Addr().String()).Bool("tls", s.cert != nil).Strs("apps", names).Msg("listening")
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info().Msg("shutting down")
	return s.shutdown(served)
}

// abortGrace is how long interrupted calls get to unwind after the
// shutdown timeout, before the process gives up waiting for them.
const abortGrace = 5 * time.Second

// shutdown stops accepting, then lets in-flight HTTP requests finish and
// closes every WebSocket session (1001, with its close event) at the same
// time, within ShutdownTimeout. What still runs then is interrupted: a
// runaway script must not keep the process alive.
func (s *Server) shutdown(served <-chan error) error {
	log := s.platform.shared.Log
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var httpErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		httpErr = s.http.Shutdown(ctx)
	}()
	var fastErr error
	if s.fast != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fastErr = s.fast.Shutdown(ctx)
		}()
	}
	for _, a := range s.platform.apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Hub.Shutdown(ctx); err != nil {
				log.Warn().Str("app", a.Name).Err(err).Msg("WebSocket sessions still open at the shutdown timeout")
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.platform.shutdown(ctx); err != nil {
			log.Warn().Err(err).Msg("WebSocket clients or service channel sessions still open at the shutdown timeout")
		}
	}()
	wg.Wait()
	httpErr = cmp.Or(httpErr, fastErr)
	// Before anything is interrupted: main.js's disposers, and every
	// runtime's, get to run.
	for _, a := range s.platform.apps {
		if err := a.Engine.Stop(ctx); err != nil {
			log.Warn().Str("app", a.Name).Err(err).Msg("event listeners or disposers still running at the shutdown timeout")
		}
	}
	var err error
	if httpErr != nil {
		log.Warn().Dur("timeout", s.cfg.ShutdownTimeout).Msg("requests still running at the shutdown timeout; interrupting them")
		for _, a := range s.platform.apps {
			a.Engine.Abort()
		}
		if !errors.Is(httpErr, context.DeadlineExceeded) {
			err = httpErr
		}
		_ = s.http.Close()
	}
	if served := <-served; !errors.Is(served, http.ErrServerClosed) {
		err = errors.Join(err, served)
	}
	grace, cancelGrace := context.WithTimeout(context.Background(), abortGrace)
	defer cancelGrace()
	for _, a := range s.platform.apps {
		a.Engine.Abort()
		if cerr := a.Close(grace); cerr != nil {
			log.Error().Str("app", a.Name).Err(cerr).Msg("application did not stop cleanly")
		}
	}
	s.platform.stopMemoryGuard()
	if s.metrics != nil {
		_ = s.metrics.Close()
	}
	log.Info().Msg("stopped")
	return err
}

// handOver gives net/http a connection the fast path gave up: owner is
// the limitConn it was given, conn the socket now in Go's net package,
// buffered what was read from it already.
func (s *Server) handOver(owner, conn net.Conn, buffered []byte) {
	// The buffered bytes pass through lc.Read again, where its length
	// watch sees them.
	lc := owner.(*limitConn)
	lc.Conn = http1.WithBuffered(conn, buffered)
	s.handoff.Push(lc)
}
