package dirigible

// Eclipse Dirigible's outbound client, net/websockets.createWebsocket:
// against a separate echo server and against duplex's own endpoint, and
// the outbound policy that keeps scripts off loopback and private
// addresses unless allowed.

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// clientService calls the test project's client service.
func clientService(t *testing.T, s *harness.Server, params url.Values) (int, map[string]any) {
	t.Helper()
	r := harness.Get(t, s.URL+"/_/service/my-project/client?"+params.Encode())
	return r.Status, r.JSON(t)
}

// expectEvents waits until the events the client handler recorded (in
// core/globals, written back when its call ends, a moment after the log
// line of the last one) are want, and fails if they do not become so.
func expectEvents(t *testing.T, s *harness.Server, want []any) {
	t.Helper()
	deadline := time.Now().Add(harness.Wait)
	for {
		_, events := clientService(t, s, url.Values{"action": {"events"}})
		if reflect.DeepEqual(events["events"], want) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("handler saw %v, want %v", events["events"], want)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clientLog matches the client handler's record of an event.
func clientLog(what string) func(harness.LogEntry) bool {
	return moduleLog("/client-handler.js", "client-handler "+what)
}

// runSeedClient calls service, a client in the manner of the seeds that
// connects to an echo server, sends, and closes; it checks that no client
// is left.
func runSeedClient(t *testing.T, service string) (*harness.Server, *wstest.EchoServer) {
	t.Helper()
	echo := wstest.NewEchoServer(t)
	s := startDirigible(t, "--outbound-allow", "127.0.0.1/32")
	r := harness.Get(t, s.URL+"/_/service/my-project/"+service+"?uri="+url.QueryEscape(echo.URL))
	harness.WantStatus(t, r, http.StatusOK, service)
	if got := r.JSON(t)["clients"]; !reflect.DeepEqual(got, []any{}) {
		t.Errorf("%s: getClients() after close: %v", service, got)
	}
	return s, echo
}

// TestDirigibleClientSeed is seeds 001-003's client, verbatim but for the
// URI: createWebsocket returns once connected and onOpen ran, send
// reaches the echo server, whose answer comes to the handler's onMessage,
// and getClientByHandler(handler).close() closes it, running onClose.
func TestDirigibleClientSeed(t *testing.T) {
	s, echo := runSeedClient(t, "seedclient")
	open := s.WaitLog(t, moduleLog("/ws-handler.js", "Connection openned."), harness.Wait)
	connect := s.WaitLog(t, moduleLog("/services/seedclient/seedclient.js", "Connect to: "+echo.URL), harness.Wait)
	if open.Raw == connect.Raw {
		t.Fatal("log lines confused")
	}
	s.WaitLog(t, moduleLog("/ws-handler.js", "Message received: hello"), harness.Wait)
	s.WaitLog(t, moduleLog("/ws-handler.js", "Connection closed."), harness.Wait)
}

// TestDirigibleClientESM: the same client written as the newest Dirigible
// writes it, a TypeScript ES module importing sdk/net, with a TypeScript
// handler module: no build step.
func TestDirigibleClientESM(t *testing.T) {
	s, echo := runSeedClient(t, "esmclient")
	s.WaitLog(t, moduleLog("/services/esmclient/esmclient.ts", "ESM connect to: "+echo.URL), harness.Wait)
	s.WaitLog(t, moduleLog("/esm-handler.ts", "ESM handler: open"), harness.Wait)
	s.WaitLog(t, moduleLog("/esm-handler.ts", "ESM handler: message hello from ESM"), harness.Wait)
	s.WaitLog(t, moduleLog("/esm-handler.ts", "ESM handler: closed"), harness.Wait)
}

// TestDirigibleClientOwnEndpoint: a client created by a service, against
// duplex's own endpoint, whose handler answers in capitals; its handler
// sees open, each answer in order and close; getClients, getClient and
// getClientByHandler list it while it is open and not after.
func TestDirigibleClientOwnEndpoint(t *testing.T) {
	s := startDirigible(t, "--outbound-allow", "127.0.0.1", "--js-workers", "1")
	uri := "ws://" + s.Addr + "/websockets/v4/service/upper"
	status, created := clientService(t, s, url.Values{"action": {"create"}, "uri": {uri}, "send": {"3"}})
	if status != http.StatusOK {
		t.Fatalf("create: %d %v", status, created)
	}
	id, _ := created["id"].(string)
	want := []any{map[string]any{"id": id, "uri": uri, "handler": "my-project/client-handler"}}
	if id == "" || created["uri"] != uri || !reflect.DeepEqual(created["clients"], want) {
		t.Errorf("create answered %v", created)
	}
	s.WaitLog(t, clientLog("message:M2"), harness.Wait)
	_, list := clientService(t, s, url.Values{"action": {"list"}})
	if !reflect.DeepEqual(list["clients"], want) {
		t.Errorf("list: %v", list)
	}
	status, closed := clientService(t, s, url.Values{"action": {"close"}, "id": {id}})
	if status != http.StatusOK || closed["closed"] != id || !reflect.DeepEqual(closed["clients"], []any{}) {
		t.Errorf("close: %d %v", status, closed)
	}
	s.WaitLog(t, clientLog("close:true"), harness.Wait)
	expectEvents(t, s, []any{"open:onopen", "message:M0", "message:M1", "message:M2", "close:true"})
	if status, _ := clientService(t, s, url.Values{"action": {"close"}, "id": {id}}); status != http.StatusNotFound {
		t.Errorf("getClient of a closed client: status %d, want 404 (null)", status)
	}
}

// TestDirigibleClientServerCloses: a client the server closes runs onClose
// and leaves the list.
func TestDirigibleClientServerCloses(t *testing.T) {
	echo := wstest.NewEchoServer(t)
	// The environment variable stands for the flag, as for every setting.
	s := duplex.StartOpts(t, harness.Opts{Args: []string{"--app", harness.App("dirigible")}, Env: []string{"DUPLEX_OUTBOUND_ALLOW=127.0.0.1/32"}})
	status, created := clientService(t, s, url.Values{"action": {"create"}, "uri": {echo.URL}, "send": {"1"}, "say": {"bye"}})
	if status != http.StatusOK {
		t.Fatalf("create: %d %v", status, created)
	}
	s.WaitLog(t, clientLog("close:true"), harness.Wait)
	expectEvents(t, s, []any{"open:onopen", "message:m0", "close:true"})
	if _, list := clientService(t, s, url.Values{"action": {"list"}}); !reflect.DeepEqual(list["clients"], []any{}) {
		t.Errorf("closed by the server, still listed: %v", list)
	}
}

// TestDirigibleClientShutdown: shutdown closes every client and endpoint
// session, each with its onClose, before the server stops.
func TestDirigibleClientShutdown(t *testing.T) {
	echo := wstest.NewEchoServer(t)
	s := duplex.StartOpts(t, harness.Opts{Args: []string{"--app", harness.App("dirigible"), "--outbound-allow", "127.0.0.1/32"}, NoCheck: true})
	for range 2 {
		if status, body := clientService(t, s, url.Values{"action": {"create"}, "uri": {echo.URL}}); status != http.StatusOK {
			t.Fatalf("create: %d %v", status, body)
		}
	}
	// A session of an endpoint gets its onClose too.
	harness.DialWS(t, s, "/websockets/v4/service/upper", harness.WSOpts{})
	s.WaitLog(t, moduleLog("/handlers/upper.js", "upper: open, method onopen"), harness.Wait)
	s.Signal(t, syscall.SIGTERM)
	if code := s.WaitExit(t, harness.Wait); code != 0 {
		t.Errorf("exit code %d", code)
	}
	if n := s.CountLogs(moduleLog("/handlers/upper.js", "upper: closed true")); n != 1 {
		t.Errorf("endpoint session: %d onClose calls at shutdown, want 1", n)
	}
	if n := s.CountLogs(clientLog("close:true")); n != 2 {
		t.Errorf("%d onClose calls at shutdown, want 2 (one per client); logs:\n%s", n, harness.Tail(s.Stderr(), 3000))
	}
}

// TestDirigibleClientRefused: by default a script may not connect to
// loopback, private or link-local addresses (cloud metadata included); the
// refusal is a catchable Error naming the setting, nothing is connected,
// and the server goes on serving. A connection refused by the peer, a bad
// URI and the client limit are catchable errors too.
func TestDirigibleClientRefused(t *testing.T) {
	echo := wstest.NewEchoServer(t)
	s := startDirigible(t, "--ws-max-clients", "1")
	// Only local addresses, even though none is connected to: were the
	// defence broken, no packet may leave the machine. Private and
	// link-local ranges (cloud metadata) are covered, without a network,
	// by lib/outbound's unit tests.
	_, port, _ := net.SplitHostPort(echo.Addr)
	for _, uri := range []string{echo.URL, "ws://localhost:" + port + "/", "ws://127.0.0.2:" + port + "/", "ws://0.0.0.0:" + port + "/", "ws://[::1]:" + port + "/"} {
		status, body := clientService(t, s, url.Values{"action": {"create"}, "uri": {uri}})
		msg, _ := body["error"].(string)
		if status != http.StatusBadGateway || body["isError"] != true || !strings.Contains(msg, "--outbound-allow") || !strings.Contains(msg, "refused") {
			t.Errorf("%s: %d %v", uri, status, body)
		}
	}
	if n := echo.Accepted.Load(); n != 0 {
		t.Errorf("the echo server saw %d connections; a refusal must connect nothing", n)
	}
	status, body := clientService(t, s, url.Values{"action": {"create"}, "uri": {"http://example.com/"}})
	if status != http.StatusBadGateway || !strings.Contains(body["error"].(string), "http") {
		t.Errorf("http:// URI: %d %v", status, body)
	}
	harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/my-project/client?action=list"), http.StatusOK, "still serving")

	allowed := startDirigible(t, "--outbound-allow", "127.0.0.1/32", "--ws-max-clients", "1", "--metrics-addr", "127.0.0.1:0")
	// A server that answers the handshake with something else than 101.
	status, body = clientService(t, allowed, url.Values{"action": {"create"}, "uri": {"ws://" + allowed.Addr + "/websockets/v4/service/nope"}})
	if msg, _ := body["error"].(string); status != http.StatusBadGateway || !strings.Contains(msg, "404") {
		t.Errorf("handshake answered 404: %d %v", status, body)
	}
	closedPort := strconv.Itoa(harness.FreePorts(t, 1)[0])
	status, body = clientService(t, allowed, url.Values{"action": {"create"}, "uri": {"ws://127.0.0.1:" + closedPort + "/"}})
	if msg, _ := body["error"].(string); status != http.StatusBadGateway || !strings.Contains(msg, "refused") {
		t.Errorf("closed port: %d %v", status, body)
	}
	if status, body := clientService(t, allowed, url.Values{"action": {"create"}, "uri": {echo.URL}}); status != http.StatusOK {
		t.Fatalf("allowed: %d %v", status, body)
	}
	status, body = clientService(t, allowed, url.Values{"action": {"create"}, "uri": {echo.URL}})
	if msg, _ := body["error"].(string); status != http.StatusBadGateway || !strings.Contains(msg, "--ws-max-clients") {
		t.Errorf("past the limit: %d %v", status, body)
	}
	m := harness.Scrape(t, harness.MetricsURL(t, allowed))
	if m["duplex_ws_clients"] != 1 || m["duplex_ws_clients_opened_total"] != 1 || m["duplex_ws_clients_failed_total"] != 3 {
		t.Errorf("client metrics: open %d, opened %d, failed %d; want 1, 1, 3",
			m["duplex_ws_clients"], m["duplex_ws_clients_opened_total"], m["duplex_ws_clients_failed_total"])
	}
}

// TestDirigibleTwentyOutboundClients: twenty clients created at once by
// twenty requests, against duplex's own endpoint; each client's handler
// gets exactly its own answers, in order.
func TestDirigibleTwentyOutboundClients(t *testing.T) {
	s := startDirigible(t, "--outbound-allow", "127.0.0.1/32")
	const clients, messages = 20, 20
	uri := "ws://" + s.Addr + "/websockets/v4/service/upper"
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := harness.DoErr("GET", s.URL+"/_/service/my-project/client?"+url.Values{
				"action": {"create"}, "uri": {uri}, "send": {fmt.Sprint(messages)}, "prefix": {fmt.Sprintf("c%d-", i)},
			}.Encode(), nil)
			if err != nil || r.Status != http.StatusOK {
				t.Errorf("client %d: %v %v", i, r, err)
			}
		}()
	}
	wg.Wait()
	s.WaitLogCount(t, func(e harness.LogEntry) bool { return e.Has("client-handler message:") }, clients*messages, harness.Wait)
	next := make([]int, clients)
	for _, e := range s.Entries() {
		var i, j int
		if _, err := fmt.Sscanf(e.Message(), "client-handler message:C%d-M%d", &i, &j); err != nil {
			continue
		}
		if i < 0 || i >= clients || j != next[i] {
			t.Fatalf("client %d got answer %d, want %d (%s)", i, j, next[i], e.Raw)
		}
		next[i]++
	}
	_, list := clientService(t, s, url.Values{"action": {"list"}})
	if got, _ := list["clients"].([]any); len(got) != clients {
		t.Errorf("getClients() lists %d clients, want %d", len(got), clients)
	}
}

