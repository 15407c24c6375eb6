package security

// After a round of every hostile input against one server, the server is
// back where it started: no session left, goroutines back to the baseline
// and memory within a stated bound of it. Last row of docs/SECURITY.md.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// TestSecurityBaseline runs the hostile inputs of the other security tests
// against a single server with --metrics-addr, then asserts from /metrics
// that duplex_ws_sessions is 0, duplex_goroutines returns to within 3 of
// the baseline taken before, and duplex_rss_bytes to within 32 MiB of it
// (96 MiB for a -race build, whose shadow memory is never handed back).
// Go rarely returns memory to the OS at once, so RSS is bounded rather than
// compared for equality. The round pushes far more through the server: 40
// MiB of group messages to each of three members, two 5 MB JSON bombs over
// HTTP and two over WebSocket, 160 KiB of oversized heads; its peak RSS is
// logged. Goroutines are the sharp leak detector: every session costs at
// least its reader goroutine, so one leaked session fails the test.
func TestSecurityBaseline(t *testing.T) {
	t.Parallel()
	const (
		goroutineMargin = 3
		app             = `{app="hostile"}`
	)
	rssBound := int64(32 * secMiB)
	args := []string{"--app", harness.App("hostile"), "--metrics-addr", "127.0.0.1:0",
		"--js-workers", "2", "--js-timeout", "1s", "--js-regexp-timeout", "300ms",
		"--ws-max-message", fmt.Sprint(8 * secMiB), "--max-header-bytes", "4096", "--read-header-timeout", "1s",
		"--ws-ping-interval", "200ms", "--ws-idle-timeout", "2s"}
	if harness.RaceEnabled {
		rssBound = 96 * secMiB
		// The race detector's shadow of the garbage the heap floor lets
		// build up is never given back: the floor is off, as in the
		// slow-member tests.
		args = append(args, "--gc-heap-floor", "0")
	}
	s := duplex.Start(t, args...)
	murl := harness.MetricsURL(t, s)
	// No keep-alive: an idle HTTP connection holds a server goroutine.
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	httpGet := func(path string) int {
		t.Helper()
		res, err := hc.Get(s.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode
	}
	postJSON := func(body string) string {
		t.Helper()
		res, err := hc.Post(s.URL+secProbe, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatalf("POST JSON: %v", err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}

	// Warm-up: every code path once, so that the baseline includes the
	// runtimes, compiled scripts and pools.
	if st := httpGet(secProbe); st != 200 {
		t.Fatalf("warm-up GET: %d", st)
	}
	postJSON(`[[1]]`)
	w, _ := secOpen(t, s, "?tag=warmup")
	secEcho(t, w, "warm")
	w.SendText("[[]]")
	w.ExpectText("json:ok")
	w.CloseWith(1000, "")
	harness.WaitMetric(t, murl, "duplex_ws_sessions"+app, func(v int64) bool { return v == 0 }, "0 sessions after the warm-up")
	base := harness.Scrape(t, murl)
	for range 5 { // the lowest of a few readings: goroutines wind down
		time.Sleep(50 * time.Millisecond)
		m := harness.Scrape(t, murl)
		base["duplex_goroutines"] = min(base["duplex_goroutines"], m["duplex_goroutines"])
	}
	baseG, baseRSS := base["duplex_goroutines"], base["duplex_rss_bytes"]
	t.Logf("baseline: %d goroutines, RSS %d MiB, heap in use %d MiB", baseG, baseRSS>>20, base["duplex_heap_inuse_bytes"]>>20)

	var peakRSS int64
	sample := func() {
		peakRSS = max(peakRSS, harness.Scrape(t, murl)["duplex_rss_bytes"])
	}

	// 1. Slowloris, oversized and malformed heads, in parallel.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp", s.Addr, harness.Wait)
			if err != nil {
				t.Errorf("dial: %v", err)
				return
			}
			defer conn.Close()
			_, _ = io.WriteString(conn, "GET "+secProbe+" HTTP/1.1\r\nHost: "+s.Addr+"\r\n")
			_ = conn.SetReadDeadline(time.Now().Add(harness.Wait))
			go func() {
				for range 100 {
					time.Sleep(100 * time.Millisecond)
					if _, err := conn.Write([]byte("X")); err != nil {
						return
					}
				}
			}()
			if _, err := io.ReadAll(conn); secIsTimeout(err) {
				t.Errorf("slowloris %d still connected after %v", i, harness.Wait)
			}
		}()
	}
	for i := range 20 {
		big := secRequest("GET "+secProbe+" HTTP/1.1", "Host: "+s.Addr, "X-Big: "+strings.Repeat("a", 8<<10+i))
		if resp, _ := secExchange(t, s.Addr, big, harness.Wait); secStatus(resp) != 431 {
			t.Errorf("oversized head: %q", harness.Trunc(resp))
		}
		if resp, _ := secExchange(t, s.Addr, []byte("GARBAGE \xff\r\n\r\n"), harness.Wait); secStatus(resp) != 400 {
			t.Errorf("malformed head: %q", harness.Trunc(resp))
		}
	}
	wg.Wait()
	sample()

	// 2. JSON bombs over HTTP and WebSocket.
	bomb := strings.Repeat("[", 5_000_000)
	for range 2 {
		if r := postJSON(bomb); !strings.Contains(r, "SyntaxError") {
			t.Errorf("HTTP JSON bomb: %q", harness.Trunc(r))
		}
	}
	jb, _ := secOpen(t, s, "?tag=bomb")
	for range 2 {
		jb.SendText(bomb)
		if m := jb.ReadText(); !strings.HasPrefix(m, "json:SyntaxError") {
			t.Errorf("WebSocket JSON bomb: %q", harness.Trunc(m))
		}
	}
	jb.CloseWith(1000, "")
	sample()

	// 3. Runaway scripts: loop and recursion close 1011, regexp gives up.
	for _, cmd := range []string{"loop", "recurse", "loop", "recurse"} {
		c, _ := secOpen(t, s, "?tag="+cmd)
		c.SendText(cmd)
		c.ExpectClose(1011, harness.Wait, false)
	}
	re, _ := secOpen(t, s, "?tag=regexp")
	for range 2 {
		re.SendText("regexp")
		if m := re.ReadText(); !strings.HasPrefix(m, "regexp:false:") {
			t.Errorf("regexp: %q", m)
		}
	}
	re.CloseWith(1000, "")

	// 4. Dead peers: killed mid-frame (FIN and RST), half-open.
	for i := range 10 {
		c, _ := secOpen(t, s, fmt.Sprintf("?tag=killed%d", i))
		secKill(t, c, ws.OpBinary, 4096, i%2 == 1)
	}
	for range 5 {
		_, conn := harness.RawHandshake(t, s, "GET", secProbe+"?tag=halfopen", "HTTP/1.1", harness.UpgradeHeader(s, wstest.NewKey()))
		defer conn.Close() // never read, never written: found by missed pongs
	}

	// 5. A group member that never reads while the group gets 10,000 messages.
	members := make([]*harness.WS, 3)
	for i := range members {
		members[i] = harness.DialWS(t, s, secFlood+fmt.Sprintf("?tag=m%d", i), harness.WSOpts{NoPong: i == 2})
		members[i].ReadText()
	}
	done := make(chan error, 1)
	go func() {
		for want := range 10_000 {
			m, err := members[1].Next(harness.Wait)
			if n, ok := secSeq(m); err != nil || !ok || n != want {
				done <- fmt.Errorf("member 1, message %d: %v", want, err)
				return
			}
		}
		done <- nil
	}()
	for from := 0; from < 10_000; from += 50 {
		members[0].SendText(fmt.Sprintf("burst:%d:50:4096", from))
		for range 50 {
			members[0].Read(harness.Wait)
		}
		if from%1000 == 0 {
			sample()
		}
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
	sample()
	members[0].CloseWith(1000, "")
	members[1].CloseWith(1000, "")
	members[2].Close()

	// 6. Session churn.
	for i := range 50 {
		c, _ := secOpen(t, s, fmt.Sprintf("?tag=churn%d", i))
		c.CloseWith(1000, "")
	}

	// Everything ends: wait for the half-open peers to be found and every
	// session to be gone.
	waitUntil := func(what string, ok func(map[string]int64) bool) map[string]int64 {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			m := harness.Scrape(t, murl)
			if ok(m) {
				return m
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not reached within 20 s; metrics: goroutines %d (baseline %d), sessions %d, RSS %d MiB (baseline %d MiB)",
					what, m["duplex_goroutines"], baseG, m["duplex_ws_sessions"+app], m["duplex_rss_bytes"]>>20, baseRSS>>20)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitUntil("no WebSocket session left", func(m map[string]int64) bool { return m["duplex_ws_sessions"+app] == 0 })
	waitUntil(fmt.Sprintf("goroutines back within %d of the baseline", goroutineMargin), func(m map[string]int64) bool {
		return m["duplex_goroutines"] <= baseG+goroutineMargin
	})
	m := waitUntil(fmt.Sprintf("RSS back within %d MiB of the baseline", rssBound>>20), func(m map[string]int64) bool {
		return m["duplex_rss_bytes"] <= baseRSS+rssBound
	})
	t.Logf("after: %d goroutines, RSS %d MiB (peak %d MiB during the round), heap in use %d MiB; closed by code: 1006=%d 1001=%d 1008=%d 1011=%d; dropped for backlog %d; JS errors: timeout %d, stack_overflow %d",
		m["duplex_goroutines"], m["duplex_rss_bytes"]>>20, peakRSS>>20, m["duplex_heap_inuse_bytes"]>>20,
		m[`duplex_ws_closed_total{app="hostile",code="1006"}`], m[`duplex_ws_closed_total{app="hostile",code="1001"}`],
		m[`duplex_ws_closed_total{app="hostile",code="1008"}`], m[`duplex_ws_closed_total{app="hostile",code="1011"}`],
		m[`duplex_ws_dropped_total{app="hostile",reason="backlog"}`],
		m[`duplex_js_errors_total{app="hostile",kind="timeout"}`], m[`duplex_js_errors_total{app="hostile",kind="stack_overflow"}`])
	// The round did what it meant to: the defences fired.
	for key, want := range map[string]int64{
		`duplex_ws_closed_total{app="hostile",code="1006"}`:       10,
		`duplex_ws_closed_total{app="hostile",code="1001"}`:       5,
		`duplex_ws_closed_total{app="hostile",code="1008"}`:       1,
		`duplex_ws_closed_total{app="hostile",code="1011"}`:       4,
		`duplex_js_errors_total{app="hostile",kind="timeout"}`:    2,
		`duplex_ws_dropped_total{app="hostile",reason="backlog"}`: 1,
	} {
		if m[key] < want {
			t.Errorf("%s = %d, want at least %d", key, m[key], want)
		}
	}
	if st := httpGet(secProbe); st != 200 {
		t.Errorf("GET after the round: %d", st)
	}
}
