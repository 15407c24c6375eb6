package websocket

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

func wsWantEventKeys(t *testing.T, ev map[string]any, want string) {
	t.Helper()
	if got := fmt.Sprint(ev["keys"]); got != want {
		t.Errorf("%v event has keys %s, want %s", ev["type"], got, want)
	}
}

// waitWsevTag waits for an echo event of type typ whose session had ?tag=tag.
func waitWsevTag(t *testing.T, s *harness.Server, tag, typ string) map[string]any {
	t.Helper()
	return harness.WaitJSONLog(t, s, "wsev", func(m map[string]any) bool {
		p, _ := m["params"].(map[string]any)
		return m["type"] == typ && p["tag"] == tag
	}, harness.Wait)
}

// TestWebSocketHandlerErrors: a throwing open or message handler gives an
// error event and close 1011; throwing error and close handlers are only
// logged; other sessions carry on.
func TestWebSocketHandlerErrors(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--js-workers", "2")
	bystander, _ := harness.OpenEcho(t, s, "", harness.WSOpts{})

	t.Run("open throws", func(t *testing.T) {
		c := harness.DialWS(t, s, "/_/service/wsecho/echo?throwOnOpen=1&tag=open1", harness.WSOpts{})
		c.ExpectClose(1011, harness.Wait, false)
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
		c, d := harness.OpenEcho(t, s, "?tag=msg1", harness.WSOpts{})
		id := wsSessionID(t, d)
		c.SendText("fine")
		c.ExpectText("fine")
		c.SendText("throw")
		c.ExpectClose(1011, harness.Wait, false)
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
		for _, e := range harness.JSONLogs(s, "wsev") {
			if e["id"] == id {
				after = append(after, e["type"].(string))
			}
		}
		if got := strings.Join(after, " "); got != "open message message error close" {
			t.Errorf("events of the failing session: %s, want open message message error close", got)
		}
	})

	t.Run("error handler throws", func(t *testing.T) {
		c, d := harness.OpenEcho(t, s, "?throwInError=1", harness.WSOpts{})
		id := wsSessionID(t, d)
		c.SendText("throw")
		c.ExpectClose(1011, harness.Wait, false)
		s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("error-handler-boom") }, harness.Wait)
		waitWsev(t, s, id, "close") // the close event still runs
	})

	t.Run("close handler throws", func(t *testing.T) {
		c, _ := harness.OpenEcho(t, s, "?throwInClose=1", harness.WSOpts{})
		c.CloseWith(4000, "")
		s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("close-handler-boom") }, harness.Wait)
	})

	// Everyone else carried on.
	bystander.SendText("still alive")
	bystander.ExpectText("still alive")
	c, _ := harness.OpenEcho(t, s, "", harness.WSOpts{})
	c.SendText("new session")
	c.ExpectText("new session")
}

// TestWebSocketMaxMessage: a message over --ws-max-message gives an error
// event and close 1009; one at the limit passes.
func TestWebSocketMaxMessage(t *testing.T) {
	t.Parallel()
	const limit = 1024
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--ws-max-message", fmt.Sprint(limit))

	c, d := harness.OpenEcho(t, s, "", harness.WSOpts{})
	id := wsSessionID(t, d)
	at := strings.Repeat("a", limit)
	c.SendText(at)
	c.ExpectText(at)
	// Fragments under the limit in total are fine.
	c.SendFrame(wstest.Frame{OpCode: ws.OpText, Payload: []byte(strings.Repeat("b", 500))})
	c.SendFrame(wstest.Frame{Fin: true, OpCode: ws.OpContinuation, Payload: []byte(strings.Repeat("c", 500))})
	c.ExpectText(strings.Repeat("b", 500) + strings.Repeat("c", 500))
	c.SendText(at + "x")
	c.ExpectClose(1009, harness.Wait, false)
	ev := waitWsev(t, s, id, "error")
	if e, _ := ev["error"].(string); e == "" {
		t.Errorf("error event for a too-big message has no error text: %v", ev)
	}
	if cl := waitWsev(t, s, id, "close"); cl["closeReason"] != float64(1009) {
		t.Errorf("close event after a too-big message: closeReason %v, want 1009", cl["closeReason"])
	}
	wantCloseLog(t, s, id, "--ws-max-message")

	// Fragments adding up to more than the limit.
	f, _ := harness.OpenEcho(t, s, "", harness.WSOpts{})
	f.SendFrame(wstest.Frame{OpCode: ws.OpText, Payload: []byte(strings.Repeat("d", 600))})
	f.SendFrame(wstest.Frame{Fin: true, OpCode: ws.OpContinuation, Payload: []byte(strings.Repeat("e", 600))})
	f.ExpectClose(1009, harness.Wait, false)

	// Binary counts too.
	bc, _ := harness.OpenEcho(t, s, "", harness.WSOpts{})
	bc.SendBinary(make([]byte, 2*limit))
	bc.ExpectClose(1009, harness.Wait, false)
}

