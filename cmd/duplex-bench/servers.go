package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one implementation of the benchmark protocol.
type server struct {
	name  string // duplex, bun, node, plain
	label string // for the table
	path  string // WebSocket path
	argv  func(port int) []string
	http  httpPaths // where it answers the HTTP scenarios
	// httpArgv, if set, is the command for the HTTP scenarios instead of
	// argv (plain Go: a net/http server beside the gobwas/ws one).
	httpArgv func(port int) []string
}

// isHTTPScenario reports whether scenario s sends HTTP requests, not
// WebSocket messages.
func isHTTPScenario(s string) bool { return s == "http" || s == "http-json" }

// harness holds what every scenario needs: paths, built binaries, flags.
type harness struct {
	cfg     config
	root    string // repo root
	tmp     string // temp dir: binaries, server logs
	bunPath string
	sources int

	mu      sync.Mutex
	running map[*proc]struct{} // killed on interrupt
}

// proc is a started server process.
type proc struct {
	srv     *server
	cmd     *exec.Cmd
	pid     int
	addr    string
	logPath string
	exited  chan struct{}
	waitErr error
}

func run(dir string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// findRoot walks up from the working directory to the go.mod of module duplex.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(data), []byte("module duplex")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the duplex module (no go.mod with `module duplex` above the working directory)")
		}
		dir = parent
	}
}

// servers builds or installs what the requested servers need and returns them.
func (h *harness) servers(names []string) ([]*server, error) {
	var out []*server
	// Where Bun, Node.js and plain Go answer HTTP.
	peerPaths := httpPaths{hello: "/hello", echoJSON: "/echo-json"}
	needPeers := false
	for _, n := range names {
		if n == "bun" || n == "node" {
			needPeers = true
		}
	}
	if needPeers {
		if err := h.installPeers(names); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		switch n {
		case "duplex":
			bin := h.cfg.duplexBin
			if bin == "" {
				bin = filepath.Join(h.tmp, "duplex")
				logf("building duplex (go build -o %s ./cmd/duplex)", bin)
				if out, err := run(h.root, "go", "build", "-o", bin, "./cmd/duplex"); err != nil {
					return nil, fmt.Errorf("go build ./cmd/duplex: %v\n%s", err, out)
				}
			}
			app := filepath.Join(h.root, "bench", "app")
			extra := strings.Fields(h.cfg.duplexArgs)
			out = append(out, &server{name: n, label: "duplex", path: "/_/service/bench/bench",
				http: httpPaths{hello: "/_/service/bench/hello", echoJSON: "/_/service/bench/echo-json"},
				argv: func(port int) []string {
					a := []string{bin, "serve", "--addr", "127.0.0.1:" + strconv.Itoa(port), "--app", app, "--log-level", "warn"}
					return append(a, extra...)
				}})
		case "plain":
			bin := filepath.Join(h.tmp, "plain")
			logf("building plain (go build -o %s ./bench/plain)", bin)
			if out, err := run(h.root, "go", "build", "-o", bin, "./bench/plain"); err != nil {
				return nil, fmt.Errorf("go build ./bench/plain: %v\n%s", err, out)
			}
			httpBin := filepath.Join(h.tmp, "plainhttp")
			logf("building plainhttp (go build -o %s ./bench/plainhttp)", httpBin)
			if out, err := run(h.root, "go", "build", "-o", httpBin, "./bench/plainhttp"); err != nil {
				return nil, fmt.Errorf("go build ./bench/plainhttp: %v\n%s", err, out)
			}
			out = append(out, &server{name: n, label: "plain Go", path: "/", http: peerPaths,
				argv: func(port int) []string {
					return []string{bin, "--addr", "127.0.0.1:" + strconv.Itoa(port)}
				},
				httpArgv: func(port int) []string {
					return []string{httpBin, "--addr", "127.0.0.1:" + strconv.Itoa(port)}
				}})
		case "bun":
			script := filepath.Join(h.root, "bench", "bun", "server.js")
			bunPath := h.bunPath
			out = append(out, &server{name: n, label: "Bun", path: "/", http: peerPaths,
				argv: func(port int) []string { return []string{bunPath, script, strconv.Itoa(port)} }})
		case "node":
			script := filepath.Join(h.root, "bench", "node", "server.js")
			out = append(out, &server{name: n, label: "Node.js + ws", path: "/", http: peerPaths,
				argv: func(port int) []string { return []string{"node", script, strconv.Itoa(port)} }})
		default:
			return nil, fmt.Errorf("unknown server %q (want duplex, bun, node, plain)", n)
		}
	}
	return out, nil
}

