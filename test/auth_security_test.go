package test

import (
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAuthCookieChecks: the session cookie's attributes, and forged,
// tampered, expired, logged-out and disabled-user cookies all count as
// anonymous. Tokens are forged with the server's own secret so that only
// the property under test is wrong.
func TestAuthCookieChecks(t *testing.T) {
	t.Parallel()
	file := usersFile(t, alice, bob)
	s := startAuthServerSecret(t, file)
	r, cookie := login(t, s, alice.login, alice.password)
	if cookie == "" {
		t.Fatalf("login set no cookie: %d %s", r.Status, r.Body)
	}
	var set *http.Cookie
	for _, c := range r.Resp.Cookies() {
		if c.Name == "duplex_session" {
			set = c
		}
	}
	if !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.Path != "/" || set.Secure || set.MaxAge <= 0 {
		t.Errorf("session cookie %q: want HttpOnly, SameSite=Lax, Path=/, a Max-Age, and not Secure over plain HTTP", r.Header.Get("Set-Cookie"))
	}

	now := time.Now()
	valid := forgeToken(authSecret, file, "alice", now, now.Add(time.Hour))
	if k := whoamiKey(t, s, sessionHeader(valid)...); k != "user:system:alice" {
		t.Fatalf("control: a token signed with the server's secret names %q, want alice", k)
	}
	payload, sig, _ := strings.Cut(cookie, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	asBob := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), "\nalice\n", "\nbob\n", 1)))
	flipped := []byte(sig)
	flipped[3] ^= 1
	cases := map[string]string{
		"expired":                forgeToken(authSecret, file, "alice", now.Add(-2*time.Hour), now.Add(-time.Minute)),
		"other secret":           forgeToken(authSecret+"!", file, "alice", now, now.Add(time.Hour)),
		"payload changed to bob": asBob + "." + sig,
		"signature changed":      payload + "." + string(flipped),
		"no signature":           payload,
		"unknown user":           forgeToken(authSecret, file, "mallory", now, now.Add(time.Hour)),
		"garbage":                "%%%.###",
		"huge":                   strings.Repeat("A", 4000) + "." + sig,
	}
	for name, value := range cases {
		if k := whoamiKey(t, s, sessionHeader(value)...); k != "" {
			t.Errorf("%s cookie: caller is %s, want anonymous", name, k)
		}
	}
	if k := whoamiKey(t, s, sessionHeader(cookie)...); k != "user:system:alice" {
		t.Fatalf("the real cookie names %q", k)
	}

	// Disabling a user voids her cookie without a restart (the users file is
	// re-read when it changes, at most once a second).
	disabled := alice
	disabled.extra = []string{"--disabled", "--force"}
	if code, out := addUser(t, file, disabled); code != 0 {
		t.Fatalf("disable alice: %d %s", code, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for whoamiKey(t, s, sessionHeader(cookie)...) != "" {
		if time.Now().After(deadline) {
			t.Fatal("alice's cookie still works 10 s after she was disabled")
		}
		time.Sleep(100 * time.Millisecond) // polling the file's re-read, not a correctness wait
	}
	if r, c := login(t, s, alice.login, alice.password); r.Status == 200 || c != "" {
		t.Errorf("a disabled user logged in: %d %s", r.Status, r.Body)
	}
}

// TestAuthLogoutSurvivesRestart: a logged-out cookie stays void after the
// server restarts, and a live one keeps working (the secret and the logouts
// are kept beside the users file).
func TestAuthLogoutSurvivesRestart(t *testing.T) {
	t.Parallel()
	file := usersFile(t, alice, bob)
	s := startAuthServer(t, file)
	out := mustLogin(t, s, alice)
	stays := mustLogin(t, s, bob)
	wantStatus(t, post(t, s.URL+"/_/service/auth/login", "application/json", `{"action":"logout"}`, sessionHeader(out)...), 200, "logout")
	s.stop(t, true)
	for _, name := range []string{"users.json.secret", "users.json.logouts"} {
		info, err := os.Stat(filepath.Join(filepath.Dir(file), name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, info.Mode().Perm())
		}
	}
	s2 := startAuthServer(t, file)
	if k := whoamiKey(t, s2, sessionHeader(out)...); k != "" {
		t.Errorf("after a restart the logged-out cookie names %s", k)
	}
	if k := whoamiKey(t, s2, sessionHeader(stays)...); k != "user:system:bob" {
		t.Errorf("after a restart bob's cookie names %q, want bob", k)
	}
}

// TestAuthFailedLoginsThrottled: after three failures from one address the
// next attempt is refused without checking the password, even the right
// one; HTTP Basic counts too. Disabled users and unknown users get the
// same answer as a wrong password.
func TestAuthFailedLoginsThrottled(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, usersFile(t, alice, carol))
	for i, c := range []struct{ user, password string }{
		{"alice", "wrong"}, {"nobody", "x"}, {carol.login, carol.password},
	} {
		r, cookie := login(t, s, c.user, c.password)
		m := r.JSON(t)
		if r.Status != 401 || cookie != "" || m["authenticated"] != false || m["message"] != "Access Denied" {
			t.Fatalf("failed login %d (%s): %d %v, want 401 Access Denied and no cookie", i, c.user, r.Status, m)
		}
	}
	r, cookie := login(t, s, alice.login, alice.password)
	m := r.JSON(t)
	msg, _ := m["message"].(string)
	if r.Status != 401 || cookie != "" || !strings.Contains(msg, "Too many failed logins") {
		t.Errorf("the right password after 3 failures: %d %v, want refused as too many failures", r.Status, m)
	}
	if k := whoamiKey(t, s, basicHeader(alice.login, alice.password)...); k != "" {
		t.Errorf("HTTP Basic while throttled authenticated %s", k)
	}
	s.WaitLog(t, func(e LogEntry) bool { return e.Has("too many failed logins") }, wsWait)
}