// TestDirigibleClientConnectTimeout: a server that accepts and never
// answers the handshake makes createWebsocket throw after --js-timeout.
func TestDirigibleClientConnectTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	})
	s := startDirigible(t, "--outbound-allow", "127.0.0.1/32", "--js-timeout", "1s")
	status, body := clientService(t, s, url.Values{"action": {"create"}, "uri": {"ws://" + ln.Addr().String() + "/"}})
	if msg, _ := body["error"].(string); status != http.StatusBadGateway || !strings.Contains(msg, "deadline") {
		t.Errorf("silent server: %d %v", status, body)
	}
	_, list := clientService(t, s, url.Values{"action": {"list"}})
	if !reflect.DeepEqual(list["clients"], []any{}) {
		t.Errorf("a client that never connected is listed: %v", list)
	}
}

// TestDirigibleClientOpenRunsAway: an onOpen that never returns runs on the
// creating call's runtime and time, so that call is interrupted (500); the
// connection is closed, the client never listed, and the worker serves on.
func TestDirigibleClientOpenRunsAway(t *testing.T) {
	echo := wstest.NewEchoServer(t)
	s := startDirigible(t, "--outbound-allow", "127.0.0.1/32", "--js-timeout", "1s", "--js-workers", "1")
	status, body := clientService(t, s, url.Values{"action": {"create"}, "uri": {echo.URL}, "handler": {"my-project/loop-handler"}})
	if status != http.StatusInternalServerError || body["message"] != "controller timed out" {
		t.Errorf("runaway onOpen: %d %v", status, body)
	}
	if _, list := clientService(t, s, url.Values{"action": {"list"}}); !reflect.DeepEqual(list["clients"], []any{}) {
		t.Errorf("the interrupted client is listed: %v", list)
	}
	if status, body := clientService(t, s, url.Values{"action": {"create"}, "uri": {echo.URL}}); status != http.StatusOK {
		t.Errorf("next client: %d %v", status, body)
	}
}