// installPeers runs npm in bench/ when node_modules lacks ws or bun, and
// makes sure the bun binary runs on this CPU.
func (h *harness) installPeers(names []string) error {
	bench := filepath.Join(h.root, "bench")
	nm := filepath.Join(bench, "node_modules")
	if !exists(filepath.Join(nm, "ws", "package.json")) || !exists(filepath.Join(nm, "bun", "package.json")) {
		verb := "install"
		if exists(filepath.Join(bench, "package-lock.json")) {
			verb = "ci"
		}
		logf("installing peers: npm %s --prefix bench", verb)
		if out, err := run(h.root, "npm", verb, "--prefix", bench, "--no-audit", "--no-fund"); err != nil {
			return fmt.Errorf("npm %s --prefix bench: %v\n%s", verb, err, out)
		}
	}
	needBun := false
	for _, n := range names {
		needBun = needBun || n == "bun"
	}
	if !needBun {
		return nil
	}
	bun := filepath.Join(nm, ".bin", "bun")
	if _, err := run(bench, bun, "--version"); err == nil {
		h.bunPath = bun
		return nil
	}
	// The bun package's postinstall links the platform binary into place;
	// it did not run (scripts disabled), or picked a build this CPU cannot
	// run (no AVX2): run it again, then fall back to the baseline build.
	logf("bun does not run; running its postinstall (node install.js)")
	_, _ = run(filepath.Join(nm, "bun"), "node", "install.js")
	if _, err := run(bench, bun, "--version"); err == nil {
		h.bunPath = bun
		return nil
	}
	for _, pkg := range []string{"bun-linux-x64", "bun-linux-x64-baseline"} {
		p := filepath.Join(nm, "@oven", pkg, "bin", "bun")
		if _, err := run(bench, p, "--version"); err == nil {
			h.bunPath = p
			return nil
		}
	}
	ver, _ := run(bench, "node", "-p", "require('./node_modules/bun/package.json').version")
	logf("installing @oven/bun-linux-x64-baseline@%s (for CPUs without AVX2)", ver)
	if out, err := run(h.root, "npm", "install", "--prefix", bench, "--no-save", "--no-audit", "--no-fund", "@oven/bun-linux-x64-baseline@"+ver); err != nil {
		return fmt.Errorf("npm install @oven/bun-linux-x64-baseline: %v\n%s", err, out)
	}
	p := filepath.Join(nm, "@oven", "bun-linux-x64-baseline", "bin", "bun")
	if out, err := run(bench, p, "--version"); err != nil {
		return fmt.Errorf("no bun binary runs here: %v\n%s", err, out)
	}
	h.bunPath = p
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs srv on a free port for scenario tag and waits until a
// WebSocket client gets its welcome (for an HTTP scenario: until GET of the
// hello handler answers 200).
func (h *harness) start(ctx context.Context, srv *server, tag string) (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	argv := srv.argv(port)
	if isHTTPScenario(tag) && srv.httpArgv != nil {
		argv = srv.httpArgv(port)
	}
	logPath := filepath.Join(h.tmp, fmt.Sprintf("%s-%s.log", srv.name, tag))
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = h.root
	cmd.Stdout = lf
	cmd.Stderr = lf
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	p := &proc{srv: srv, cmd: cmd, pid: cmd.Process.Pid, addr: "127.0.0.1:" + strconv.Itoa(port), logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		lf.Close()
		close(p.exited)
	}()
	h.mu.Lock()
	h.running[p] = struct{}{}
	h.mu.Unlock()

	ready := func(ctx context.Context) error {
		c, err := newDialer(p.addr, srv.path, 1, 4096).dial(ctx)
		if err == nil {
			c.Close()
		}
		return err
	}
	what := "a WebSocket"
	if isHTTPScenario(tag) {
		ready = func(ctx context.Context) error { return probeHTTP(ctx, p.addr, srv.http.hello) }
		what = "HTTP requests"
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.exited:
			h.stop(p)
			return nil, fmt.Errorf("%s exited before accepting connections (%v):\n%s", srv.name, p.waitErr, p.logTail(20))
		case <-ctx.Done():
			h.stop(p)
			return nil, ctx.Err()
		default:
		}
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := ready(dctx)
		cancel()
		if err == nil {
			return p, nil
		}
		if time.Now().After(deadline) {
			h.stop(p)
			return nil, fmt.Errorf("%s did not accept %s within 30s (%v):\n%s", srv.name, what, err, p.logTail(20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// probeHTTP answers nil once GET path on addr answers 200.
func probeHTTP(ctx context.Context, addr, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	return nil
}

// stop ends the server's process group: SIGTERM, then SIGKILL after 3s.
func (h *harness) stop(p *proc) {
	h.mu.Lock()
	delete(h.running, p)
	h.mu.Unlock()
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(-p.pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		<-p.exited
	}
}

func (h *harness) stopAll() {
	h.mu.Lock()
	var ps []*proc
	for p := range h.running {
		ps = append(ps, p)
	}
	h.mu.Unlock()
	for _, p := range ps {
		h.stop(p)
	}
}

// alive reports whether the process is still running.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// logTail returns the last n lines of the server's output.
func (p *proc) logTail(n int) string {
	data, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// rss returns the process's resident set (VmRSS) in bytes.
func (p *proc) rss() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "VmRSS:") {
			fs := strings.Fields(line)
			if len(fs) >= 2 {
				kb, err := strconv.ParseInt(fs[1], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, errors.New("no VmRSS")
}

// cpu returns the process's user+system CPU time so far.
func (p *proc) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return 0
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	fs := strings.Fields(s[i+1:])
	if len(fs) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(fs[11], 10, 64)
	st, _ := strconv.ParseInt(fs[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ is 100 on Linux
}

// selfCPU returns the harness's own user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineBusy returns the CPU time all CPUs spent not idle (from /proc/stat).
func machineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fs := strings.Fields(line)
	if len(fs) < 8 || fs[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, f := range fs[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		switch i {
		case 3, 4: // idle, iowait
		case 8, 9: // guest, guest_nice: already counted in user and nice
		default:
			busy += v
		}
	}
	return time.Duration(busy) * (time.Second / 100)
}
