package main

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"

	"duplex/app"
	"duplex/controller"
	"duplex/site"
	"duplex/websocket"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(o, stderr)
	if err != nil {
		return err
	}
	o.cfg.Log = log
	o.cfg.WebSocket.Limit = websocket.NewLimit(o.maxConnections)
	if o.cfg.Auth, err = app.NewAuth(o.auth, log); err != nil {
		return err
	}
	controller.LimitRegexpTime(o.regexpTimeout)
	link, err := app.JoinCluster(&o.cfg)
	if err != nil {
		return err
	}
	// Closed last, after the applications said goodbye through it.
	defer link.Close()
	apps, err := loadApps(o)
	if err != nil {
		return err
	}
	// No TCP keep-alive probes: idle HTTP connections end at the server's
	// IdleTimeout and WebSocket peers are pinged, and the probes' socket
	// options cost every accepted connection four system calls.
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(ctx, "tcp", o.cfg.Addr)
	if err != nil {
		closeApps(apps)
		return err
	}
	return app.NewServer(o.cfg, apps).Serve(ctx, ln)
}

func loadApps(o *options) ([]*app.App, error) {
	if len(o.apps) == 0 {
		a, err := app.LoadFS(site.FS(), "chat", "bundled site/app.json", o.cfg)
		if err != nil {
			return nil, err
		}
		return []*app.App{a}, nil
	}
	var apps []*app.App
	seen := map[string]string{}
	for _, dir := range o.apps {
		a, err := app.LoadDir(dir, o.cfg)
		if err != nil {
			closeApps(apps)
			return nil, err
		}
		if other, dup := seen[a.Name]; dup {
			closeApps(append(apps, a))
			return nil, errors.New("two applications are named " + a.Name + ": " + other + " and " + filepath.Clean(dir))
		}
		seen[a.Name] = filepath.Clean(dir)
		apps = append(apps, a)
	}
	return apps, nil
}

func closeApps(apps []*app.App) {
	for _, a := range apps {
		_ = a.Close(context.Background())
	}
}
