package app

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"duplex/app/http1"
	"duplex/controller"
	"duplex/websocket"
)

// privateMux is what the private listener serves: /metrics, and with
// withPprof Go's profiler under /debug/pprof/ for finding where CPU and
// memory go. The profiler's cmdline page is never served: whatever is on
// the command line is nobody's business on a network port.
func privateMux(p *Platform, conns *limitListener, fast *http1.Server, withPprof bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", metricsHandler(p, conns, fast))
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", http.NotFound)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// metricsHandler serves the server's counters in Prometheus' text format.
// It lives on its own listener (--metrics-addr), never on the public one, so
// a reverse proxy cannot expose it by accident.
func metricsHandler(p *Platform, conns *limitListener, fast *http1.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		writeMetrics(&b, p.apps)
		writePlatformMetrics(&b, p)
		writeConnMetrics(&b, conns)
		writeFastPathMetrics(&b, fast)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(b.Bytes())
	})
}

type metricWriter struct{ b *bytes.Buffer }

func (m metricWriter) head(name, kind, help string) {
	fmt.Fprintf(m.b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
}

func (m metricWriter) value(name string, v int64, labels ...string) {
	m.b.WriteString(name)
	if len(labels) > 0 {
		m.b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				m.b.WriteByte(',')
			}
			m.b.WriteString(labels[i] + "=" + strconv.Quote(labels[i+1]))
		}
		m.b.WriteByte('}')
	}
	m.b.WriteString(" " + strconv.FormatInt(v, 10) + "\n")
}

