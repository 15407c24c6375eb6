package test

// End-to-end harness: builds the duplex binary once, starts servers on
// loopback ports, collects their zerolog JSON stderr lines and lets tests
// wait on log events instead of sleeping.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	// serverBin is the path of the duplex binary built by TestMain.
	serverBin string
	// appsDir is the absolute path of test/testdata/apps.
	appsDir string
)

const (
	startDeadline    = 20 * time.Second
	shutdownDeadline = 15 * time.Second
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	var err error
	appsDir, err = filepath.Abs(filepath.Join("testdata", "apps"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "abs testdata:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "duplex-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "tempdir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// DUPLEX_E2E_BIN runs the suite against a prebuilt binary instead.
	if bin := os.Getenv("DUPLEX_E2E_BIN"); bin != "" {
		if serverBin, err = filepath.Abs(bin); err != nil {
			fmt.Fprintln(os.Stderr, "DUPLEX_E2E_BIN:", err)
			return 1
		}
		return m.Run()
	}
	serverBin = filepath.Join(dir, "duplex")
	args := []string{"build", "-o", serverBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/duplex")
	cmd := exec.Command("go", args...)
	cmd.Dir = ".." // module root
	out, err := cmd.CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the server failed: %v\n%s\n", err, out)
		return 1
	}
	return m.Run()
}

// Server is one running duplex process.
type Server struct {
	URL  string // http://127.0.0.1:PORT
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

// Write implements io.Writer for the process's stderr; it splits lines.
func (s *Server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	added := false
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		s.addLineLocked(string(s.partial[:i]))
		s.partial = s.partial[i+1:]
		added = true
	}
	if added {
		close(s.changed)
		s.changed = make(chan struct{})
	}
	return len(p), nil
}

func (s *Server) addLineLocked(line string) {
	line = strings.TrimRight(line, "\r")
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		m = nil
	}
	s.lines = append(s.lines, line)
	s.entries = append(s.entries, m)
}

// flushPartial turns a trailing unterminated line into a line.
func (s *Server) flushPartial() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		s.addLineLocked(string(s.partial))
		s.partial = nil
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

// Lines returns a copy of all raw stderr lines so far.
func (s *Server) Lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

// Logs returns the JSON log entries so far (non-JSON lines are skipped).
func (s *Server) Logs() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, e := range s.entries {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// Stderr returns the whole stderr text so far.
func (s *Server) Stderr() string {
	return strings.Join(s.Lines(), "\n")
}

// LogEntry is one stderr line: Raw always set, Fields when it is JSON.
type LogEntry struct {
	Raw    string
	Fields map[string]any
}

// Level returns the "level" field (lower case) or "".
func (e LogEntry) Level() string {
	if e.Fields == nil {
		return ""
	}
	l, _ := e.Fields["level"].(string)
	return strings.ToLower(l)
}

// Message returns the "message" field or "".
func (e LogEntry) Message() string {
	if e.Fields == nil {
		return ""
	}
	m, _ := e.Fields["message"].(string)
	return m
}

// Has reports whether the raw line contains every substring (case-insensitive).
func (e LogEntry) Has(subs ...string) bool {
	low := strings.ToLower(e.Raw)
	for _, s := range subs {
		if !strings.Contains(low, strings.ToLower(s)) {
			return false
		}
	}
	return true
}

// Entries returns all lines as LogEntry values.
func (s *Server) Entries() []LogEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LogEntry, len(s.lines))
	for i := range s.lines {
		out[i] = LogEntry{Raw: s.lines[i], Fields: s.entries[i]}
	}
	return out
}

// CountLogs counts lines matching pred.
func (s *Server) CountLogs(pred func(LogEntry) bool) int {
	n := 0
	for _, e := range s.Entries() {
		if pred(e) {
			n++
		}
	}
	return n
}

// waitLine waits (event-driven) until a line matching pred appears, the
// process exits or the timeout passes. It returns the entry and whether found.
func (s *Server) waitLine(pred func(LogEntry) bool, timeout time.Duration) (LogEntry, bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	next := 0
	exited := false
	for {
		s.mu.Lock()
		for ; next < len(s.lines); next++ {
			e := LogEntry{Raw: s.lines[next], Fields: s.entries[next]}
			if pred(e) {
				s.mu.Unlock()
				return e, true
			}
		}
		ch := s.changed
		s.mu.Unlock()
		if exited {
			return LogEntry{}, false
		}
		select {
		case <-ch:
		case <-s.exited:
			// The writer is finished once Wait returned; scan one last time.
			exited = true
		case <-timer.C:
			return LogEntry{}, false
		}
	}
}

