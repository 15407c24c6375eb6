package test

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

func wsWantEventKeys(t *testing.T, ev map[string]any, want string) {
	t.Helper()
	if got := fmt.Sprint(ev["keys"]); got != want {
		t.Errorf("%v event has keys %s, want %s", ev["type"], got, want)
	}
}

// waitWsevTag waits for an echo event of type typ whose session had ?tag=tag.
func waitWsevTag(t *testing.T, s *Server, tag, typ string) map[string]any {
	t.Helper()
	return wsWaitJSONLog(t, s, "wsev", func(m map[string]any) bool {
		p, _ := m["params"].(map[string]any)
		return m["type"] == typ && p["tag"] == tag
	}, wsWait)
}

// TestWebSocketHandlerErrors: a throwing open or message handler gives an
// error event and close 1011; throwing error and close handlers are only
// logged; other sessions carry on.
func TestWebSocketHandlerErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--app", appDir("wsecho"), "--js-workers", "2")
	bystander, _ := wsOpenEcho(t, s, "", wsDialOpts{})

	t.Run("open throws", func(t *testing.T) {
		c := dialWS(t, s, "/_/service/wsecho/echo?throwOnOpen=1&tag=open1", wsDialOpts{})
		c.expectClose(1011, wsWait, false)
		ev := waitWsevTag(t, s, "open1", "error")
		if e, _ := ev["error"].(string); !strings.Contains(e, "open-boom") || ev["errorType"] != "string" {
			t.Errorf("error event after open threw: error %v (%v), want a string containing open-boom", ev["error"], ev["errorType"])
		}
		wsWantEventKeys(t, ev, "[data error session type]")
		if cl := waitWsevTag(t, s, "open1", "close"); cl["closeReason"] != float64(1011) {
			t.Errorf("close event after open threw: closeReason %v, want 1011", cl["closeReason"])
		}
	})

	t.Run("message throws", func(t *testing.T) {
		c, d := wsOpenEcho(t, s, "?tag=msg1", wsDialOpts{})
		id := wsSessionID(t, d)
		c.sendText("fine")
		c.expectText("fine")
		c.sendText("throw")
		c.expectClose(1011, wsWait, false)
		ev := waitWsev(t, s, id, "error")
		if e, _ := ev["error"].(string); !strings.Contains(e, "message-boom") {
			t.Errorf("error event after message threw: error %v, want it to contain message-boom", ev["error"])
		}
		wsWantEventKeys(t, ev, "[data error session type]")
		if cl := waitWsev(t, s, id, "close"); cl["closeReason"] != float64(1011) {
			t.Errorf("close event after message threw: closeReason %v, want 1011", cl["closeReason"])
		}
		// The events after the failure: exactly one error, then one close.
		var after []string
		for _, e := range wsJSONLogs(s, "wsev") {
			if e["id"] == id {
				after = append(after, e["type"].(string))
			}
		}
		if got := strings.Join(after, " "); got != "open message message error close" {
			t.Errorf("events of the failing session: %s, want open message message error close", got)
		}
	})

	t.Run("error handler throws", func(t *testing.T) {
		c, d := wsOpenEcho(t, s, "?throwInError=1", wsDialOpts{})
		id := wsSessionID(t, d)
		c.sendText("throw")
		c.expectClose(1011, wsWait, false)
		s.WaitLog(t, func(e LogEntry) bool { return e.Has("error-handler-boom") }, wsWait)
		waitWsev(t, s, id, "close") // the close event still runs
	})

	t.Run("close handler throws", func(t *testing.T) {
		c, _ := wsOpenEcho(t, s, "?throwInClose=1", wsDialOpts{})
		c.closeWith(4000, "")
		s.WaitLog(t, func(e LogEntry) bool { return e.Has("close-handler-boom") }, wsWait)
	})

	// Everyone else carried on.
	bystander.sendText("still alive")
	bystander.expectText("still alive")
	c, _ := wsOpenEcho(t, s, "", wsDialOpts{})
	c.sendText("new session")
	c.expectText("new session")
}

