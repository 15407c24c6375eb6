package websocket

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// chatPeer reads a chat client's messages in the background, because group
// broadcasts interleave with direct answers.
type chatPeer struct {
	t    *testing.T
	name string
	c    *harness.WS
	ch   chan any // map[string]any, or error (*wsCloseErr at the end)
	seen []map[string]any
}

func newChatPeer(t *testing.T, s *harness.Server, name, query string, protocols []string) *chatPeer {
	t.Helper()
	c := harness.DialWS(t, s, "/_/service/wschat/chat"+query, harness.WSOpts{Protocols: protocols})
	c.Name = name
	p := &chatPeer{t: t, name: name, c: c, ch: make(chan any, 4096)}
	go func() {
		for {
			m, err := c.Next(2 * time.Minute)
			if err != nil {
				var ce *wstest.CloseError
				if errors.As(err, &ce) {
					_ = c.WriteClose(ce.Code, "")
				}
				p.ch <- err
				return
			}
			if m.OpCode != ws.OpText {
				p.ch <- fmt.Errorf("%s got a %v message, chat only sends text", name, m.OpCode)
				return
			}
			var v map[string]any
			if err := json.Unmarshal(m.Payload, &v); err != nil {
				p.ch <- fmt.Errorf("%s got non-JSON message %q", name, harness.Trunc(string(m.Payload)))
				return
			}
			p.ch <- v
		}
	}()
	return p
}

// next returns the next message (kept in seen), or the error that ended
// the connection; it fails the test when neither comes by deadline.
func (p *chatPeer) next(what string, deadline time.Time) (map[string]any, error) {
	p.t.Helper()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case v := <-p.ch:
		if m, ok := v.(map[string]any); ok {
			p.seen = append(p.seen, m)
			return m, nil
		}
		return nil, v.(error)
	case <-timer.C:
		p.t.Fatalf("%s: timed out waiting for %s; messages so far: %s", p.name, what, harness.Trunc(wsJSON(p.seen)))
		return nil, nil
	}
}

// await returns the next message satisfying pred (others are kept in seen).
func (p *chatPeer) await(what string, pred func(map[string]any) bool) map[string]any {
	p.t.Helper()
	deadline := time.Now().Add(harness.Wait)
	for {
		m, err := p.next(what, deadline)
		if err != nil {
			p.t.Fatalf("%s: connection ended (%v) while waiting for %s; messages so far: %s", p.name, err, what, harness.Trunc(wsJSON(p.seen)))
		}
		if pred(m) {
			return m
		}
	}
}

func (p *chatPeer) awaitType(typ string) map[string]any {
	p.t.Helper()
	return p.await("a "+typ+" message", func(m map[string]any) bool { return m["type"] == typ })
}

// closeWith sends a close frame and waits for the server's answer.
func (p *chatPeer) closeWith(code ws.StatusCode, reason string) {
	p.t.Helper()
	p.c.SendClose(code, reason)
	p.awaitClose(0)
}

// awaitClose waits for the server's close frame, which must carry code
// (any code when code is 0).
func (p *chatPeer) awaitClose(code ws.StatusCode) {
	p.t.Helper()
	deadline := time.Now().Add(harness.Wait)
	for {
		_, err := p.next(fmt.Sprintf("close %d", code), deadline)
		if err == nil {
			continue
		}
		var ce *wstest.CloseError
		if !errors.As(err, &ce) {
			p.t.Fatalf("%s: connection ended without a close frame (%v), want close %d", p.name, err, code)
		}
		if code != 0 && ce.Code != code {
			p.t.Fatalf("%s: closed with %d %q, want %d", p.name, ce.Code, ce.Reason, code)
		}
		return
	}
}

func (p *chatPeer) send(text string) { p.t.Helper(); p.c.SendText(text) }

func wsNum(v any) float64 {
	f, _ := v.(float64)
	return f
}