// WaitLog waits for a log line matching pred and fails the test on timeout.
func (s *Server) WaitLog(t testing.TB, pred func(LogEntry) bool, timeout time.Duration) LogEntry {
	t.Helper()
	e, ok := s.waitLine(pred, timeout)
	if !ok {
		t.Fatalf("timed out after %v waiting for a log line; stderr so far:\n%s", timeout, s.Stderr())
	}
	return e
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

type serverOpts struct {
	env     []string // extra environment, KEY=VALUE
	args    []string // arguments after "serve"
	noAddr  bool     // do not add --addr 127.0.0.1:0
	noCheck bool     // cleanup: don't require exit 0 (used when the test stops it)
	bin     string   // the binary to run; serverBin when empty
}

// startServer runs BIN serve --addr 127.0.0.1:0 args... and waits for "listening".
func startServer(t testing.TB, args ...string) *Server {
	t.Helper()
	return startServerOpts(t, serverOpts{args: args})
}

// cleanEnv is the environment without any DUPLEX_* variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DUPLEX_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

var listenAddrRe = regexp.MustCompile(`^127\.0\.0\.1:(\d+)$`)

func isListening(e LogEntry) bool {
	return e.Fields != nil && e.Message() == "listening"
}

var (
	ansiRe        = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	consoleAddrRe = regexp.MustCompile(`listening.*addr=(127\.0\.0\.1:\d+)`)
)

func stripANSI(s string) string { return ansiRe.ReplaceAllString(s, "") }

// isListeningAny also accepts a non-JSON (console format) listening line.
func isListeningAny(e LogEntry) bool {
	return isListening(e) || (e.Fields == nil && consoleAddrRe.MatchString(stripANSI(e.Raw)))
}

// launch starts BIN serve ... without waiting for it to listen.
func launch(t testing.TB, o serverOpts) *Server {
	t.Helper()
	args := []string{"serve"}
	if !o.noAddr {
		args = append(args, "--addr", "127.0.0.1:0")
	}
	args = append(args, o.args...)
	s := &Server{changed: make(chan struct{}), exited: make(chan struct{})}
	bin := o.bin
	if bin == "" {
		bin = serverBin
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir() // never rely on the working directory
	cmd.Env = append(cleanEnv(), o.env...)
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
	t.Cleanup(func() { s.stop(t, !o.noCheck) })
	return s
}

func startServerOpts(t testing.TB, o serverOpts) *Server {
	t.Helper()
	s := launch(t, o)
	args := s.cmd.Args[1:]
	e, ok := s.waitLine(isListeningAny, startDeadline)
	if ok && !isListening(e) {
		// --dev logs in zerolog's console format (TestLogsAreJSON checks
		// both formats); take the address from the text.
		m := consoleAddrRe.FindStringSubmatch(stripANSI(e.Raw))
		e = LogEntry{Raw: e.Raw, Fields: map[string]any{"addr": m[1]}}
	}
	if !ok {
		if s.Exited() {
			t.Fatalf("server %v exited before listening (%v); stderr:\n%s", args, s.waitErr, s.Stderr())
		}
		t.Fatalf("server %v did not log \"listening\" within %v; stderr:\n%s", args, startDeadline, s.Stderr())
	}
	addr, _ := e.Fields["addr"].(string)
	m := listenAddrRe.FindStringSubmatch(addr)
	if m == nil {
		t.Fatalf("listening line has addr %q, want 127.0.0.1:PORT; line: %s", addr, e.Raw)
	}
	s.Addr = addr
	s.Port, _ = strconv.Atoi(m[1])
	if s.Port == 0 {
		t.Fatalf("listening line reports port 0 (must be the real bound port): %s", e.Raw)
	}
	s.URL = "http://" + addr
	return s
}

// Signal sends sig to the server process.
func (s *Server) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil && !s.Exited() {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

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
	return exitCode(s.waitErr)
}

func exitCode(err error) int {
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

// stop terminates the server (SIGTERM) and checks the exit status and stderr.
func (s *Server) stop(t testing.TB, checkExit bool) {
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
		code = exitCode(s.waitErr)
	case <-time.After(shutdownDeadline):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Errorf("server did not exit within %v after SIGTERM; stderr:\n%s", shutdownDeadline, tail(s.Stderr(), 4000))
		return
	}
	if checkExit && code != 0 {
		t.Errorf("server exited with code %d after SIGTERM, want 0; stderr:\n%s", code, tail(s.Stderr(), 4000))
	}
	stderr := s.Stderr()
	if strings.Contains(stderr, "DATA RACE") {
		t.Errorf("server stderr reports a DATA RACE:\n%s", tail(stderr, 8000))
	}
	if strings.Contains(strings.ToLower(stderr), "panic") {
		t.Errorf("server stderr mentions a panic:\n%s", tail(stderr, 8000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

// runToExit runs BIN with args (no server expected) and returns the exit code
// and combined stdout+stderr. It fails the test if it doesn't exit within 20 s.
func runToExit(t testing.TB, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(serverBin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(cleanEnv(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitCode(err), out.String()
	case <-time.After(startDeadline):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not exit within %v; output:\n%s", args, startDeadline, out.String())
		return 0, ""
	}
}

// ---------------------------------------------------------------------------
// HTTP helpers

// client never follows redirects and never hangs forever.
var client = &http.Client{
	Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// Resp is a fully read response.
type Resp struct {
	Status int
	Header http.Header
	Body   string
	Resp   *http.Response
}

// JSON decodes the body as a JSON object.
func (r *Resp) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("response body is not a JSON object (%v): status %d, Content-Type %q, body %q",
			err, r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	return m
}

// do sends a request; hdr is alternating name, value pairs.
func do(t testing.TB, method, url string, body io.Reader, hdr ...string) *Resp {
	t.Helper()
	r, err := doErr(method, url, body, hdr...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

func doErr(method, url string, body io.Reader, hdr ...string) (*Resp, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &Resp{Status: res.StatusCode, Header: res.Header, Body: string(b), Resp: res}, nil
}

func get(t testing.TB, url string, hdr ...string) *Resp {
	t.Helper()
	return do(t, http.MethodGet, url, nil, hdr...)
}

func post(t testing.TB, url, contentType, body string, hdr ...string) *Resp {
	t.Helper()
	return do(t, http.MethodPost, url, strings.NewReader(body), append([]string{"Content-Type", contentType}, hdr...)...)
}

// wantStatus fails the test unless r has the given status.
func wantStatus(t testing.TB, r *Resp, want int, what string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d; Content-Type %q; body %q", what, r.Status, want, r.Header.Get("Content-Type"), trunc(r.Body))
	}
}

func trunc(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}

// appDir returns the absolute path of a test app.
func appDir(name string) string { return filepath.Join(appsDir, name) }

// copyDir copies a directory tree (regular files and dirs only).
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s -> %s: %v", src, dst, err)
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WaitLogCount waits until at least n lines match pred.
func (s *Server) WaitLogCount(t testing.TB, pred func(LogEntry) bool, n int, timeout time.Duration) {
	t.Helper()
	seen := 0
	_, ok := s.waitLine(func(e LogEntry) bool {
		if pred(e) {
			seen++
		}
		return seen >= n
	}, timeout)
	if !ok {
		t.Fatalf("timed out after %v waiting for %d matching log lines (saw %d); stderr:\n%s", timeout, n, seen, tail(s.Stderr(), 6000))
	}
}

// rawRequest writes a raw HTTP request to the server and reads one response.
// The request text must use \r\n line endings and end with an empty line.
func rawRequest(t testing.TB, s *Server, request string) *Resp {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.Addr, 10*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatalf("write raw request: %v", err)
	}
	method := strings.SplitN(request, " ", 2)[0]
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read raw response for %q: %v", strings.SplitN(request, "\r\n", 2)[0], err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read raw response body: %v", err)
	}
	return &Resp{Status: res.StatusCode, Header: res.Header, Body: string(b), Resp: res}
}

// rawGet sends "GET <target> HTTP/1.1" with the target written verbatim
// (no client-side cleaning or re-escaping).
func rawGet(t testing.TB, s *Server, target string) *Resp {
	t.Helper()
	return rawRequest(t, s, "GET "+target+" HTTP/1.1\r\nHost: "+s.Addr+"\r\nConnection: close\r\n\r\n")
}

// rawExchange writes a raw request (which should say Connection: close) and
// returns everything the server sends until it closes the connection.
func rawExchange(t testing.TB, s *Server, request string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.Addr, 10*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatalf("write raw request: %v", err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read raw response: %v (got %q)", err, b)
	}
	return string(b)
}
