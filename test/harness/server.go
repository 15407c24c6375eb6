package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// StartDeadline bounds a server's start and a command's run.
	StartDeadline = 20 * time.Second
	// ShutdownDeadline bounds a server's exit after SIGTERM.
	ShutdownDeadline = 15 * time.Second
)

// Server is one running duplex process.
type Server struct {
	URL  string // http://127.0.0.1:PORT (https:// with --tls-cert)
	Addr string // 127.0.0.1:PORT
	Port int

	cmd *exec.Cmd

	mu      sync.Mutex
	partial []byte
	lines   []string
	entries []map[string]any // nil entry for a non-JSON line
	changed chan struct{}    // closed (and replaced) whenever a line arrives

	exited  chan struct{} // closed when the process has exited
	waitErr error         // valid after exited is closed
	stopped bool
}

// Opts says how to run `duplex serve`.
type Opts struct {
	Env     []string // extra environment, KEY=VALUE
	Args    []string // arguments after "serve"
	NoAddr  bool     // do not add --addr 127.0.0.1:0
	NoCheck bool     // at cleanup, do not require exit 0 (the test stops it)
	Bin     string   // the binary to run instead of the package's
}

// Start runs `duplex serve --addr 127.0.0.1:0 args...` and waits until it
// logs that it listens; it is stopped, and its exit checked, at cleanup.
func (b *Binary) Start(t testing.TB, args ...string) *Server {
	t.Helper()
	return b.StartOpts(t, Opts{Args: args})
}

// CleanEnv is the environment without any DUPLEX_* variables, so that the
// developer's own settings never reach a server under test.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DUPLEX_") {
			env = append(env, kv)
		}
	}
	return env
}

// Launch starts `duplex serve ...` without waiting for it to listen.
func (b *Binary) Launch(t testing.TB, o Opts) *Server {
	t.Helper()
	b.note()
	args := []string{"serve"}
	if !o.NoAddr {
		args = append(args, "--addr", "127.0.0.1:0")
	}
	args = append(args, o.Args...)
	s := &Server{changed: make(chan struct{}), exited: make(chan struct{})}
	bin := o.Bin
	if bin == "" {
		bin = b.path
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir() // never rely on the working directory
	cmd.Env = append(CleanEnv(), o.Env...)
	cmd.Stderr = s
	cmd.Stdout = io.Discard
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	s.cmd = cmd
	go func() {
		s.waitErr = cmd.Wait()
		s.flushPartial()
		close(s.exited)
	}()
	t.Cleanup(func() { s.Stop(t, !o.NoCheck) })
	return s
}

// StartOpts is Start with the options o.
func (b *Binary) StartOpts(t testing.TB, o Opts) *Server {
	t.Helper()
	s := b.Launch(t, o)
	args := s.cmd.Args[1:]
	e, ok := s.WaitLine(IsListeningAny, StartDeadline)
	if ok && !IsListening(e) {
		// --dev logs in zerolog's console format (TestLogsAreJSON checks
		// both formats); take the address from the text.
		m := consoleAddrRe().FindStringSubmatch(StripANSI(e.Raw))
		e = LogEntry{Raw: e.Raw, Fields: map[string]any{"addr": m[1]}}
	}
	if !ok {
		if s.Exited() {
			t.Fatalf("server %v exited before listening (%v); stderr:\n%s", args, s.waitErr, s.Stderr())
		}
		t.Fatalf("server %v did not log \"listening\" within %v; stderr:\n%s", args, StartDeadline, s.Stderr())
	}
	addr, _ := e.Fields["addr"].(string)
	m := regexp.MustCompile(`^127\.0\.0\.1:(\d+)$`).FindStringSubmatch(addr)
	if m == nil {
		t.Fatalf("listening line has addr %q, want 127.0.0.1:PORT; line: %s", addr, e.Raw)
	}
	s.Addr = addr
	s.Port, _ = strconv.Atoi(m[1])
	if s.Port == 0 {
		t.Fatalf("listening line reports port 0 (must be the real bound port): %s", e.Raw)
	}
	s.URL = "http://" + addr
	if tls, _ := e.Fields["tls"].(bool); tls {
		s.URL = "https://" + addr
	}
	return s
}

// ExpectStartFailure runs serve and requires a non-zero exit without ever
// listening; it returns the stderr text.
func (b *Binary) ExpectStartFailure(t testing.TB, args ...string) string {
	t.Helper()
	s := b.Launch(t, Opts{Args: args, NoCheck: true})
	if e, ok := s.WaitLine(IsListeningAny, StartDeadline); ok {
		t.Fatalf("server started (%s) but should have failed; stderr:\n%s", e.Raw, s.Stderr())
	}
	code := s.WaitExit(t, StartDeadline)
	if code == 0 || code == -1 {
		t.Fatalf("server exited with %d, want a non-zero exit code; stderr:\n%s", code, s.Stderr())
	}
	return s.Stderr()
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Memory reads a size field of the process's /proc status, in bytes:
// VmRSS for its resident set, VmHWM for the peak of it.
func (s *Server) Memory(field string) (int64, error) {
	path := fmt.Sprintf("/proc/%d/status", s.Pid())
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, fmt.Errorf("no %s in %s", field, path)
}

// Exited reports whether the process has exited.
func (s *Server) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// ExitErr is what waiting for the process returned; nil until it exited.
func (s *Server) ExitErr() error {
	if !s.Exited() {
		return nil
	}
	return s.waitErr
}

// Signal sends sig to the server process.
func (s *Server) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil && !s.Exited() {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// Kill kills the process (SIGKILL), as a crash or a power cut would.
func (s *Server) Kill() error { return s.cmd.Process.Kill() }

// WaitExit waits for the process to exit and returns its exit code
// (-1 when killed by a signal).
func (s *Server) WaitExit(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-s.exited:
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Fatalf("server did not exit within %v; stderr:\n%s", timeout, s.Stderr())
	}
	return ExitCode(s.waitErr)
}

// ExitCode is the exit code in a command's error: 0 for nil, -1 for a
// death by signal, -2 when the command did not run.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1
		}
		return ee.ExitCode()
	}
	return -2
}