// TestWebSocketMaxMessage: a message over --ws-max-message gives an error
// event and close 1009; one at the limit passes.
func TestWebSocketMaxMessage(t *testing.T) {
	t.Parallel()
	const limit = 1024
	s := startServer(t, "--app", appDir("wsecho"), "--ws-max-message", fmt.Sprint(limit))

	c, d := wsOpenEcho(t, s, "", wsDialOpts{})
	id := wsSessionID(t, d)
	at := strings.Repeat("a", limit)
	c.sendText(at)
	c.expectText(at)
	// Fragments under the limit in total are fine.
	c.sendFrame(ws.NewFrame(ws.OpText, false, []byte(strings.Repeat("b", 500))))
	c.sendFrame(ws.NewFrame(ws.OpContinuation, true, []byte(strings.Repeat("c", 500))))
	c.expectText(strings.Repeat("b", 500) + strings.Repeat("c", 500))
	c.sendText(at + "x")
	c.expectClose(1009, wsWait, false)
	ev := waitWsev(t, s, id, "error")
	if e, _ := ev["error"].(string); e == "" {
		t.Errorf("error event for a too-big message has no error text: %v", ev)
	}
	if cl := waitWsev(t, s, id, "close"); cl["closeReason"] != float64(1009) {
		t.Errorf("close event after a too-big message: closeReason %v, want 1009", cl["closeReason"])
	}

	// Fragments adding up to more than the limit.
	f, _ := wsOpenEcho(t, s, "", wsDialOpts{})
	f.sendFrame(ws.NewFrame(ws.OpText, false, []byte(strings.Repeat("d", 600))))
	f.sendFrame(ws.NewFrame(ws.OpContinuation, true, []byte(strings.Repeat("e", 600))))
	f.expectClose(1009, wsWait, false)

	// Binary counts too.
	bc, _ := wsOpenEcho(t, s, "", wsDialOpts{})
	bc.sendBinary(make([]byte, 2*limit))
	bc.expectClose(1009, wsWait, false)
}

// TestWebSocketIdleTimeout: a silent session is closed with 1001 after
// --ws-idle-timeout, with an error event first.
func TestWebSocketIdleTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--app", appDir("wsecho"), "--ws-idle-timeout", "1s", "--ws-ping-interval", "1h")
	c, d := wsOpenEcho(t, s, "", wsDialOpts{})
	id := wsSessionID(t, d)
	start := time.Now()
	c.expectClose(1001, wsWait, false)
	if el := time.Since(start); el < 700*time.Millisecond {
		t.Errorf("idle session closed after %v, before the 1s idle timeout", el)
	}
	ev := waitWsev(t, s, id, "error")
	if e, _ := ev["error"].(string); e == "" {
		t.Errorf("idle timeout error event without error text: %v", ev)
	}
	if cl := waitWsev(t, s, id, "close"); cl["closeReason"] != float64(1001) {
		t.Errorf("close event after idle timeout: closeReason %v, want 1001", cl["closeReason"])
	}
}

// TestWebSocketKeepalive: with pings more frequent than the idle timeout, a
// client that answers them stays connected; one that does not is closed
// with 1001.
func TestWebSocketKeepalive(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--app", appDir("wsecho"), "--ws-idle-timeout", "1s", "--ws-ping-interval", "200ms")

	t.Run("unanswered pings", func(t *testing.T) {
		t.Parallel()
		deaf, _ := wsOpenEcho(t, s, "", wsDialOpts{noPong: true})
		deaf.expectClose(1001, wsWait, false)
		if deaf.pings.Load() == 0 {
			t.Errorf("the server closed an idle client without pinging it first (--ws-ping-interval 200ms)")
		}
	})

	t.Run("answered pings", func(t *testing.T) {
		t.Parallel()
		c, _ := wsOpenEcho(t, s, "", wsDialOpts{})
		start := time.Now()
		// Answer pings for 2.5 idle timeouts, sending nothing else.
		for time.Since(start) < 2500*time.Millisecond {
			c.pingTarget.Store(c.pings.Load() + 1)
			if _, err := c.next(wsWait); !errors.Is(err, errWSPingTarget) {
				t.Fatalf("a client answering pings: %v after %v and %d pings, want it to stay open", err, time.Since(start), c.pings.Load())
			}
		}
		c.pingTarget.Store(0)
		c.sendText("alive")
		c.expectText("alive")
	})
}

