package conformance

// TestConformance is an Autobahn|Testsuite-equivalent WebSocket conformance
// suite (sections 1–7 and 9, plus handshake, framing and limit cases that
// Autobahn does not have), written as our own Go code: a raw client
// (wstest.Conn) sends hand-built frames over TCP to the echo service of
// testdata/apps/echo, and each case grades the server's answer
// (client_test.go) the way Autobahn's fuzzing client does: OK, NON-STRICT, FAILED,
// WRONG CODE, UNCLEAN or FAILED BY CLIENT. Only OK passes.
//
// Run:
//
//	go test -race -run TestConformance ./test/conformance/ -v
//	go test -race -run 'TestConformance/6\.4\.' ./test/conformance/ -v  # one group
//	go test -short -run TestConformance ./test/conformance/ -v           # 9.x scaled down
//
// Conventions (RFC 6455; Autobahn's case sources):
//   - every case has its own connection; client frames are masked with a
//     random key unless the case says otherwise;
//   - a passing case ends with our Close(1000): the server must answer with
//     a close frame (1000, or the code we sent where Autobahn accepts an
//     echo) and then close TCP itself (§7.1.1);
//   - a failing case must get a close frame with the expected code within
//     about a second, nothing echoed after the offending frame, and then
//     the server closes TCP. Closing TCP without a close frame counts only
//     where Autobahn's expectation says "or drop TCP" (7.3.2, 7.3.6, 7.5.1,
//     7.9.x) or the RFC lets the server skip the close frame (§5.1,
//     unmasked frames); elsewhere it is UNCLEAN.

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex/test/harness"
)

// cfCase is one conformance case.
type cfCase struct {
	id    string // Autobahn numbering, or H*/F*/L* for our additions
	desc  string
	rfc   string // RFC 6455 section(s)
	phase int    // 0: main phase; 1: the 9.x performance phase
	run   func(e *cfEnv, t *testing.T) cfResult
}

// cfEnv holds the servers the cases talk to.
type cfEnv struct {
	small *harness.Server // default limits (--ws-max-message 65536)
	big   *harness.Server // --ws-max-message 16777216 (backlog 32 MiB), for 9.x and 7.1.6
}

// cfParallel is how many cases run at once in each phase.
var cfParallel = [2]int{4, 2}

func TestConformance(t *testing.T) {
	// Not parallel with the rest of the package: several cases measure
	// how fast the server reacts.
	e := &cfEnv{
		small: duplex.Start(t, "--app", harness.App("echo"), "--js-workers", "2"),
		// The default 1 MiB backlog stays: 9.x echoes up to 16 MiB must
		// pass through it, since one message always fits an empty queue.
		big: duplex.Start(t, "--app", harness.App("echo"), "--js-workers", "2",
			"--ws-max-message", "16777216"),
	}
	cases := cfAllCases()
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.id] {
			t.Fatalf("duplicate case id %s", c.id)
		}
		seen[c.id] = true
	}
	results := make([]cfResult, len(cases))
	start := time.Now()
	for phase := 0; phase < 2; phase++ {
		sem := make(chan struct{}, cfParallel[phase])
		var wg sync.WaitGroup
		for i, c := range cases {
			if c.phase != phase {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				// t.Run may be called from several goroutines at once.
				t.Run(c.id, func(t *testing.T) {
					t0 := time.Now()
					r := c.run(e, t)
					r.dur = time.Since(t0)
					results[i] = r
					if r.outcome != cfOK {
						t.Errorf("%s %s [%s]: %s: %s", c.id, c.desc, c.rfc, r.outcome, r.detail)
					}
				})
			}()
		}
		wg.Wait()
	}
	report, summary := cfReport(cases, results, time.Since(start))
	cfLastReport = report
	t.Log(summary)
}

// cfLastReport is the report of the last TestConformance run in this
// process; TestConformanceReport prints it.
var cfLastReport string

// TestConformanceReport prints the Autobahn-style table of TestConformance
// (declared after it, so it runs after it with -run TestConformance). It is
// a test of its own so that the table comes after go test -v's subtest
// lines: the end of the output shows the failing cases and the summary.
func TestConformanceReport(t *testing.T) {
	if cfLastReport == "" {
		t.Skip("TestConformance did not run in this process")
	}
	fmt.Fprint(os.Stdout, cfLastReport)
}

// cfReport renders an Autobahn-style table, the list of cases that are not
// OK, and a summary line (returned on its own too).
func cfReport(cases []cfCase, results []cfResult, total time.Duration) (string, string) {
	var b strings.Builder
	counts := map[string]int{}
	var order []string
	n := 0
	fmt.Fprintf(&b, "\nWebSocket conformance report (Autobahn|Testsuite sections 1-7, 9; H = handshake, F = framing, L = limits)\n")
	fmt.Fprintf(&b, "%-8s %-62s %-16s %-11s %7s  %s\n", "Case", "Description", "RFC 6455", "Result", "Time", "Detail")
	fmt.Fprintf(&b, "%s\n", strings.Repeat("-", 150))
	var bad []string
	for i, c := range cases {
		r := results[i]
		if r.outcome == cfNotRun {
			continue
		}
		if r.outcome != cfOK {
			bad = append(bad, fmt.Sprintf("%-8s %-11s %s: %s", c.id, r.outcome, c.desc, r.detail))
		}
		n++
		if counts[r.outcome] == 0 {
			order = append(order, r.outcome)
		}
		counts[r.outcome]++
		fmt.Fprintf(&b, "%-8s %-62s %-16s %-11s %7s  %s\n", c.id, cfTrim(c.desc, 62), cfTrim(c.rfc, 16), r.outcome,
			r.dur.Round(time.Millisecond), r.detail)
	}
	parts := []string{}
	if counts[cfOK] > 0 || len(order) == 0 {
		parts = append(parts, fmt.Sprintf("%d %s", counts[cfOK], cfOK))
	}
	for _, o := range order {
		if o != cfOK {
			parts = append(parts, fmt.Sprintf("%d %s", counts[o], o))
		}
	}
	fmt.Fprintf(&b, "%s\n", strings.Repeat("-", 150))
	if len(bad) > 0 {
		fmt.Fprintf(&b, "Not OK:\n  %s\n", strings.Join(bad, "\n  "))
	}
	if !cfFull() {
		fmt.Fprintf(&b, "-short: 9.x cases are scaled down (Autobahn's sizes in their descriptions).\n")
	}
	summary := fmt.Sprintf("%d cases: %s (%v)", n, strings.Join(parts, ", "), total.Round(100*time.Millisecond))
	fmt.Fprintf(&b, "%s\n", summary)
	return b.String(), summary
}

func cfTrim(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// cfFull reports whether 9.x runs at Autobahn's full sizes (16 MiB
// messages, 1000 round trips: about 15 s with -race on 2 cores); -short
// divides sizes by 4 and round trips by 10.
func cfFull() bool { return !testing.Short() }