func writeMetrics(b *bytes.Buffer, apps []*App) {
	m := metricWriter{b}
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	m.head("duplex_goroutines", "gauge", "Goroutines in the process.")
	m.value("duplex_goroutines", int64(runtime.NumGoroutine()))
	m.head("duplex_heap_inuse_bytes", "gauge", "Bytes in in-use heap spans.")
	m.value("duplex_heap_inuse_bytes", int64(mem.HeapInuse))
	m.head("duplex_gc_cycles_total", "counter", "Garbage collections the process has run (see --gc-heap-floor).")
	m.value("duplex_gc_cycles_total", int64(mem.NumGC))
	m.head("duplex_rss_bytes", "gauge", "Resident set size of the process.")
	m.value("duplex_rss_bytes", residentBytes())

	ws := make([]websocket.Stats, len(apps))
	for i, a := range apps {
		ws[i] = a.Hub.Stats()
	}
	perApp := func(name, kind, help string, get func(i int) int64) {
		m.head(name, kind, help)
		for i, a := range apps {
			m.value(name, get(i), "app", a.Name)
		}
	}
	perApp("duplex_ws_sessions", "gauge", "Open WebSocket sessions.", func(i int) int64 { return int64(ws[i].Sessions) })
	perApp("duplex_ws_opened_total", "counter", "WebSocket sessions opened.", func(i int) int64 { return ws[i].Opened })
	perApp("duplex_ws_messages_in_total", "counter", "WebSocket messages received and handed to the controller.", func(i int) int64 { return ws[i].MessagesIn })
	perApp("duplex_ws_messages_out_total", "counter", "WebSocket messages queued for delivery, one per recipient.", func(i int) int64 { return ws[i].MessagesOut })
	m.head("duplex_ws_closed_total", "counter", "WebSocket sessions closed, by close code.")
	for i, a := range apps {
		codes := make([]int, 0, len(ws[i].Closed))
		for c := range ws[i].Closed {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		for _, c := range codes {
			m.value("duplex_ws_closed_total", ws[i].Closed[c], "app", a.Name, "code", strconv.Itoa(c))
		}
	}
	m.head("duplex_ws_dropped_total", "counter", "WebSocket messages not delivered, by reason.")
	for i, a := range apps {
		for _, reason := range []string{websocket.DropBacklog, websocket.DropClosing, websocket.DropInvalidUTF8, websocket.DropInbound, websocket.DropCluster, websocket.DropClusterInvalid, websocket.DropNoHandler} {
			m.value("duplex_ws_dropped_total", ws[i].Dropped[reason], "app", a.Name, "reason", reason)
		}
	}
	if len(ws) > 0 && ws[0].Nodes > 0 {
		perApp("duplex_cluster_nodes", "gauge", "Cluster nodes this node sees alive, itself included.", func(i int) int64 { return int64(ws[i].Nodes) })
	}

	perApp("duplex_js_workers", "gauge", "JavaScript runtimes.", func(i int) int64 { return int64(apps[i].Engine.Stats().Workers) })
	perApp("duplex_js_workers_busy", "gauge", "JavaScript runtimes running a call.", func(i int) int64 { return int64(apps[i].Engine.Stats().Busy) })
	perApp("duplex_js_calls_total", "counter", "Controller calls (HTTP requests, WebSocket events, error handlers).", func(i int) int64 { return apps[i].Engine.Stats().Calls })
	m.head("duplex_js_errors_total", "counter", "Failed controller calls, by kind.")
	for _, a := range apps {
		errs := a.Engine.Stats().Errors
		for _, kind := range []string{"exception", "timeout", "stack_overflow", "memory", "busy", "other"} {
			m.value("duplex_js_errors_total", errs[kind], "app", a.Name, "kind", kind)
		}
	}
	m.head("duplex_js_events_dropped_total", "counter", "Events (/lib/xp/event) the listeners of main.js did not get, by reason.")
	for _, a := range apps {
		dropped := a.Engine.Stats().EventsDropped
		for _, reason := range []string{controller.DropQueueFull, controller.DropInvalid, controller.DropStopping} {
			m.value("duplex_js_events_dropped_total", dropped[reason], "app", a.Name, "reason", reason)
		}
	}
}

// residentBytes reads the process's RSS from /proc; 0 where there is none.
func residentBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// writePlatformMetrics writes what the applications share: request bodies
// held, Dirigible's outbound clients and service channel.
func writePlatformMetrics(b *bytes.Buffer, p *Platform) {
	m := metricWriter{b}
	m.head("duplex_http_body_bytes", "gauge", "Request body bytes held in memory now (bounded by --max-buffered-bodies).")
	m.value("duplex_http_body_bytes", p.bodies.Used())
	m.head("duplex_http_body_refused_total", "counter", "Requests answered 503 because --max-buffered-bodies was reached.")
	m.value("duplex_http_body_refused_total", p.bodies.Refused())
	cs := p.clients.Stats()
	m.head("duplex_ws_clients", "gauge", "Outbound WebSocket clients open (Dirigible's createWebsocket).")
	m.value("duplex_ws_clients", int64(cs.Open))
	m.head("duplex_ws_clients_opened_total", "counter", "Outbound WebSocket clients that connected.")
	m.value("duplex_ws_clients_opened_total", cs.Opened)
	m.head("duplex_ws_clients_failed_total", "counter", "createWebsocket calls refused (outbound policy, --ws-max-clients) or failed (network, handshake).")
	m.value("duplex_ws_clients_failed_total", cs.Failed)
	m.head("duplex_ws_clients_dropped_total", "counter", "Outbound client events not delivered to their handler (binary messages, no free runtime).")
	m.value("duplex_ws_clients_dropped_total", cs.Dropped)
	if p.channel != nil {
		st := p.channel.Stats()
		m.head("duplex_ws_channel_sessions", "gauge", "Open sessions of Dirigible 2's service channel (/service/js).")
		m.value("duplex_ws_channel_sessions", int64(st.Sessions))
	}
}

// writeConnMetrics writes the connection budget's counters.
func writeConnMetrics(b *bytes.Buffer, l *limitListener) {
	m := metricWriter{b}
	m.head("duplex_connections", "gauge", "Connections holding a slot of --max-connections: HTTP connections and WebSocket sessions.")
	m.value("duplex_connections", int64(l.limit.Open()))
	m.head("duplex_connections_idle", "gauge", "HTTP connections idle between keep-alive requests (closed first when the budget is full).")
	m.value("duplex_connections_idle", l.idle.Load())
	m.head("duplex_connections_refused_total", "counter", "Connections answered 503 at accept, by the setting that refused them.")
	m.value("duplex_connections_refused_total", l.refusedFull.Load(), "limit", "max_connections")
	m.value("duplex_connections_refused_total", l.refusedIP.Load(), "limit", "max_connections_per_ip")
	m.head("duplex_accept_errors_total", "counter", "Accepts that failed for want of file descriptors (EMFILE, ENFILE).")
	m.value("duplex_accept_errors_total", l.acceptErrors.Load())
}

// writeFastPathMetrics tells how many requests the epoll fast path served
// and how many connections it gave to net/http (none without it).
func writeFastPathMetrics(b *bytes.Buffer, fast *http1.Server) {
	var served, handed int64
	if fast != nil {
		served, handed = fast.Served.Load(), fast.Handoffs.Load()
	}
	m := metricWriter{b}
	m.head("duplex_http_fast_requests_total", "counter", "HTTP requests served by the epoll fast path (app/http1); the rest by net/http.")
	m.value("duplex_http_fast_requests_total", served)
	m.head("duplex_http_handoffs_total", "counter", "Connections the fast path gave to net/http: a request in parts, chunked, HEAD, HTTP/1.0, an odd head, a full send buffer.")
	m.value("duplex_http_handoffs_total", handed)
}
