package main

import (
	"context"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"duplex/app"
	"duplex/app/auth"
	"duplex/controller"
	"duplex/site"
	"duplex/websocket"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// SIGHUP reloads (the TLS certificate); it must never stop the
	// server, as its default action would.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	o, err := parseServeFlags(args, stdout)
	if err != nil {
		return err
	}
	log, err := newLogger(o, stderr)
	if err != nil {
		return err
	}
	shared := app.Shared{Log: log, Limit: websocket.NewLimit(o.maxConnections, o.maxPerIP)}
	if shared.Auth, err = auth.New(o.auth, log); err != nil {
		return err
	}
	controller.LimitRegexpTime(o.regexpTimeout)
	if shared.Cluster, err = app.JoinCluster(o.cfg.Cluster, log); err != nil {
		return err
	}
	// Closed last, after the applications said goodbye through it.
	defer shared.Cluster.Close()
	platform, err := app.NewPlatform(o.cfg, shared)
	if err != nil {
		return err
	}
	if err := loadApps(platform, o); err != nil {
		_ = platform.Close(context.Background())
		return err
	}
	srv, err := app.NewServer(o.cfg, platform)
	if err != nil {
		_ = platform.Close(context.Background())
		return err
	}
	// No TCP keep-alive probes: idle HTTP connections end at the server's
	// IdleTimeout and WebSocket peers are pinged, and the probes' socket
	// options cost every accepted connection four system calls.
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(ctx, "tcp", o.cfg.Addr)
	if err != nil {
		_ = platform.Close(context.Background())
		return err
	}
	reloading, stopReloading := context.WithCancel(ctx)
	defer stopReloading()
	go func() {
		for {
			select {
			case <-hup:
				srv.Reload()
			case <-reloading.Done():
				return
			}
		}
	}()
	return srv.Serve(ctx, ln)
}

func loadApps(p *app.Platform, o *options) error {
	if len(o.apps) == 0 {
		_, err := p.LoadFS(site.FS(), "chat", "bundled site/app.json")
		return err
	}
	for _, dir := range o.apps {
		if _, err := p.LoadDir(dir); err != nil {
			return err
		}
	}
	return nil
}