// TestAuthPasswordNeverLogged: no password reaches the log, at debug level,
// whatever happens to it: right, wrong, mistyped into the login field, or
// sent with HTTP Basic.
func TestAuthPasswordNeverLogged(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, usersFile(t, alice), "--log-level", "debug")
	mustLogin(t, s, alice)
	login(t, s, "alice", "typo-"+alice.password)
	login(t, s, alice.password, "x") // a password typed into the login field
	whoamiKey(t, s, basicHeader("alice", alice.password)...)
	s.stop(t, true)
	logs := s.Stderr()
	for _, secret := range []string{alice.password, base64.StdEncoding.EncodeToString([]byte("alice:" + alice.password))} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "logged in") || !strings.Contains(logs, "login failed") {
		t.Errorf("logins are not logged at all:\n%s", logs)
	}
}

// TestAuthLoginWithoutUsers: without --users nobody can log in and
// loginAvailable() says so; everyone is anonymous.
func TestAuthLoginWithoutUsers(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--app", appDir("auth"))
	r, cookie := login(t, s, "alice", "x")
	if r.Status != 401 || cookie != "" {
		t.Errorf("login without users: %d %s", r.Status, r.Body)
	}
	m := get(t, s.URL+"/_/service/auth/login").JSON(t)
	if m["available"] != false {
		t.Errorf("loginAvailable() without users = %v, want false", m["available"])
	}
	if k := whoamiKey(t, s, basicHeader("alice", "x")...); k != "" {
		t.Errorf("caller without users: %s", k)
	}
	wantStatus(t, get(t, s.URL+"/_/service/auth/members"), 403, "members-only service without users")
}

// TestAuthCredentialsChange: a new password voids the user's cookies and
// closes their open WebSockets with 1008; so does disabling a user; other
// users are untouched.
func TestAuthCredentialsChange(t *testing.T) {
	t.Parallel()
	file := usersFile(t, alice, bob)
	s := startAuthServer(t, file)
	aliceCookie := mustLogin(t, s, alice)
	bobCookie := mustLogin(t, s, bob)
	a, _ := dialAs(t, s, "a", sessionHeader(aliceCookie)...)
	b, _ := dialAs(t, s, "b", sessionHeader(bobCookie)...)

	changed := alice
	changed.password = "pw-alice-new-91c2"
	if code, out := addUser(t, file, changed, "--force"); code != 0 {
		t.Fatalf("user add --force: %d %s", code, out)
	}
	a.expectClose(1008, wsWait, true)
	if k := whoamiKey(t, s, sessionHeader(aliceCookie)...); k != "" {
		t.Errorf("the cookie from before the new password still names %s", k)
	}
	if k := whoamiKey(t, s, sessionHeader(mustLogin(t, s, changed))...); k != "user:system:alice" {
		t.Errorf("a login with the new password names %q", k)
	}
	b.sendText("still there?")
	if m := b.readJSON(); m["type"] != "message" {
		t.Errorf("bob after alice's change: %v", m)
	}

	disabled := bob
	disabled.extra = []string{"--disabled"}
	if code, out := addUser(t, file, disabled, "--force"); code != 0 {
		t.Fatalf("user add --force --disabled: %d %s", code, out)
	}
	b.expectClose(1008, wsWait, true)
	if k := whoamiKey(t, s, sessionHeader(bobCookie)...); k != "" {
		t.Errorf("a disabled user's cookie still names %s", k)
	}
	s.WaitLog(t, func(e LogEntry) bool { return e.Has("login sessions ended", "user:system:bob") }, wsWait)
}

// TestAuthBurstThrottled: a burst of concurrent wrong passwords from one
// address gets the three free checks, not one bcrypt each, and a right
// password late in the burst does not slip in.
func TestAuthBurstThrottled(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, usersFile(t, alice), "--log-level", "debug")
	var wg sync.WaitGroup
	var authenticated atomic.Int64
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			password := "wrong"
			if i == 59 {
				password = alice.password
			}
			r, err := doErr("GET", s.URL+"/_/service/auth/whoami", nil, basicHeader(alice.login, password)...)
			if err == nil && strings.Contains(r.Body, "user:system:alice") {
				authenticated.Add(1)
			}
		}()
	}
	wg.Wait()
	checked := s.CountLogs(func(e LogEntry) bool { return e.Has("login failed") })
	if total := checked + int(authenticated.Load()); total > 3 || checked == 0 {
		t.Errorf("%d passwords checked and failed, %d right: want at most 3 checks in all", checked, authenticated.Load())
	}
}

// TestAuthSecretFile: --session-secret-file gives the secret that signs
// cookies: a token signed with the file's secret names its user.
func TestAuthSecretFile(t *testing.T) {
	t.Parallel()
	file := usersFile(t, alice)
	secretFile := filepath.Join(t.TempDir(), "session.secret")
	writeFile(t, secretFile, authSecret+"\n")
	s := startAuthServer(t, file, "--session-secret-file", secretFile)
	now := time.Now()
	if k := whoamiKey(t, s, sessionHeader(forgeToken(authSecret, file, "alice", now, now.Add(time.Hour)))...); k != "user:system:alice" {
		t.Errorf("a token signed with the file's secret names %q, want alice", k)
	}
}
