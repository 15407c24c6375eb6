package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type result struct {
	srv     *server
	fanout  *fanoutResult
	echo    *echoResult
	idle    *idleResult
	upgrade *upgradeResult
	http    *httpResult // GET /hello
	// httpJSON is POST /echo-json.
	httpJSON *httpResult
	notes    []string
	// disturbed marks the scenarios whose figures were taken while other
	// work kept the machine busy (see the notes).
	disturbed map[string]bool
}

// mark is the sign after a figure taken on a busy machine.
const mark = "*"

// formatted is m's figure for r as the report prints it, marked when the
// machine was busy.
func (m metric) formatted(r *result) string {
	s := m.format(m.value(r))
	if r.disturbed[m.scen] && s != "—" {
		s += mark
	}
	return s
}

func (r *result) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

type report struct {
	cfg     config
	started time.Time
	machine []string
	scen    map[string]bool
	results []*result
	svgPath string // where the chart is written, if anywhere
}

func (f *fanoutResult) summary() string {
	s := fmt.Sprintf("%d clients: %s deliveries/s over %s, p50 %s, p99 %s; %s",
		f.clients, num(f.rate), f.elapsed.Round(time.Millisecond), dur(f.p50), dur(f.p99), f.cpu)
	if f.missing > 0 {
		s += fmt.Sprintf(", %d deliveries missing", f.missing)
	}
	if f.err != "" {
		s += " — " + f.err
	}
	return s
}

func (e *echoResult) summary() string {
	s := fmt.Sprintf("%d clients: %s messages/s, p50 %s, p99 %s; %s",
		e.clients, num(e.rate), dur(e.p50), dur(e.p99), e.cpu)
	if e.err != "" {
		s += " — " + e.err
	}
	return s
}

func (i *idleResult) summary() string {
	s := fmt.Sprintf("%d connections opened in %s: RSS %s -> %s, %s per connection",
		i.conns, i.openElapsed.Round(time.Millisecond), mib(i.rss0), mib(i.rss1), kib(i.perConn))
	if i.err != "" {
		s += " — " + i.err
	}
	return s
}

func (u *upgradeResult) summary() string {
	s := fmt.Sprintf("%d upgrades in %s: %s/s, p50 %s, p99 %s; %s",
		u.done, u.elapsed.Round(time.Millisecond), num(u.rate), dur(u.p50), dur(u.p99), u.cpu)
	if u.err != "" {
		s += " — " + u.err
	}
	return s
}

