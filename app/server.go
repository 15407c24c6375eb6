package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Server serves a set of applications until its context ends.
type Server struct {
	cfg  Config
	apps []*App
	http *http.Server
}

// NewServer prepares apps to be served with cfg; the first app also answers
// "/".
func NewServer(cfg Config, apps []*App) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, apps: apps}
	s.http = &http.Server{
		Handler:           Handler(apps, cfg.Log),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          newStdLogger(cfg.Log),
	}
	return s
}

// Serve accepts on ln until ctx is done, then shuts down gracefully:
// in-flight requests finish, bounded by ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	log := s.cfg.Log
	served := make(chan error, 1)
	go func() { served <- s.http.Serve(ln) }()
	names := make([]string, len(s.apps))
	for i, a := range s.apps {
		names[i] = a.Name
	}
	log.Info().Str("addr", ln.Addr().String()).Strs("apps", names).Msg("listening")
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info().Msg("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.http.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn().Dur("timeout", s.cfg.ShutdownTimeout).Msg("requests still running at the shutdown timeout; closing them")
		err = s.http.Close()
	}
	if served := <-served; !errors.Is(served, http.ErrServerClosed) {
		err = errors.Join(err, served)
	}
	for _, a := range s.apps {
		err = errors.Join(err, a.Close(shutdownCtx))
	}
	log.Info().Msg("stopped")
	return err
}