// TestWebSocketSlowReader: a group member that never reads is closed with
// 1008 once its backlog passes --ws-max-backlog, while another member
// receives every message.
func TestWebSocketSlowReader(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--app", appDir("wsecho"), "--ws-max-backlog", "65536")
	fast := dialWS(t, s, "/_/service/wsecho/flood", wsDialOpts{})
	fastID := strings.TrimPrefix(fast.readText(), "ready:")
	slow := dialWS(t, s, "/_/service/wsecho/flood", wsDialOpts{})
	slowID := strings.TrimPrefix(slow.readText(), "ready:")
	fast.sendText("size")
	fast.expectText("size:2")

	isSlowClose := func(e LogEntry) bool {
		m, ok := wsJSONLog(e, "floodclose")
		return ok && m["id"] == slowID
	}
	// Paced by the fast reader: each message is sent after the previous one
	// arrived, so only the slow member's backlog grows. 16 KiB each (the
	// server counts a frame until its write returns, so two may be in flight
	// for the fast one); the kernel buffers of a silent peer fill within a few MiB.
	const maxRounds = 6000
	slowClosedAt := -1
	sent := 0
	for i := 0; i < maxRounds; i++ {
		fast.sendText(fmt.Sprintf("f:%d", i))
		m := fast.read(wsWait)
		prefix := fmt.Sprintf("%d:", i)
		if m.Op != ws.OpText || !strings.HasPrefix(m.Text(), prefix) || len(m.Data) != len(prefix)+16*1024 {
			t.Fatalf("fast member, message %d: got %v of %d bytes starting %q, want %q + 16 KiB", i, m.Op, len(m.Data), trunc(m.Text()[:min(20, len(m.Data))]), prefix)
		}
		sent++
		if slowClosedAt < 0 && i%16 == 0 && s.CountLogs(isSlowClose) > 0 {
			slowClosedAt = i
		}
		if slowClosedAt >= 0 && i >= slowClosedAt+20 {
			break
		}
	}
	if slowClosedAt < 0 {
		t.Fatalf("the silent member was not closed after %d messages of 16 KiB with --ws-max-backlog 65536", sent)
	}
	ev := wsWaitJSONLog(t, s, "floodclose", func(m map[string]any) bool { return m["id"] == slowID }, wsWait)
	if ev["closeReason"] != float64(1008) {
		t.Errorf("the slow member's close event: closeReason %v, want 1008", ev["closeReason"])
	}
	fast.sendText("size")
	fast.expectText("size:1")
	// The slow member now reads: some data, then a close frame 1008 (or the
	// end of the connection, if the server could not write it), never all.
	got := 0
	for {
		m, err := slow.next(wsWait)
		if err == nil {
			if m.Op == ws.OpText {
				got++
			}
			continue
		}
		var ce *wsCloseErr
		if errors.As(err, &ce) && ce.Code != 1008 {
			t.Errorf("slow member closed with %d %q, want 1008", ce.Code, ce.Reason)
		}
		if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
			t.Errorf("slow member's connection still open after its close event")
		}
		break
	}
	if got >= sent {
		t.Errorf("slow member received all %d messages; it should have been cut off", got)
	}
	t.Logf("fast member got %d messages; the slow one was closed around message %d and had %d delivered", sent, slowClosedAt, got)
	_ = fastID
}

// TestWebSocketGracefulShutdown: SIGTERM closes every session with 1001 and
// runs its close event before the process exits 0.
func TestWebSocketGracefulShutdown(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--app", appDir("wsecho"), "--js-workers", "2")
	var clients []*wsClient
	var ids []string
	for i := 0; i < 3; i++ {
		c, d := wsOpenEcho(t, s, "", wsDialOpts{})
		clients = append(clients, c)
		ids = append(ids, wsSessionID(t, d))
	}
	clients[0].sendText("before")
	clients[0].expectText("before")

	s.Signal(t, syscall.SIGTERM)
	for _, c := range clients {
		c.expectClose(1001, wsWait, false)
	}
	if code := s.WaitExit(t, shutdownDeadline); code != 0 {
		t.Errorf("exit code after SIGTERM with open sessions: %d, want 0", code)
	}
	closed := map[string]any{}
	for _, e := range wsJSONLogs(s, "wsev") {
		if e["type"] == "close" {
			closed[e["id"].(string)] = e["closeReason"]
		}
	}
	for _, id := range ids {
		reason, ok := closed[id]
		if !ok {
			t.Errorf("session %s: no close event ran before the process exited", id)
		} else if reason != float64(1001) {
			t.Errorf("session %s: close event closeReason %v, want 1001", id, reason)
		}
	}
}