func num(v float64) string {
	if v == 0 {
		return "—"
	}
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func dur(d time.Duration) string {
	switch {
	case d == 0:
		return "—"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/1e3)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func kib(b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f KiB", b/1024)
}

// cpuPer formats CPU nanoseconds per operation.
func cpuPer(ns float64) string {
	if ns == 0 {
		return "—"
	}
	switch {
	case ns < 10000:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	case ns < 100000:
		// Three figures: echo's 10-odd µs moved by tenths.
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f µs", ns/1e3)
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// metric is one row of the main table.
type metric struct {
	name   string
	higher bool // higher is better
	target bool // one of the issues' targets against Bun
	value  func(*result) float64
	format func(float64) string
	scen   string // the scenario measuring it (set by metrics)
	// nodeTarget: one of the targets against Node.js too (issue 16's
	// HTTP rows).
	nodeTarget bool
}

func (rep *report) metrics() []metric {
	c := rep.cfg
	d := func(x time.Duration) float64 { return float64(x) }
	fd := func(v float64) string { return dur(time.Duration(v)) }
	var ms []metric
	tagged := 0
	tag := func(scen string) { // the metrics added since the last tag are scen's
		for i := tagged; i < len(ms); i++ {
			ms[i].scen = scen
		}
		tagged = len(ms)
	}
	if rep.scen["fanout"] {
		ms = append(ms,
			metric{name: fmt.Sprintf("fan-out deliveries/s (%d clients, %d in flight, %d B)", c.fanoutClients, c.inflight, c.size), higher: true, target: true,
				value: func(r *result) float64 {
					if r.fanout == nil {
						return 0
					}
					return r.fanout.rate
				}, format: num},
			metric{name: "fan-out latency p50",
				value: func(r *result) float64 {
					if r.fanout == nil {
						return 0
					}
					return d(r.fanout.p50)
				}, format: fd},
			metric{name: "fan-out latency p99", target: true,
				value: func(r *result) float64 {
					if r.fanout == nil {
						return 0
					}
					return d(r.fanout.p99)
				}, format: fd},
			metric{name: "fan-out server CPU per delivery",
				value: func(r *result) float64 {
					if r.fanout == nil || r.fanout.rate == 0 {
						return 0
					}
					return r.fanout.cpu.server / r.fanout.rate * 1e9
				}, format: cpuPer})
	}
	tag("fanout")
	if rep.scen["echo"] {
		ms = append(ms,
			metric{name: fmt.Sprintf("echo messages/s (%d clients, %d B)", c.echoClients, c.size), higher: true, target: true,
				value: func(r *result) float64 {
					if r.echo == nil {
						return 0
					}
					return r.echo.rate
				}, format: num},
			metric{name: "echo round trip p50",
				value: func(r *result) float64 {
					if r.echo == nil {
						return 0
					}
					return d(r.echo.p50)
				}, format: fd},
			metric{name: "echo round trip p99",
				value: func(r *result) float64 {
					if r.echo == nil {
						return 0
					}
					return d(r.echo.p99)
				}, format: fd},
			metric{name: "echo server CPU per message",
				value: func(r *result) float64 {
					if r.echo == nil || r.echo.rate == 0 {
						return 0
					}
					return r.echo.cpu.server / r.echo.rate * 1e9
				}, format: cpuPer})
	}
	tag("echo")
	if rep.scen["idle"] {
		ms = append(ms, metric{name: fmt.Sprintf("idle RSS per connection (%d connections)", c.idleConns), target: true,
			value: func(r *result) float64 {
				if r.idle == nil || r.idle.err != "" {
					return 0
				}
				return r.idle.perConn
			}, format: kib})
	}
	tag("idle")
	if rep.scen["upgrades"] {
		ms = append(ms,
			metric{name: fmt.Sprintf("upgrades/s (%d, %d in flight)", c.upgrades, c.upgradeConcurrency), higher: true, target: true,
				value: func(r *result) float64 {
					if r.upgrade == nil {
						return 0
					}
					return r.upgrade.rate
				}, format: num},
			metric{name: "upgrade p99 (handshake to welcome)",
				value: func(r *result) float64 {
					if r.upgrade == nil {
						return 0
					}
					return d(r.upgrade.p99)
				}, format: fd},
			metric{name: "upgrade server CPU per connection",
				value: func(r *result) float64 {
					if r.upgrade == nil || r.upgrade.rate == 0 {
						return 0
					}
					return r.upgrade.cpu.server / r.upgrade.rate * 1e9
				}, format: cpuPer})
	}
	tag("upgrades")
	if rep.scen["http"] {
		ms = append(ms, httpMetrics("HTTP GET", fmt.Sprintf("%d connections, small JSON answer", c.httpConns),
			func(r *result) *httpResult { return r.http })...)
	}
	tag("http")
	if rep.scen["http-json"] {
		ms = append(ms, httpMetrics("HTTP POST", fmt.Sprintf("%d connections, 2 KB JSON parsed, changed, sent back", c.httpConns),
			func(r *result) *httpResult { return r.httpJSON })...)
	}
	tag("http-json")
	return ms
}

// httpMetrics are the rows of one HTTP scenario: requests/s, p50, p99 and
// server CPU per request.
func httpMetrics(short, detail string, get func(*result) *httpResult) []metric {
	fd := func(v float64) string { return dur(time.Duration(v)) }
	ok := func(r *result) *httpResult {
		if h := get(r); h != nil && h.err == "" {
			return h
		}
		return nil
	}
	// Issue 16's targets: requests/s at least Bun's and Node's, p99 at
	// most Node's.
	return []metric{
		{name: short + " requests/s (" + detail + ")", higher: true, target: true, value: func(r *result) float64 {
			if h := ok(r); h != nil {
				return h.rate
			}
			return 0
		}, format: num, nodeTarget: true},
		{name: short + " latency p50", value: func(r *result) float64 {
			if h := ok(r); h != nil {
				return float64(h.p50)
			}
			return 0
		}, format: fd},
		{name: short + " latency p99", value: func(r *result) float64 {
			if h := ok(r); h != nil {
				return float64(h.p99)
			}
			return 0
		}, format: fd, nodeTarget: true},
		{name: short + " server CPU per request", value: func(r *result) float64 {
			if h := ok(r); h != nil && h.rate > 0 {
				return h.cpu.server / h.rate * 1e9
			}
			return 0
		}, format: cpuPer},
	}
}

// targetVerdict says whether duplex's figure met m's target against
// peer's: at least as high, or as low, as the peer's.
func targetVerdict(m metric, duplex, peer *result, who string) string {
	dv, pv := m.value(duplex), m.value(peer)
	op := "≤"
	if m.higher {
		op = "≥"
	}
	verdict := "not measured"
	if dv > 0 && pv > 0 {
		met := dv <= pv
		if m.higher {
			met = dv >= pv
		}
		verdict = "**missed**"
		if met {
			verdict = "met"
		}
	} else if pv > 0 {
		verdict = "**missed** (no figure)"
	}
	return fmt.Sprintf("%s 1%s: %s", op, who, verdict)
}

// peers returns the results of duplex, Bun and Node.js, those measured.
func (rep *report) peers() (duplex, bun, node *result) {
	for _, r := range rep.results {
		switch r.srv.name {
		case "duplex":
			duplex = r
		case "bun":
			bun = r
		case "node":
			node = r
		}
	}
	return duplex, bun, node
}

// ratio formats a / b, or "—" when either is missing.
func ratio(a, b float64) string {
	if a > 0 && b > 0 {
		return fmt.Sprintf("%.2f", a/b)
	}
	return "—"
}

// markedRatio is ratio(a's figure, b's), marked when either was taken on
// a busy machine.
func markedRatio(m metric, a, b *result) string {
	q := ratio(m.value(a), m.value(b))
	if q != "—" && (a.disturbed[m.scen] || b.disturbed[m.scen]) {
		q += `\` + mark
	}
	return q
}

func (rep *report) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("## Run of %s\n\n", rep.started.UTC().Format("2006-01-02 15:04 MST"))
	w("Command (from the repository root):\n\n```sh\n%s\n```\n\n", command())
	for _, m := range rep.machine {
		w("- %s\n", m)
	}
	w("\n")

	if rep.svgPath != "" {
		w("Chart: `%s`.\n\n", rep.chartName())
	}
	duplex, bun, node := rep.peers()
	w("| |")
	sep := "|---|"
	for _, r := range rep.results {
		w(" %s |", r.srv.label)
		sep += "---:|"
	}
	haveRatio := duplex != nil && bun != nil
	nodeRatio := duplex != nil && node != nil
	if haveRatio {
		w(" duplex / Bun |")
		sep += "---:|"
	}
	if nodeRatio {
		w(" duplex / Node |")
		sep += "---:|"
	}
	if haveRatio || nodeRatio {
		w(" target |")
		sep += "---|"
	}
	w("\n%s\n", sep)
	for _, m := range rep.metrics() {
		w("| %s |", m.name)
		for _, r := range rep.results {
			w(" %s |", strings.ReplaceAll(m.formatted(r), mark, `\`+mark))
		}
		if haveRatio {
			w(" %s |", markedRatio(m, duplex, bun))
		}
		if nodeRatio {
			w(" %s |", markedRatio(m, duplex, node))
		}
		if haveRatio || nodeRatio {
			// A row with a target against Bun alone (the WebSocket ones)
			// says no name; one against both names each.
			var verdicts []string
			bunWho := ""
			if m.nodeTarget && nodeRatio {
				bunWho = " (Bun)"
			}
			if m.target && haveRatio {
				verdicts = append(verdicts, targetVerdict(m, duplex, bun, bunWho))
			}
			if m.nodeTarget && nodeRatio {
				verdicts = append(verdicts, targetVerdict(m, duplex, node, " (Node)"))
			}
			w(" %s |", strings.Join(verdicts, "; "))
		}
		w("\n")
	}

	for _, r := range rep.results {
		if len(r.disturbed) > 0 {
			w("\n%s: the machine was busy with other work before or during the figure's window (see the notes below).\n", mark)
			break
		}
	}
	w("\nDetails. CPU in cores over each measured window: the server's; the load generator's (\"clients\"), which shares the machine; and \"other\", the rest of the machine's busy time (other processes, unattributed interrupts), which should be near 0. \"CPU per delivery/message/connection/request\" above is the server's CPU time divided by the work done: a comparison that still holds when the load generator, not the server, limits the rate.\n\n")
	w("| | fan-out | echo | idle | upgrades | http | http-json |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rep.results {
		cell := func(s interface{ summary() string }, ok bool) string {
			if !ok {
				return "—"
			}
			return strings.ReplaceAll(s.summary(), "|", "/")
		}
		w("| %s | %s | %s | %s | %s | %s | %s |\n", r.srv.label,
			cell(r.fanout, r.fanout != nil), cell(r.echo, r.echo != nil),
			cell(r.idle, r.idle != nil), cell(r.upgrade, r.upgrade != nil),
			cell(r.http, r.http != nil), cell(r.httpJSON, r.httpJSON != nil))
	}
	var notes bool
	for _, r := range rep.results {
		for _, n := range r.notes {
			if !notes {
				w("\nNotes from the run:\n\n")
				notes = true
			}
			w("- %s, %s\n", r.srv.label, strings.ReplaceAll(n, "\n", "\n  "))
		}
	}
	w("\n")
	return b.String()
}

func command() string {
	args := []string{"go", "run", "./cmd/duplex-bench"}
	for _, a := range os.Args[1:] {
		if strings.ContainsAny(a, " \t'\"") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		args = append(args, a)
	}
	return strings.Join(args, " ")
}

// machineInfo describes the machine and the versions measured.
func machineInfo(h *harness) []string {
	var out []string
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	var si syscall.Sysinfo_t
	mem := ""
	if syscall.Sysinfo(&si) == nil {
		mem = fmt.Sprintf(", %.0f GiB memory", float64(si.Totalram)*float64(si.Unit)/(1<<30))
	}
	kernel, _ := run(h.root, "uname", "-r")
	out = append(out, fmt.Sprintf("Machine: %d CPUs (nproc), %s%s, Linux %s; servers and load generator share it", runtime.NumCPU(), model, mem, kernel))
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		out = append(out, fmt.Sprintf("Open files per process: %d", rl.Cur))
	}
	gov, _ := run(h.root, "go", "version")
	rev, _ := run(h.root, "git", "rev-parse", "--short", "HEAD")
	if st, err := run(h.root, "git", "status", "--porcelain", "--untracked-files=no"); err == nil && st != "" {
		rev += " plus uncommitted changes"
	}
	if h.cfg.duplexBin != "" {
		rev = "none: the binary " + h.cfg.duplexBin
	}
	flags := strings.TrimSpace("--log-level warn " + h.cfg.duplexArgs)
	out = append(out, fmt.Sprintf("duplex: commit %s, %s; `duplex serve %s` (other flags at their defaults)", orNone(rev), gov, flags))
	if nodev, err := run(h.root, "node", "--version"); err == nil {
		wsv, _ := run(h.root, "node", "-p", "require('./bench/node_modules/ws/package.json').version")
		out = append(out, fmt.Sprintf("Node.js %s, ws %s", nodev, orNone(wsv)))
	}
	if h.bunPath != "" {
		bv, _ := run(h.root, h.bunPath, "--version")
		rel, _ := filepath.Rel(h.root, h.bunPath)
		out = append(out, fmt.Sprintf("Bun %s (%s, from the npm package `bun`)", bv, rel))
	}
	out = append(out, fmt.Sprintf("Clients: Go load generator (gobwas/ws framing), GOMAXPROCS %d, connections spread over %d source addresses 127.0.0.2..127.0.0.%d",
		runtime.GOMAXPROCS(0), h.sources, h.sources+1))
	out = append(out, fmt.Sprintf("HTTP clients: the harness's own load generator, %d event-loop thread(s) (epoll), %d keep-alive HTTP/1.1 connections from 127.0.0.1, one request in flight on each (no pipelining), %s warm-up then %s measured",
		h.cfg.httpThreads, h.cfg.httpConns, h.cfg.httpWarmup, h.cfg.httpDuration))
	out = append(out, "plain Go: gobwas/ws for WebSockets (bench/plain), net/http and encoding/json for HTTP (bench/plainhttp)")
	return out
}

// chartName is the chart's path as the report names it: relative to the
// repository root when inside it.
func (rep *report) chartName() string {
	if root, err := findRoot(); err == nil {
		if rel, err := filepath.Rel(root, rep.svgPath); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return rep.svgPath
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