// TestWebSocketIdleTimeout: a silent session is closed with 1001 after
// --ws-idle-timeout, with an error event first.
func TestWebSocketIdleTimeout(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--ws-idle-timeout", "1s", "--ws-ping-interval", "1h")
	c, d := harness.OpenEcho(t, s, "", harness.WSOpts{})
	id := wsSessionID(t, d)
	start := time.Now()
	c.ExpectClose(1001, harness.Wait, false)
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
	wantCloseLog(t, s, id, "--ws-idle-timeout")
}

// wantCloseLog waits for the log line of session id's end, which must name
// the setting that would have kept it open.
func wantCloseLog(t *testing.T, s *harness.Server, id, setting string) {
	t.Helper()
	e := s.WaitLog(t, func(e harness.LogEntry) bool {
		return strings.HasPrefix(e.Message(), "websocket closed") && e.Fields["session"] == id
	}, harness.Wait)
	if !strings.Contains(e.Message(), setting) {
		t.Errorf("session %s ended with the log line %s, which does not name %s", id, e.Raw, setting)
	}
}

// TestWebSocketKeepalive: with pings more frequent than the idle timeout, a
// client that answers them stays connected; one that does not is closed
// with 1001.
func TestWebSocketKeepalive(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--ws-idle-timeout", "1s", "--ws-ping-interval", "200ms")

	t.Run("unanswered pings", func(t *testing.T) {
		t.Parallel()
		deaf, _ := harness.OpenEcho(t, s, "", harness.WSOpts{NoPong: true})
		deaf.ExpectClose(1001, harness.Wait, false)
		if deaf.Pings() == 0 {
			t.Errorf("the server closed an idle client without pinging it first (--ws-ping-interval 200ms)")
		}
	})

	t.Run("answered pings", func(t *testing.T) {
		t.Parallel()
		c, _ := harness.OpenEcho(t, s, "", harness.WSOpts{})
		start := time.Now()
		// Answer pings for 2.5 idle timeouts, sending nothing else.
		for time.Since(start) < 2500*time.Millisecond {
			if err := c.AwaitPing(harness.Wait); err != nil {
				t.Fatalf("a client answering pings: %v after %v and %d pings, want it to stay open", err, time.Since(start), c.Pings())
			}
		}
		c.SendText("alive")
		c.ExpectText("alive")
	})
}

// TestWebSocketSlowReader: a group member that never reads is closed with
// 1008 once its backlog passes --ws-max-backlog, while another member
// receives every message.
func TestWebSocketSlowReader(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--ws-max-backlog", "65536")
	fast := harness.DialWS(t, s, "/_/service/wsecho/flood", harness.WSOpts{})
	fastID := strings.TrimPrefix(fast.ReadText(), "ready:")
	slow := harness.DialWS(t, s, "/_/service/wsecho/flood", harness.WSOpts{})
	slowID := strings.TrimPrefix(slow.ReadText(), "ready:")
	fast.SendText("size")
	fast.ExpectText("size:2")

	isSlowClose := func(e harness.LogEntry) bool {
		m, ok := harness.JSONLog(e, "floodclose")
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
		fast.SendText(fmt.Sprintf("f:%d", i))
		m := fast.Read(harness.Wait)
		prefix := fmt.Sprintf("%d:", i)
		if m.OpCode != ws.OpText || !strings.HasPrefix(m.Text(), prefix) || len(m.Payload) != len(prefix)+16*1024 {
			t.Fatalf("fast member, message %d: got %v of %d bytes starting %q, want %q + 16 KiB", i, m.OpCode, len(m.Payload), harness.Trunc(m.Text()[:min(20, len(m.Payload))]), prefix)
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
	ev := harness.WaitJSONLog(t, s, "floodclose", func(m map[string]any) bool { return m["id"] == slowID }, harness.Wait)
	if ev["closeReason"] != float64(1008) {
		t.Errorf("the slow member's close event: closeReason %v, want 1008", ev["closeReason"])
	}
	wantCloseLog(t, s, slowID, "--ws-max-backlog")
	fast.SendText("size")
	fast.ExpectText("size:1")
	// The slow member now reads: some data, then a close frame 1008 (or the
	// end of the connection, if the server could not write it), never all.
	slow.Name = "the slow member"
	got := slow.CutOff(1008, func(m wstest.Message) bool { return m.OpCode == ws.OpText })
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
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--js-workers", "2")
	var clients []*harness.WS
	var ids []string
	for i := 0; i < 3; i++ {
		c, d := harness.OpenEcho(t, s, "", harness.WSOpts{})
		clients = append(clients, c)
		ids = append(ids, wsSessionID(t, d))
	}
	clients[0].SendText("before")
	clients[0].ExpectText("before")

	s.Signal(t, syscall.SIGTERM)
	for _, c := range clients {
		c.ExpectClose(1001, harness.Wait, false)
	}
	if code := s.WaitExit(t, harness.ShutdownDeadline); code != 0 {
		t.Errorf("exit code after SIGTERM with open sessions: %d, want 0", code)
	}
	closed := map[string]any{}
	for _, e := range harness.JSONLogs(s, "wsev") {
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
