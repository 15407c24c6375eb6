package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestSVG draws a report of every scenario and checks that the chart is
// well-formed XML with a panel for every measure and a bar or "no figure"
// for every server in each.
func TestSVG(t *testing.T) {
	rep := testReport()
	out := rep.svg()

	var titles, texts []string
	var inTitle bool
	rects := 0
	dec := xml.NewDecoder(bytes.NewReader(out))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, out)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			inTitle = x.Name.Local == "title"
			if x.Name.Local == "rect" {
				rects++
			}
			if x.Name.Local == "svg" && x.Name.Space != "http://www.w3.org/2000/svg" {
				t.Errorf("root element in namespace %q", x.Name.Space)
			}
		case xml.EndElement:
			inTitle = false
		case xml.CharData:
			if inTitle {
				titles = append(titles, string(x))
			} else if s := strings.TrimSpace(string(x)); s != "" {
				texts = append(texts, s)
			}
		}
	}
	ms := rep.metrics()
	if len(ms) < 20 {
		t.Fatalf("%d measures, want every scenario's", len(ms))
	}
	if len(titles) != len(ms) {
		t.Errorf("%d panels, want %d", len(titles), len(ms))
	}
	for i, m := range ms {
		if i < len(titles) && titles[i] != m.name {
			t.Errorf("panel %d is %q, want %q", i, titles[i], m.name)
		}
	}
	all := strings.Join(texts, "\n")
	for _, r := range rep.results {
		if n := strings.Count(all, "\n"+r.srv.label+"\n"); n != len(ms) {
			t.Errorf("server %q labelled in %d panels, want %d", r.srv.label, n, len(ms))
		}
	}
	// A bar for every figure: the background, the panels, and all bars
	// but plain Go's missing HTTP POST figures.
	if want := 1 + len(ms) + len(ms)*len(rep.results) - 4; rects != want {
		t.Errorf("%d rects, want %d", rects, want)
	}
	if n := strings.Count(all, "*"); n != 3 { // Node's idle figure, its ratio, the legend
		t.Errorf("%d marks of a busy machine, want 3:\n%s", n, all)
	}
	if md := rep.markdown(); !strings.Contains(md, `| 4.39 KiB\* |`) || !strings.Contains(md, `| 0.33\* |`) {
		t.Errorf("the markdown report does not mark Node's idle figure and ratio:\n%s", md)
	}
	if strings.Count(all, "no figure") != 4 {
		t.Errorf("want 4 \"no figure\", got:\n%s", all)
	}
	for _, s := range []string{"1,000,000", "0.50×", "higher is better", "lower is better", "Machine: 2 CPUs <test> & co",
		"4.39 KiB*", "0.33×*", "Pale bars marked *"} {
		if !strings.Contains(all, s) {
			t.Errorf("the chart lacks %q", s)
		}
	}
}

// testReport is a run of every scenario with made-up figures: duplex has
// the lowest rates, Bun twice them, Node.js three times, plain Go four
// (fan-out the other way round); plain Go has no POST figure, and one of
// Node's was taken on a busy machine.
func testReport() *report {
	cfg := config{fanoutClients: 1000, inflight: 8, size: 64, echoClients: 100, idleConns: 15000,
		upgrades: 10000, upgradeConcurrency: 64, httpConns: 64}
	scen := map[string]bool{}
	for _, s := range scenarios() {
		scen[s] = true
	}
	rep := &report{cfg: cfg, started: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), scen: scen,
		machine: []string{"Machine: 2 CPUs <test> & co"}}
	win := func(rate float64, p50 time.Duration) window {
		return window{rate: rate, p50: p50, p99: 3 * p50, elapsed: time.Second, cpu: usage{server: 0.8}}
	}
	for i, s := range []*server{{name: "duplex", label: "duplex"}, {name: "bun", label: "Bun"}, {name: "node", label: "Node.js + ws"}, {name: "plain", label: "plain Go"}} {
		f := float64(i + 1)
		res := &result{srv: s, disturbed: map[string]bool{},
			fanout:  &fanoutResult{window: win(1e6/f, time.Duration(f)*time.Millisecond)},
			echo:    &echoResult{window: win(1e5*f, time.Duration(f)*100*time.Microsecond)},
			idle:    &idleResult{perConn: 1500 * f},
			upgrade: &upgradeResult{window: win(2e4*f, time.Duration(f)*time.Millisecond)},
			http:    &httpResult{httpStats: httpStats{window: win(3e4*f, time.Millisecond)}},
		}
		if s.name != "plain" { // one server without a figure
			res.httpJSON = &httpResult{httpStats: httpStats{window: win(1e4*f, 2*time.Millisecond)}}
		}
		if s.name == "node" { // and one measured on a busy machine
			res.disturbed["idle"] = true
		}
		rep.results = append(rep.results, res)
	}
	return rep
}

// TestReportTargets: the main table's last column says, for each of the
// issues' targets, whether duplex met it; the HTTP rows against Bun and
// Node.js both, p99 against Node.js alone.
func TestReportTargets(t *testing.T) {
	md := testReport().markdown()
	for row, want := range map[string]string{
		"fan-out deliveries/s":  "≥ 1: met",
		"echo messages/s":       "≥ 1: **missed**",
		"HTTP GET requests/s":   "≥ 1 (Bun): **missed**; ≥ 1 (Node): **missed**",
		"HTTP GET latency p99":  "≤ 1 (Node): met",
		"HTTP POST latency p50": "",
	} {
		var line string
		for _, l := range strings.Split(md, "\n") {
			if strings.HasPrefix(l, "| "+row) {
				line = l
				break
			}
		}
		cells := strings.Split(strings.TrimSuffix(line, " |"), " | ")
		if got := cells[len(cells)-1]; line == "" || got != want {
			t.Errorf("%s: target %q, want %q (row %q)", row, got, want, line)
		}
	}
}