// Stop terminates the server (SIGTERM) once and checks its exit status and
// stderr: a data race or a panic fails the test, so that no test can pass
// while the server misbehaves behind it.
func (s *Server) Stop(t testing.TB, checkExit bool) {
	t.Helper()
	s.mu.Lock()
	already := s.stopped
	s.stopped = true
	s.mu.Unlock()
	if already {
		return
	}
	if !s.Exited() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
	}
	code := 0
	select {
	case <-s.exited:
		code = ExitCode(s.waitErr)
	case <-time.After(ShutdownDeadline):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Errorf("server did not exit within %v after SIGTERM; stderr:\n%s", ShutdownDeadline, Tail(s.Stderr(), 4000))
		return
	}
	if checkExit && code != 0 {
		t.Errorf("server exited with code %d after SIGTERM, want 0; stderr:\n%s", code, Tail(s.Stderr(), 4000))
	}
	stderr := s.Stderr()
	if strings.Contains(stderr, "DATA RACE") {
		t.Errorf("server stderr reports a DATA RACE:\n%s", Tail(stderr, 8000))
	}
	if strings.Contains(strings.ToLower(stderr), "panic") {
		t.Errorf("server stderr mentions a panic:\n%s", Tail(stderr, 8000))
	}
}

// Run runs the binary with args (no server expected) and returns the exit
// code and combined stdout and stderr. It fails the test if the command
// does not exit within StartDeadline.
func (b *Binary) Run(t testing.TB, env []string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := b.run(t, env, args, &out, &out)
	return code, out.String()
}

// RunSplit is Run with stdout and stderr apart.
func (b *Binary) RunSplit(t testing.TB, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = b.run(t, env, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func (b *Binary) run(t testing.TB, env, args []string, stdout, stderr *bytes.Buffer) int {
	t.Helper()
	b.note()
	cmd := exec.Command(b.path, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(CleanEnv(), env...)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return ExitCode(err)
	case <-time.After(StartDeadline):
		_ = cmd.Process.Kill()
		<-done
		out := stdout.String()
		if stderr != stdout {
			out += stderr.String()
		}
		t.Fatalf("%v did not exit within %v; output:\n%s", args, StartDeadline, out)
		return 0
	}
}
