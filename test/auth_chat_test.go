package test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAuthBundledChat: the bundled chat offers a login form only when the
// server has users; a signed-in person chats under their display name,
// with verified messages, whatever name the query string claims.
func TestAuthBundledChat(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--users", usersFile(t, alice))
	page := get(t, s.URL+"/")
	wantStatus(t, page, 200, "chat page")
	if !strings.Contains(page.Body, `id="login-form"`) {
		t.Fatalf("the chat page of a server with users has no login form")
	}
	loginURL := s.URL + "/_/service/chat/login"
	wantStatus(t, post(t, loginURL, "application/x-www-form-urlencoded", "user=alice&password="+alice.password), 415, "form-encoded login")
	r := post(t, loginURL, "application/json", `{"user":"alice","password":"nope"}`)
	wantStatus(t, r, 401, "wrong password")
	r = post(t, loginURL, "application/json", `{"user":"alice@example.com","password":"`+alice.password+`"}`)
	wantStatus(t, r, 200, "login by e-mail")
	var cookie string
	for _, c := range r.Resp.Cookies() {
		if c.Name == "duplex_session" {
			cookie = c.Value
		}
	}
	if m := r.JSON(t); m["displayName"] != alice.name || cookie == "" {
		t.Fatalf("login answered %v, cookie %q", m, cookie)
	}
	page = get(t, s.URL+"/", sessionHeader(cookie)...)
	if !strings.Contains(page.Body, "Signed in as <b>"+alice.name+"</b>") || strings.Contains(page.Body, `id="login-form"`) {
		t.Errorf("the page for a signed-in person does not say who they are:\n%s", trunc(page.Body))
	}

	signed := dialWS(t, s, "/_/service/chat/chat?name=Mallory&room=lobby",
		wsDialOpts{protocols: []string{"chat"}, header: http.Header{"Cookie": {"duplex_session=" + cookie}}})
	if w := signed.readJSON(); w["type"] != "welcome" || w["name"] != alice.name {
		t.Fatalf("welcome of a signed-in person: %v, want the name %q", w, alice.name)
	}
	signed.readJSON() // own join
	anon := dialWS(t, s, "/_/service/chat/chat?name="+strings.ReplaceAll(alice.name, " ", "%20")+"&room=lobby",
		wsDialOpts{protocols: []string{"chat"}})
	anon.readJSON() // welcome
	anon.readJSON() // own join
	signed.sendText(`{"type":"message","text":"hi from the real alice"}`)
	anon.sendText(`{"type":"message","text":"hi from someone else"}`)
	seen := map[string]bool{}
	for len(seen) < 2 {
		m := anon.readJSON()
		if m["type"] != "message" {
			continue
		}
		text, _ := m["text"].(string)
		seen[text] = m["verified"] == true
		if m["name"] != alice.name {
			t.Errorf("message %q from %v, want the name %q", text, m["name"], alice.name)
		}
	}
	if !seen["hi from the real alice"] || seen["hi from someone else"] {
		t.Errorf("verified marks: %v, want only the signed-in person's message verified", seen)
	}

	// Without users there is no form.
	plain := startServer(t)
	if body := get(t, plain.URL+"/").Body; strings.Contains(body, `id="login-form"`) {
		t.Errorf("the chat page of a server without users shows a login form")
	}
}
