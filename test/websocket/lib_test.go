package websocket

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// wsOpenGroups dials the groups service and returns the client and its id
// (from the "open:<id>..." greeting) plus the rest of the greeting.
func wsOpenGroups(t *testing.T, s *harness.Server, appName, query string) (*groupsClient, string, string) {
	t.Helper()
	c := harness.DialWS(t, s, "/_/service/"+appName+"/groups"+query, harness.WSOpts{})
	g := c.ReadText()
	rest, ok := strings.CutPrefix(g, "open:")
	if !ok {
		t.Fatalf("greeting %q, want open:<id>...", g)
	}
	id, after, _ := strings.Cut(rest, ":")
	if id == "" {
		t.Fatalf("greeting %q has no id", g)
	}
	return &groupsClient{c}, id, after
}

// groupsClient is a client of the groups service, which answers commands.
type groupsClient struct{ *harness.WS }

// cmd sends a command and returns the answer.
func (c *groupsClient) cmd(command string) string {
	c.T.Helper()
	c.SendText(command)
	return c.ReadText()
}

func (c *groupsClient) wantCmd(command, want string) {
	c.T.Helper()
	if got := c.cmd(command); got != want {
		c.T.Errorf("%q answered %q, want %q", command, got, want)
	}
}

// eventuallyCmd repeats a command until it answers want: for state that
// changes right after an event we can observe (a session leaves the
// registry just after its close event has run).
func (c *groupsClient) eventuallyCmd(command, want string) {
	c.T.Helper()
	deadline := time.Now().Add(harness.Wait)
	for {
		got := c.cmd(command)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			c.T.Errorf("%q still answers %q after %v, want %q", command, got, harness.Wait, want)
			return
		}
	}
}

func wsSortedIDs(ids ...string) string {
	s := append([]string{}, ids...)
	sort.Strings(s)
	b, _ := json.Marshal(s)
	return string(b)
}

// TestWebSocketLibGroups: /lib/xp/websocket send, sendToGroup, addToGroup,
// removeFromGroup, getGroupSize, getGroupMembers and close.
func TestWebSocketLibGroups(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--js-workers", "2")

	// Registered before open: addToGroup, getGroupSize, getGroupMembers and
	// send all work inside the open handler.
	a, idA, greetA := wsOpenGroups(t, s, "wsecho", "?join=g1")
	if want := "1:" + wsSortedIDs(idA); greetA != want {
		t.Errorf("inside open (joined g1): %q, want %q", greetA, want)
	}
	b, idB, greetB := wsOpenGroups(t, s, "wsecho", "?join=g1")
	var members []string
	if n, js, _ := strings.Cut(greetB, ":"); n != "2" || json.Unmarshal([]byte(js), &members) != nil || wsSortedIDs(members...) != wsSortedIDs(idA, idB) {
		t.Errorf("second session's open: %q, want 2:[both ids]", greetB)
	}
	c, idC, _ := wsOpenGroups(t, s, "wsecho", "")

	c.wantCmd("size:g1", "size:number:2")
	c.wantCmd("members:g1", "members:true:"+wsSortedIDs(idA, idB))
	c.wantCmd("size:nope", "size:number:0")
	c.wantCmd("members:nope", "members:true:[]")

	// sendToGroup reaches the members only.
	c.wantCmd("group:g1:hello g1", "ok")
	a.ExpectText("hello g1")
	b.ExpectText("hello g1")

	// send to one session.
	c.wantCmd("send:"+idA+":direct", "ok")
	a.ExpectText("direct")

	// Unknown ids and groups: no-ops, the session carries on.
	c.wantCmd("send:no-such-id:x", "ok")
	c.wantCmd("join:g2:no-such-id", "ok")
	c.wantCmd("size:g2", "size:number:0")
	c.wantCmd("leave:g1:no-such-id", "ok")
	c.wantCmd("leave:no-such-group", "ok")
	c.wantCmd("group:no-such-group:x", "ok")
	c.wantCmd("close:no-such-id:1000:x", "ok")
	c.wantCmd("size:g1", "size:number:2")

	// addToGroup is idempotent; removeFromGroup removes.
	c.wantCmd("join:g1", "ok")
	c.wantCmd("join:g1", "ok")
	c.wantCmd("size:g1", "size:number:3")
	c.wantCmd("leave:g1", "ok")
	c.wantCmd("size:g1", "size:number:2")
	c.wantCmd("leave:g1:"+idB, "ok")
	c.wantCmd("members:g1", "members:true:"+wsSortedIDs(idA))
	c.wantCmd("group:g1:only a", "ok")
	a.ExpectText("only a")
	// b left g1: the next thing b gets is this direct message, not "only a".
	c.wantCmd("send:"+idB+":marker", "ok")
	b.ExpectText("marker")

	// A session can be in several groups.
	c.wantCmd("join:g3:"+idA, "ok")
	c.wantCmd("join:g3:"+idB, "ok")
	c.wantCmd("size:g3", "size:number:2")

	// close(id, code, reason) closes another session with that code.
	c.wantCmd("close:"+idA+":4002:kicked", "ok")
	if reason := a.ExpectClose(4002, harness.Wait, false); reason != "kicked" {
		t.Errorf("close reason %q, want \"kicked\"", reason)
	}
	ev := harness.WaitJSONLog(t, s, "groupsclose", func(m map[string]any) bool { return m["id"] == idA }, harness.Wait)
	if ev["closeReason"] != float64(4002) {
		t.Errorf("close event after close(id, 4002): closeReason %v, want 4002", ev["closeReason"])
	}
	// Still registered during its close event, gone after.
	if at, _ := ev["at"].(map[string]any); at["member"] != true || at["size"] != float64(1) {
		t.Errorf("inside its close event the session should still be in g1 (size 1): %v", ev["at"])
	}
	c.eventuallyCmd("size:g1", "size:number:0")
	c.wantCmd("members:g3", "members:true:"+wsSortedIDs(idB))
	c.wantCmd("send:"+idA+":late", "ok")

	// The client's own close code reaches the close event too.
	b.CloseWith(1000, "")
	ev = harness.WaitJSONLog(t, s, "groupsclose", func(m map[string]any) bool { return m["id"] == idB }, harness.Wait)
	if ev["closeReason"] != float64(1000) {
		t.Errorf("close event of a client closing with 1000: closeReason %v", ev["closeReason"])
	}
	c.eventuallyCmd("size:g3", "size:number:0")
	_ = idC
}

