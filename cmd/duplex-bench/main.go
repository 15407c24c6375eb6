// Command duplex-bench measures duplex against its peers for real-time
// JavaScript — Bun (uWebSockets pub/sub), Node.js + ws — and a plain
// gobwas/ws Go server without JavaScript, one after another in one run, on
// loopback, with the same wire protocol (see bench/README.md):
//
//   - fan-out: N clients in group `bench`, one of them broadcasting M
//     messages with W in flight: deliveries/s, p50/p99 send-to-receipt;
//   - echo: C clients each sending and awaiting its echo: messages/s,
//     p50/p99 round trip;
//   - idle: K connections held: the server's RSS growth per connection;
//   - upgrades: connections/s accepted (through a JavaScript get in duplex);
//   - http: GET of a small JSON answer over C keep-alive connections:
//     requests/s, p50/p99;
//   - http-json: the same with a 2 KB JSON document POSTed, parsed,
//     modified and sent back.
//
// Every scenario runs against a freshly started server. The harness builds
// duplex, installs the peers from the npm registry (npm ci --prefix bench),
// prints a markdown report and draws it as an SVG chart (bench/results.svg).
//
//	go run ./cmd/duplex-bench [--servers duplex,bun,node,plain] [--out FILE] [--svg FILE]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type config struct {
	servers string
	out     string
	svg     string

	fanoutClients  int
	fanoutMessages int
	inflight       int
	size           int
	fanoutDeadline time.Duration

	echoClients  int
	echoDuration time.Duration
	echoWarmup   time.Duration

	idleConns    int
	idleDeadline time.Duration
	settle       time.Duration

	upgrades           int
	upgradeConcurrency int
	upgradeDeadline    time.Duration

	httpConns    int
	httpThreads  int
	httpDuration time.Duration
	httpWarmup   time.Duration

	quietWait  time.Duration
	scenarios  string
	sources    int
	duplexArgs string
	duplexBin  string
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func main() {
	var cfg config
	fs := flag.NewFlagSet("duplex-bench", flag.ExitOnError)
	fs.StringVar(&cfg.servers, "servers", "duplex,bun,node,plain", "servers to measure, in order: duplex, bun, node, plain")
	fs.StringVar(&cfg.scenarios, "scenarios", strings.Join(scenarios(), ","), "scenarios to run")
	fs.StringVar(&cfg.out, "out", "", "also write the markdown report to this file")
	fs.StringVar(&cfg.svg, "svg", filepath.Join("bench", "results.svg"), "write the run as an SVG chart to this file, relative to the repository root (\"\" for none)")
	fs.IntVar(&cfg.fanoutClients, "fanout-clients", 1000, "fan-out: clients in group bench (one of them sends)")
	fs.IntVar(&cfg.fanoutMessages, "fanout-messages", 5000, "fan-out: measured broadcasts (after a warm-up of min(200, M/10))")
	fs.IntVar(&cfg.inflight, "inflight", 8, "fan-out: most broadcasts not yet received by every client")
	fs.IntVar(&cfg.size, "size", 64, "message size in bytes (fan-out and echo payloads)")
	fs.DurationVar(&cfg.fanoutDeadline, "fanout-deadline", 90*time.Second, "fan-out: give up after this long")
	fs.IntVar(&cfg.echoClients, "echo-clients", 100, "echo: clients, each with one message in flight")
	fs.DurationVar(&cfg.echoDuration, "echo-duration", 10*time.Second, "echo: measured window")
	fs.DurationVar(&cfg.echoWarmup, "echo-warmup", 2*time.Second, "echo: unmeasured warm-up")
	fs.IntVar(&cfg.idleConns, "idle-conns", 15000, "idle: connections held")
	fs.DurationVar(&cfg.idleDeadline, "idle-deadline", 120*time.Second, "idle: give up opening connections after this long")
	fs.DurationVar(&cfg.settle, "settle", 3*time.Second, "idle: wait before each RSS reading")
	fs.IntVar(&cfg.upgrades, "upgrades", 30000, "upgrades: connections opened and closed")
	fs.IntVar(&cfg.upgradeConcurrency, "upgrade-concurrency", 64, "upgrades: handshakes in flight")
	fs.DurationVar(&cfg.upgradeDeadline, "upgrade-deadline", 60*time.Second, "upgrades: give up after this long")
	fs.IntVar(&cfg.httpConns, "http-conns", 64, "http, http-json: keep-alive connections, each with one request in flight")
	fs.IntVar(&cfg.httpThreads, "http-threads", 1, "http, http-json: the load generator's threads, each an event loop over its share of the connections (as wrk -t)")
	fs.DurationVar(&cfg.httpDuration, "http-duration", 5*time.Second, "http, http-json: measured window")
	fs.DurationVar(&cfg.httpWarmup, "http-warmup", time.Second, "http, http-json: unmeasured warm-up")
	fs.DurationVar(&cfg.quietWait, "quiet-wait", 60*time.Second, "before each scenario, wait up to this long for the machine to be idle (under 0.25 busy cores)")
	fs.IntVar(&cfg.sources, "sources", 16, "client source addresses: 127.0.0.2 .. 127.0.0.(1+N)")
	fs.StringVar(&cfg.duplexArgs, "duplex-args", "", "extra flags for `duplex serve`, space-separated")
	fs.StringVar(&cfg.duplexBin, "duplex-bin", "", "measure this duplex binary instead of building ./cmd/duplex (to compare two commits in interleaved runs)")
	_ = fs.Parse(os.Args[1:])
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unexpected arguments: %v\n", fs.Args())
		os.Exit(2)
	}
	if cfg.size < 32 {
		fmt.Fprintln(os.Stderr, "--size must be at least 32 (room for the sequence number and timestamp)")
		os.Exit(2)
	}
	if err := benchMain(cfg); err != nil {
		logf("error: %v", err)
		os.Exit(1)
	}
}

