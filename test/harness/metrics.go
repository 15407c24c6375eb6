package harness

import (
	"bufio"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MetricsURL starts nothing: it waits for the "metrics listening" line of a
// server started with --metrics-addr 127.0.0.1:0 and returns its URL.
func MetricsURL(t testing.TB, s *Server) string {
	t.Helper()
	e := s.WaitLog(t, func(e LogEntry) bool { return e.Message() == "metrics listening" }, StartDeadline)
	addr, _ := e.Fields["addr"].(string)
	if !regexp.MustCompile(`^127\.0\.0\.1:[1-9][0-9]*$`).MatchString(addr) {
		t.Fatalf("metrics listening on %q", addr)
	}
	return "http://" + addr + "/metrics"
}

// Scrape returns every sample of the endpoint, keyed by `name{labels}`.
func Scrape(t testing.TB, url string) map[string]int64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := map[string]int64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseInt(line[i+1:], 10, 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// WaitMetric polls the endpoint until pred holds for the sample, or fails.
// Metrics have no event to wait on, so this one wait polls.
func WaitMetric(t testing.TB, url, key string, pred func(int64) bool, what string) int64 {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for {
		v, ok := Scrape(t, url)[key]
		if ok && pred(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("metric %s = %d (present %v); want %s", key, v, ok, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
