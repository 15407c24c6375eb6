package harness

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Write takes the process's stderr and splits it into lines, waking every
// waiter on each complete one.
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

// WaitLine waits until a line matching pred appears, the process exits or
// the timeout passes, woken by each new line rather than polling. It
// returns the entry and whether one was found.
func (s *Server) WaitLine(pred func(LogEntry) bool, timeout time.Duration) (LogEntry, bool) {
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
	e, ok := s.WaitLine(pred, timeout)
	if !ok {
		t.Fatalf("timed out after %v waiting for a log line; stderr so far:\n%s", timeout, s.Stderr())
	}
	return e
}

// WaitLogCount waits until at least n lines match pred.
func (s *Server) WaitLogCount(t testing.TB, pred func(LogEntry) bool, n int, timeout time.Duration) {
	t.Helper()
	seen := 0
	_, ok := s.WaitLine(func(e LogEntry) bool {
		if pred(e) {
			seen++
		}
		return seen >= n
	}, timeout)
	if !ok {
		t.Fatalf("timed out after %v waiting for %d matching log lines (saw %d); stderr:\n%s", timeout, n, seen, Tail(s.Stderr(), 6000))
	}
}

// IsListening matches the JSON "listening" line a server logs once it
// accepts connections.
func IsListening(e LogEntry) bool {
	return e.Fields != nil && e.Message() == "listening"
}

// consoleAddrRe finds the address in the console format's listening line,
// whose message is "listening" alone (not "metrics listening").
func consoleAddrRe() *regexp.Regexp {
	return regexp.MustCompile(` INF listening .*addr=(127\.0\.0\.1:\d+)`)
}

// StripANSI removes the colours of zerolog's console format.
func StripANSI(s string) string {
	return regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(s, "")
}

// IsListeningAny also accepts a non-JSON (console format) listening line.
func IsListeningAny(e LogEntry) bool {
	return IsListening(e) || (e.Fields == nil && consoleAddrRe().MatchString(StripANSI(e.Raw)))
}

// MessageHas matches a line whose message contains sub (for a non-JSON
// line, whose format is already reported as a deviation, the raw text).
func MessageHas(sub string) func(LogEntry) bool {
	return func(e LogEntry) bool {
		if e.Fields == nil {
			return strings.Contains(StripANSI(e.Raw), sub)
		}
		return strings.Contains(e.Message(), sub)
	}
}

// JSONLog extracts the JSON object after "prefix " in a log line's
// message: the test apps log what their event handlers saw that way.
func JSONLog(e LogEntry, prefix string) (map[string]any, bool) {
	msg := e.Message()
	i := strings.Index(msg, prefix+" {")
	if i < 0 {
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(msg[i+len(prefix)+1:]), &m); err != nil {
		return nil, false
	}
	return m, true
}

// WaitJSONLog waits for an app log "<prefix> {json}" whose object satisfies pred.
func WaitJSONLog(t testing.TB, s *Server, prefix string, pred func(map[string]any) bool, timeout time.Duration) map[string]any {
	t.Helper()
	var found map[string]any
	_, ok := s.WaitLine(func(e LogEntry) bool {
		m, ok := JSONLog(e, prefix)
		if ok && pred(m) {
			found = m
			return true
		}
		return false
	}, timeout)
	if !ok {
		t.Fatalf("timed out after %v waiting for a %q log line; stderr:\n%s", timeout, prefix, Tail(s.Stderr(), 6000))
	}
	return found
}

// JSONLogs returns every "<prefix> {json}" object logged so far.
func JSONLogs(s *Server, prefix string) []map[string]any {
	var out []map[string]any
	for _, e := range s.Entries() {
		if m, ok := JSONLog(e, prefix); ok {
			out = append(out, m)
		}
	}
	return out
}
