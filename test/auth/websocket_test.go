package auth

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"duplex/test/harness"
)

// TestAuthSessionUserOnWebSocket: a logged-in client's open event carries
// session.user with exactly XP's fields (§2.5); an anonymous client's has no
// user field; a forged cookie is anonymous. getUser() works in message
// events too (XP 7.15), as the user captured at the upgrade.
func TestAuthSessionUserOnWebSocket(t *testing.T) {
	t.Parallel()
	s := startAuthServerSecret(t, duplex.UsersFile(t, alice, bob))
	cookie := mustLogin(t, s, alice)

	t.Run("logged in", func(t *testing.T) {
		t.Parallel()
		c, first := dialAs(t, s, "in", sessionHeader(cookie)...)
		var user map[string]any
		if err := json.Unmarshal([]byte(first), &user); err != nil {
			t.Fatalf("open frame %q is not the user object: %v", first, err)
		}
		var keys []string
		for k := range user {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := []string{"disabled", "displayName", "email", "idProvider", "key", "login", "modifiedTime"}
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("session.user fields %v, want XP's %v", keys, want)
		}
		for k, v := range map[string]any{"key": "user:system:alice", "login": "alice", "idProvider": "system",
			"displayName": alice.Name, "email": alice.Email, "disabled": false} {
			if user[k] != v {
				t.Errorf("session.user.%s = %#v, want %#v", k, user[k], v)
			}
		}
		if mt, _ := user["modifiedTime"].(string); mt == "" {
			t.Errorf("session.user.modifiedTime = %#v, want an instant string", user["modifiedTime"])
		} else if _, err := time.Parse(time.RFC3339Nano, mt); err != nil {
			t.Errorf("session.user.modifiedTime %q is not an ISO instant: %v", mt, err)
		}
		c.SendText("hello")
		seen := c.ReadJSON()
		if seen["hasUser"] != true {
			t.Errorf("message event: session has no user: %v", seen)
		}
		if gu, _ := seen["getUser"].(map[string]any); gu["key"] != "user:system:alice" {
			t.Errorf("getUser() in a message event = %v, want alice (the upgrade's user)", seen["getUser"])
		}
		c.CloseWith(ws.StatusNormalClosure, "")
		closed := harness.WaitJSONLog(t, s, "whoami-close", func(m map[string]any) bool { return m["tag"] == "in" }, harness.Wait)
		if gu, _ := closed["getUser"].(map[string]any); gu["key"] != "user:system:alice" {
			t.Errorf("getUser() in the close event = %v, want alice", closed["getUser"])
		}
	})

	t.Run("anonymous", func(t *testing.T) {
		t.Parallel()
		c, first := dialAs(t, s, "anon")
		if first != "anonymous" {
			t.Errorf("anonymous open frame = %q, want no user", first)
		}
		c.SendText("hello")
		seen := c.ReadJSON()
		if seen["hasUser"] != false || seen["getUser"] != nil {
			t.Errorf("anonymous message event: %v, want no session.user and getUser() null", seen)
		}
	})

	t.Run("forged cookie", func(t *testing.T) {
		t.Parallel()
		forged := forgeToken("not-the-server-secret-not-the-server-secret", "", "alice", time.Now(), time.Now().Add(time.Hour))
		_, first := dialAs(t, s, "forged", sessionHeader(forged)...)
		if first != "anonymous" {
			t.Errorf("open frame with a forged cookie = %q, want anonymous", first)
		}
	})

	t.Run("basic", func(t *testing.T) {
		t.Parallel()
		_, first := dialAs(t, s, "basic", basicHeader("bob", bob.Password)...)
		var user map[string]any
		if json.Unmarshal([]byte(first), &user) != nil || user["key"] != "user:system:bob" {
			t.Errorf("open frame with HTTP Basic = %q, want bob", first)
		}
	})
}

// TestAuthLogoutClosesWebSockets: logging out closes every WebSocket the
// user opened (XP 8, close 1008) and nobody else's; the cookie is void
// afterwards, and logout inside webSocketEvent works too.
func TestAuthLogoutClosesWebSockets(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, duplex.UsersFile(t, alice, bob))
	laptop := mustLogin(t, s, alice)
	phone := mustLogin(t, s, alice)
	bobs := mustLogin(t, s, bob)

	a1, _ := dialAs(t, s, "a1", sessionHeader(laptop)...)
	a2, _ := dialAs(t, s, "a2", sessionHeader(phone)...)
	b1, _ := dialAs(t, s, "b1", sessionHeader(bobs)...)
	anon, _ := dialAs(t, s, "anon")

	r := harness.Post(t, s.URL+"/_/service/auth/login", "application/json", `{"action":"logout"}`, sessionHeader(laptop)...)
	harness.WantStatus(t, r, 200, "logout")
	cleared := false
	for _, c := range r.Resp.Cookies() {
		if c.Name == "duplex_session" && c.Value == "" && c.MaxAge < 0 {
			cleared = true
		}
	}
	if !cleared {
		t.Errorf("logout response does not clear the cookie: %v", r.Header.Values("Set-Cookie"))
	}
	a1.ExpectClose(1008, harness.Wait, true)
	a2.ExpectClose(1008, harness.Wait, true)
	for _, tag := range []string{"a1", "a2"} {
		closed := harness.WaitJSONLog(t, s, "whoami-close", func(m map[string]any) bool { return m["tag"] == tag }, harness.Wait)
		if closed["code"] != float64(1008) {
			t.Errorf("close event of %s: closeReason %v, want 1008", tag, closed["code"])
		}
	}
	// Everyone else is still connected.
	for _, c := range []*harness.WS{b1, anon} {
		c.SendText("still there?")
		if m := c.ReadJSON(); m["type"] != "message" {
			t.Errorf("%s after alice's logout: %v", c.Name, m)
		}
	}
	// Both of alice's cookies are void; bob's is not.
	if k := whoamiKey(t, s, sessionHeader(laptop)...); k != "" {
		t.Errorf("the logged-out cookie still names %s", k)
	}
	if k := whoamiKey(t, s, sessionHeader(phone)...); k != "" {
		t.Errorf("alice's other cookie still names %s after she logged out", k)
	}
	if k := whoamiKey(t, s, sessionHeader(bobs)...); k != "user:system:bob" {
		t.Errorf("bob's cookie names %q after alice's logout, want bob", k)
	}
	// A new login works again, and an upgrade with the void cookie is
	// anonymous.
	if _, first := dialAs(t, s, "void", sessionHeader(laptop)...); first != "anonymous" {
		t.Errorf("upgrade with a logged-out cookie: open frame %q, want anonymous", first)
	}
	fresh := mustLogin(t, s, alice)
	if k := whoamiKey(t, s, sessionHeader(fresh)...); k != "user:system:alice" {
		t.Errorf("after logging in again: %q", k)
	}

	// Logout from inside a WebSocket event closes that socket too.
	b1.SendText("logout")
	b1.ExpectClose(1008, harness.Wait, true)
	if k := whoamiKey(t, s, sessionHeader(bobs)...); k != "" {
		t.Errorf("bob's cookie names %s after logout in a WebSocket event", k)
	}
}