func benchMain(cfg config) error {
	root, err := findRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "duplex-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	h := &harness{cfg: cfg, root: root, tmp: tmp, sources: cfg.sources, running: map[*proc]struct{}{}}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer h.stopAll()

	names := splitList(cfg.servers)
	scen := map[string]bool{}
	for _, s := range splitList(cfg.scenarios) {
		if !slices.Contains(scenarios(), s) {
			return fmt.Errorf("unknown scenario %q (want some of %s)", s, strings.Join(scenarios(), ", "))
		}
		scen[s] = true
	}
	servers, err := h.servers(names)
	if err != nil {
		return err
	}
	rep := &report{cfg: cfg, started: time.Now(), machine: machineInfo(h), scen: scen}
	for _, srv := range servers {
		rep.results = append(rep.results, &result{srv: srv, disturbed: map[string]bool{}})
	}
	// Scenario by scenario, every server in turn: the figures a ratio
	// compares are taken a minute apart, not several, on a machine whose
	// speed drifts (the same duplex binary gave 924 k and 637 k fan-out
	// deliveries/s ten minutes apart).
	for _, s := range scenarios() {
		for _, res := range rep.results {
			srv := res.srv
			if !scen[s] || ctx.Err() != nil {
				continue
			}
			logf("%s: %s", srv.name, s)
			if busy := waitQuiet(ctx, cfg.quietWait); busy > 0.25 {
				res.note("%s: the machine was still busy (%.2f cores) after waiting %s for it to be idle", s, busy, cfg.quietWait)
				res.disturbed[s] = true
				logf("  warning: machine busy (%.2f cores) before the scenario", busy)
			}
			p, err := h.start(ctx, srv, s)
			if err != nil {
				res.note("%s: could not start: %v", s, err)
				logf("  %v", err)
				continue
			}
			logf("  %s", h.run(ctx, p, s, res))
			if u := r2u(res, s); u != nil && u.other > 0.25 {
				res.note("%s: the rest of the machine was busy during the window (%.2f cores besides server and clients): this figure is disturbed", s, u.other)
				res.disturbed[s] = true
				logf("  warning: %.2f cores of other load on the machine", u.other)
			}
			if !p.alive() {
				res.note("%s: the server exited during the scenario (%v); last output:\n%s", s, p.waitErr, p.logTail(15))
			} else if tail := p.logTail(5); tail != "" && srv.name == "duplex" {
				res.note("%s: server output (last lines): %s", s, oneLine(tail, 600))
			}
			h.stop(p)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	svgPath := cfg.svg
	if svgPath != "" && !filepath.IsAbs(svgPath) {
		svgPath = filepath.Join(root, svgPath)
	}
	rep.svgPath = svgPath
	md := rep.markdown()
	fmt.Print(md)
	if cfg.out != "" {
		if err := os.WriteFile(cfg.out, []byte(md), 0o644); err != nil {
			return err
		}
		logf("report written to %s", cfg.out)
	}
	if svgPath != "" {
		if err := os.WriteFile(svgPath, rep.svg(), 0o644); err != nil {
			return err
		}
		logf("chart written to %s", svgPath)
	}
	return nil
}

// scenarios is every scenario, in the order a run takes them.
func scenarios() []string {
	return []string{"fanout", "echo", "idle", "upgrades", "http", "http-json"}
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// r2u returns the CPU usage measured for scenario s, if any.
func r2u(r *result, s string) *usage {
	switch {
	case s == "fanout" && r.fanout != nil:
		return &r.fanout.cpu
	case s == "echo" && r.echo != nil:
		return &r.echo.cpu
	case s == "upgrades" && r.upgrade != nil:
		return &r.upgrade.cpu
	case s == "http" && r.http != nil:
		return &r.http.cpu
	case s == "http-json" && r.httpJSON != nil:
		return &r.httpJSON.cpu
	}
	return nil
}

// waitQuiet waits until the machine spends under 0.25 cores over a 1s
// sample, or max has passed; it returns the last sample's busy cores.
func waitQuiet(ctx context.Context, max time.Duration) float64 {
	deadline := time.Now().Add(max)
	for {
		b0 := machineBusy()
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return 0
		}
		busy := float64(machineBusy()-b0) / float64(time.Second)
		if busy < 0.25 || time.Now().After(deadline) {
			return busy
		}
	}
}

// run measures scenario s on p into res and returns its one-line summary.
func (h *harness) run(ctx context.Context, p *proc, s string, res *result) string {
	switch s {
	case "fanout":
		res.fanout = h.fanout(ctx, p)
		return res.fanout.summary()
	case "echo":
		res.echo = h.echo(ctx, p)
		return res.echo.summary()
	case "idle":
		res.idle = h.idle(ctx, p)
		return res.idle.summary()
	case "http":
		res.http = h.httpScenario(ctx, p, s)
		return res.http.summary()
	case "http-json":
		res.httpJSON = h.httpScenario(ctx, p, s)
		return res.httpJSON.summary()
	}
	res.upgrade = h.upgrades(ctx, p)
	return res.upgrade.summary()
}
