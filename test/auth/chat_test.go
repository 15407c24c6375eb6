package auth

import (
	"strings"
	"testing"

	"duplex/test/harness"
)

// TestAuthBundledChat: the bundled chat offers a login form only when the
// server has users; a signed-in person chats under their display name,
// with verified messages, whatever name the query string claims.
func TestAuthBundledChat(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--users", duplex.UsersFile(t, alice))
	page := harness.Get(t, s.URL+"/")
	harness.WantStatus(t, page, 200, "chat page")
	if !strings.Contains(page.Body, `id="login-form"`) {
		t.Fatalf("the chat page of a server with users has no login form")
	}
	loginURL := s.URL + "/_/service/chat/login"
	harness.WantStatus(t, harness.Post(t, loginURL, "application/x-www-form-urlencoded", "user=alice&password="+alice.Password), 415, "form-encoded login")
	r := harness.Post(t, loginURL, "application/json", `{"user":"alice","password":"nope"}`)
	harness.WantStatus(t, r, 401, "wrong password")
	r = harness.Post(t, loginURL, "application/json", `{"user":"alice@example.com","password":"`+alice.Password+`"}`)
	harness.WantStatus(t, r, 200, "login by e-mail")
	var cookie string
	for _, c := range r.Resp.Cookies() {
		if c.Name == "duplex_session" {
			cookie = c.Value
		}
	}
	if m := r.JSON(t); m["displayName"] != alice.Name || cookie == "" {
		t.Fatalf("login answered %v, cookie %q", m, cookie)
	}
	page = harness.Get(t, s.URL+"/", sessionHeader(cookie)...)
	if !strings.Contains(page.Body, "Signed in as <b>"+alice.Name+"</b>") || strings.Contains(page.Body, `id="login-form"`) {
		t.Errorf("the page for a signed-in person does not say who they are:\n%s", harness.Trunc(page.Body))
	}

	signed := harness.DialWS(t, s, "/_/service/chat/chat?name=Mallory&room=lobby",
		harness.WSOpts{Protocols: []string{"chat"}, Header: []string{"Cookie", "duplex_session=" + cookie}})
	if w := signed.ReadJSON(); w["type"] != "welcome" || w["name"] != alice.Name {
		t.Fatalf("welcome of a signed-in person: %v, want the name %q", w, alice.Name)
	}
	signed.ReadJSON() // own join
	anon := harness.DialWS(t, s, "/_/service/chat/chat?name="+strings.ReplaceAll(alice.Name, " ", "%20")+"&room=lobby",
		harness.WSOpts{Protocols: []string{"chat"}})
	anon.ReadJSON() // welcome
	anon.ReadJSON() // own join
	signed.SendText(`{"type":"message","text":"hi from the real alice"}`)
	anon.SendText(`{"type":"message","text":"hi from someone else"}`)
	seen := map[string]bool{}
	for len(seen) < 2 {
		m := anon.ReadJSON()
		if m["type"] != "message" {
			continue
		}
		text, _ := m["text"].(string)
		seen[text] = m["verified"] == true
		if m["name"] != alice.Name {
			t.Errorf("message %q from %v, want the name %q", text, m["name"], alice.Name)
		}
	}
	if !seen["hi from the real alice"] || seen["hi from someone else"] {
		t.Errorf("verified marks: %v, want only the signed-in person's message verified", seen)
	}

	// Without users there is no form.
	plain := duplex.Start(t)
	if body := harness.Get(t, plain.URL+"/").Body; strings.Contains(body, `id="login-form"`) {
		t.Errorf("the chat page of a server without users shows a login form")
	}
}