// TestWebSocketGroupsPerApp: two apps using the same group name do not see
// each other's sessions.
func TestWebSocketGroupsPerApp(t *testing.T) {
	t.Parallel()
	other := filepath.Join(t.TempDir(), "wsother")
	harness.CopyDir(t, harness.App("wsecho"), other)
	if err := os.WriteFile(filepath.Join(other, "app.json"), []byte(`{"name": "wsother", "version": "1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s := duplex.Start(t, "--app", harness.App("wsecho"), "--app", other)

	a, idA, greetA := wsOpenGroups(t, s, "wsecho", "?join=shared")
	b, idB, greetB := wsOpenGroups(t, s, "wsother", "?join=shared")
	if greetA != "1:"+wsSortedIDs(idA) {
		t.Errorf("wsecho's open: %q, want 1:[its id]", greetA)
	}
	if greetB != "1:"+wsSortedIDs(idB) {
		t.Errorf("wsother's open sees %q, want 1:[its own id only] (groups are per app)", greetB)
	}
	a.wantCmd("size:shared", "size:number:1")
	a.wantCmd("members:shared", "members:true:"+wsSortedIDs(idA))
	b.wantCmd("members:shared", "members:true:"+wsSortedIDs(idB))

	// A broadcast in wsecho's "shared" does not reach wsother's member.
	a.SendText("group:shared:from wsecho")
	if got := []string{a.ReadText(), a.ReadText()}; !reflect.DeepEqual(got, []string{"from wsecho", "ok"}) {
		t.Errorf("wsecho member got %q, want its own broadcast, then ok", got)
	}
	b.wantCmd("size:shared", "size:number:1")

	// wsother cannot add wsecho's session to its group.
	b.wantCmd("join:shared:"+idA, "ok")
	b.wantCmd("size:shared", "size:number:1")
	b.SendText("group:shared:from wsother")
	b.ExpectText("from wsother") // sendToGroup runs before the "ok"
	b.ExpectText("ok")
	a.wantCmd("size:shared", "size:number:1") // "from wsother" would arrive before this answer
}

// TestPortalServiceURL: /lib/xp/portal's serviceUrl gives a page the
// ws:// URL of its service, under the webapp the page is mounted in, with
// the host and port the browser used; a client that dials it is served,
// and the socket's own events build URLs from the upgrade request.
func TestPortalServiceURL(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"))
	host := strings.TrimPrefix(s.URL, "http://")
	r := harness.Get(t, s.URL+"/webapp/wsecho/_/service/wsecho/portal")
	want := "ws://" + host + "/webapp/wsecho/_/service/wsecho/portal?room=a+b"
	if r.Status != 200 || r.Body != want {
		t.Fatalf("serviceUrl: %d %q, want %q", r.Status, r.Body, want)
	}
	c := harness.DialWS(t, s, strings.TrimPrefix(r.Body, "ws://"+host), harness.WSOpts{})
	if got, want := c.ReadText(), s.URL+"/webapp/wsecho/_/service/wsecho/echo"; got != want {
		t.Fatalf("serviceUrl in the open event: %q, want %q", got, want)
	}
	// At the root, no webapp base.
	if r := harness.Get(t, s.URL+"/_/service/wsecho/portal"); r.Body != "ws://"+host+"/_/service/wsecho/portal?room=a+b" {
		t.Fatalf("serviceUrl at the root: %q", r.Body)
	}
}

// TestSendCycleThrows: send() of a value JSON cannot take (a cycle) throws
// a TypeError the handler catches, instead of sending "[object Object]".
func TestSendCycleThrows(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("wsecho"))
	c := harness.DialWS(t, s, "/_/service/wsecho/sendcycle", harness.WSOpts{})
	if got := c.ReadText(); got != "threw TypeError" {
		t.Fatalf("got %q, want the handler's catch of a TypeError", got)
	}
}
