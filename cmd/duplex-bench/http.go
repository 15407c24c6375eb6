// The two HTTP scenarios: http (GET /hello, a small JSON answer built per
// request) and http-json (POST /echo-json, a 2 KB JSON document parsed,
// modified and sent back), each server with the same handler (see
// bench/README.md), driven by the load generator of httpload.go.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// httpPaths is where a server answers the two HTTP handlers.
type httpPaths struct {
	hello, echoJSON string
}

// httpResult is one HTTP scenario's measurement.
type httpResult struct {
	httpStats
	handler string // what was requested, for the summary
}

func (r *httpResult) summary() string {
	s := fmt.Sprintf("%s, %d connections: %s requests/s over %s, p50 %s, p99 %s; %s",
		r.handler, r.conns, num(r.rate), r.elapsed.Round(time.Millisecond), dur(r.p50), dur(r.p99), r.cpu)
	if r.err != "" {
		s += " — " + r.err
	}
	return s
}

const benchUserAgent = "duplex-bench"

// httpScenario measures scenario s (http or http-json) on p.
func (h *harness) httpScenario(ctx context.Context, p *proc, s string) *httpResult {
	cfg := h.cfg
	paths := p.srv.http
	var method, path, ctype string
	var body, want []byte
	var err error
	if s == "http" {
		method, path = http.MethodGet, paths.hello+"?name=bench"
		want = expectedHello("bench", benchUserAgent)
	} else {
		method, path, ctype = http.MethodPost, paths.echoJSON, "application/json"
		body, want, err = h.order()
	}
	r := &httpResult{handler: method + " " + path}
	r.conns = cfg.httpConns
	if err != nil {
		r.err = err.Error()
		return r
	}
	// One request first: the answer must be the reference answer, so that
	// every server is measured doing the same work.
	if err := checkAnswer(ctx, p.addr, method, path, ctype, body, want); err != nil {
		r.err = err.Error()
		return r
	}
	load := httpLoad{
		addr:     p.addr,
		request:  rawRequest(method, path, p.addr, ctype, body),
		conns:    cfg.httpConns,
		threads:  cfg.httpThreads,
		warmup:   cfg.httpWarmup,
		duration: cfg.httpDuration,
		measure:  func() func(time.Duration) usage { return measureCPU(p) },
	}
	r.httpStats = *load.run(ctx)
	return r
}

// rawRequest is the bytes of one HTTP/1.1 request, sent as they are on
// every round.
func rawRequest(method, path, host, ctype string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n", method, path, host, benchUserAgent)
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Length: %d\r\n", ctype, len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// checkAnswer sends one request and compares the JSON answer with want.
func checkAnswer(ctx context.Context, addr, method, path, ctype string, body, want []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", benchUserAgent)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("checking the answer: %w", err)
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return fmt.Errorf("checking the answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("checking the answer: status %d: %s", res.StatusCode, oneLine(string(got), 200))
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("checking the answer: Content-Type %q, want application/json", ct)
	}
	if !sameJSON(got, want) {
		return fmt.Errorf("the answer is not the reference answer:\n  got  %s\n  want %s", oneLine(string(got), 300), oneLine(string(want), 300))
	}
	return nil
}

// sameJSON reports whether a and b are the same JSON value (key order and
// spacing aside).
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// expectedHello is the answer of GET /hello?name=NAME to user agent UA in
// every server.
func expectedHello(name, ua string) []byte {
	items := make([]map[string]any, 0, 5)
	for i := 1; i <= 5; i++ {
		items = append(items, map[string]any{"id": i, "name": "item " + strconv.Itoa(i), "price": i * 100, "active": i%2 == 1})
	}
	data, _ := json.Marshal(map[string]any{"message": "Hello " + name, "agent": ua, "items": items})
	return data
}

// order returns the document POSTed to /echo-json (bench/order.json,
// compacted) and the answer every server must give.
func (h *harness) order() (body, want []byte, err error) {
	data, err := os.ReadFile(filepath.Join(h.root, "bench", "order.json"))
	if err != nil {
		return nil, nil, err
	}
	return orderExchange(data)
}

// orderExchange compacts the document and computes its answer: count one
// more, customer.name in upper case, total (the sum of qty * price over
// items) and processed added.
func orderExchange(doc []byte) (body, want []byte, err error) {
	var b bytes.Buffer
	if err := json.Compact(&b, doc); err != nil {
		return nil, nil, fmt.Errorf("bench/order.json: %w", err)
	}
	var o struct {
		Count    float64        `json:"count"`
		Customer map[string]any `json:"customer"`
		Items    []struct {
			Qty   float64 `json:"qty"`
			Price float64 `json:"price"`
		} `json:"items"`
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &o); err != nil {
		return nil, nil, fmt.Errorf("bench/order.json: %w", err)
	}
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		return nil, nil, fmt.Errorf("bench/order.json: %w", err)
	}
	name, _ := o.Customer["name"].(string)
	o.Customer["name"] = strings.ToUpper(name)
	total := 0.0
	for _, it := range o.Items {
		total += it.Qty * it.Price
	}
	m["count"], m["customer"], m["total"], m["processed"] = o.Count+1, o.Customer, total, true
	want, err = json.Marshal(m)
	return b.Bytes(), want, err
}