// TestXPChatController: an Enonic-style chat service, written against XP's
// documentation only, works unchanged on duplex.
func TestXPChatController(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wschat"), "--js-workers", "2")

	// Plain GET: the controller's own 404.
	r := harness.Get(t, s.URL+"/_/service/wschat/chat")
	harness.WantStatus(t, r, 404, "plain GET of the chat service")

	// alice: client order decides the sub-protocol (server lists chat.v2 first).
	alice := newChatPeer(t, s, "alice", "?user=alice&tag=a&tag=b", []string{"chat.v1", "chat.v2"})
	if alice.c.Protocol != "chat.v1" {
		t.Errorf("alice offered [chat.v1 chat.v2], server has [chat.v2 chat.v1]: chosen %q, want chat.v1 (client's first match)", alice.c.Protocol)
	}
	w := alice.awaitType("welcome")
	aliceID, _ := w["id"].(string)
	if aliceID == "" {
		t.Fatalf("welcome without a session id: %v", w)
	}
	if w["path"] != "/_/service/wschat/chat" {
		t.Errorf("session.path = %v, want /_/service/wschat/chat", w["path"])
	}
	wantParams := map[string]any{"user": "alice", "tag": []any{"a", "b"}}
	if !reflect.DeepEqual(w["params"], wantParams) {
		t.Errorf("session.params = %s, want %s", wsJSON(w["params"]), wsJSON(wantParams))
	}
	wantData := map[string]any{"user": "alice", "room": "lobby", "joined": "42"}
	if !reflect.DeepEqual(w["data"], wantData) {
		t.Errorf("event.data = %s, want %s (values are strings)", wsJSON(w["data"]), wsJSON(wantData))
	}
	if wsNum(w["size"]) != 1 {
		t.Errorf("group size in alice's open = %v, want 1", w["size"])
	}

	bob := newChatPeer(t, s, "bob", "?user=bob", []string{"chat.v2"})
	if bob.c.Protocol != "chat.v2" {
		t.Errorf("bob offered [chat.v2]: chosen %q, want chat.v2", bob.c.Protocol)
	}
	w = bob.awaitType("welcome")
	bobID, _ := w["id"].(string)
	if wsNum(w["size"]) != 2 {
		t.Errorf("group size in bob's open = %v, want 2", w["size"])
	}
	j := alice.await("bob's join", func(m map[string]any) bool { return m["type"] == "join" && m["user"] == "bob" })
	if j["id"] != bobID || wsNum(j["size"]) != 2 {
		t.Errorf("alice saw join %v, want id %s size 2", j, bobID)
	}

	carol := newChatPeer(t, s, "carol", "", nil)
	if carol.c.Protocol != "" {
		t.Errorf("carol offered no protocol but got %q", carol.c.Protocol)
	}
	w = carol.awaitType("welcome")
	carolID, _ := w["id"].(string)
	if w["data"].(map[string]any)["user"] != "anonymous" || wsNum(w["size"]) != 3 {
		t.Errorf("carol's welcome = %v, want user anonymous, size 3", w)
	}
	if p, ok := w["params"].(map[string]any); !ok || len(p) != 0 {
		t.Errorf("carol's session.params = %v, want {}", w["params"])
	}

	ids := []string{aliceID, bobID, carolID}
	if aliceID == bobID || bobID == carolID || aliceID == carolID || carolID == "" || bobID == "" {
		t.Fatalf("session ids not unique: %q", ids)
	}
	for _, id := range ids {
		if wsCounterID.MatchString(id) {
			t.Errorf("session id %q looks like a decimal counter; ids must be unguessable", id)
		}
	}

	// size
	alice.send("size")
	if m := alice.awaitType("size"); wsNum(m["size"]) != 3 {
		t.Errorf("getGroupSize('chat') = %v, want 3", m["size"])
	}

	// direct send to another session
	alice.send("dm:" + bobID + ":psst")
	dm := bob.awaitType("dm")
	if dm["from"] != "alice" || dm["text"] != "psst" {
		t.Errorf("bob's dm = %v, want from alice text psst", dm)
	}

	// removeFromGroup
	carol.send("leave")
	if m := carol.awaitType("left"); wsNum(m["size"]) != 2 {
		t.Errorf("size after carol left = %v, want 2", m["size"])
	}
	alice.send("hello all")
	// The dm to carol is sent after the broadcast; carol must not see the
	// broadcast before it.
	alice.send("dm:" + carolID + ":after")
	bob.await("alice's hello", func(m map[string]any) bool { return m["type"] == "msg" && m["text"] == "hello all" })
	carol.await("the dm after the broadcast", func(m map[string]any) bool { return m["type"] == "dm" && m["text"] == "after" })
	for _, m := range carol.seen {
		if m["type"] == "msg" || m["type"] == "dm" && m["text"] == "psst" {
			t.Errorf("carol got %v after leaving the group / not addressed to her", m)
		}
	}

	// 200 messages from bob, in order, to alice (and to bob himself).
	const n = 200
	for i := 0; i < n; i++ {
		bob.send(fmt.Sprintf("m%03d", i))
	}
	for _, p := range []*chatPeer{alice, bob} {
		next := 0
		p.await(fmt.Sprintf("bob's m%03d", n-1), func(m map[string]any) bool {
			if m["type"] != "msg" || m["from"] != "bob" {
				return false
			}
			text, _ := m["text"].(string)
			if !strings.HasPrefix(text, "m") {
				return false
			}
			if want := fmt.Sprintf("m%03d", next); text != want {
				t.Fatalf("%s: bob's messages out of order: got %q, want %q", p.name, text, want)
			}
			next++
			return next == n
		})
	}

	// bob's handler throws: bob gets 1011, the others carry on.
	bob.send("boom")
	bob.awaitClose(1011)
	bye := alice.await("bob's bye", func(m map[string]any) bool { return m["type"] == "bye" && m["user"] == "bob" })
	if wsNum(bye["code"]) != 1011 {
		t.Errorf("close event of bob: closeReason %v, want 1011", bye["code"])
	}
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("chat error bob", "boom from bob") }, harness.Wait)
	// bob leaves the registry right after his close event (which sent the
	// bye), so ask until the size drops.
	deadline := time.Now().Add(harness.Wait)
	for {
		alice.send("size")
		m := alice.awaitType("size")
		if wsNum(m["size"]) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("size after bob's 1011 (carol left before) still %v, want 1", m["size"])
		}
	}
	alice.send("still here")
	alice.await("alice's own message after bob's failure", func(m map[string]any) bool {
		return m["type"] == "msg" && m["from"] == "alice" && m["text"] == "still here"
	})
	carol.send("size")
	if m := carol.awaitType("size"); wsNum(m["size"]) != 1 {
		t.Errorf("carol's size = %v, want 1", m["size"])
	}

	// Close codes reach the close event.
	alice.closeWith(4001, "going away")
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("chat close alice 4001") }, harness.Wait)
	carol.closeWith(1000, "")
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("chat close anonymous 1000") }, harness.Wait)
	if s.CountLogs(func(e harness.LogEntry) bool { return e.Has("chat close bob 1011") }) != 1 {
		t.Errorf("want exactly one log line \"chat close bob 1011\"; stderr:\n%s", harness.Tail(s.Stderr(), 4000))
	}
}
