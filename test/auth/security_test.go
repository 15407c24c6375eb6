package auth

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

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// TestAuthCookieChecks: the session cookie's attributes, and forged,
// tampered, expired, logged-out and disabled-user cookies all count as
// anonymous. Tokens are forged with the server's own secret so that only
// the property under test is wrong.
func TestAuthCookieChecks(t *testing.T) {
	t.Parallel()
	file := duplex.UsersFile(t, alice, bob)
	s := startAuthServerSecret(t, file)
	r, cookie := login(t, s, alice.Login, alice.Password)
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
	valid := forgeToken(harness.AuthSecret, file, "alice", now, now.Add(time.Hour))
	if k := whoamiKey(t, s, sessionHeader(valid)...); k != "user:system:alice" {
		t.Fatalf("control: a token signed with the server's secret names %q, want alice", k)
	}
	payload, sig, _ := strings.Cut(cookie, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	asBob := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), "\nalice\n", "\nbob\n", 1)))
	flipped := []byte(sig)
	flipped[3] ^= 1
	cases := map[string]string{
		"expired":                forgeToken(harness.AuthSecret, file, "alice", now.Add(-2*time.Hour), now.Add(-time.Minute)),
		"other secret":           forgeToken(harness.AuthSecret+"!", file, "alice", now, now.Add(time.Hour)),
		"payload changed to bob": asBob + "." + sig,
		"signature changed":      payload + "." + string(flipped),
		"no signature":           payload,
		"unknown user":           forgeToken(harness.AuthSecret, file, "mallory", now, now.Add(time.Hour)),
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
	disabled.Extra = []string{"--disabled", "--force"}
	if code, out := duplex.AddUser(t, file, disabled); code != 0 {
		t.Fatalf("disable alice: %d %s", code, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for whoamiKey(t, s, sessionHeader(cookie)...) != "" {
		if time.Now().After(deadline) {
			t.Fatal("alice's cookie still works 10 s after she was disabled")
		}
		time.Sleep(100 * time.Millisecond) // polling the file's re-read, not a correctness wait
	}
	if r, c := login(t, s, alice.Login, alice.Password); r.Status == 200 || c != "" {
		t.Errorf("a disabled user logged in: %d %s", r.Status, r.Body)
	}
}

// TestAuthLogoutSurvivesRestart: a logged-out cookie stays void after the
// server restarts, and a live one keeps working (the secret and the logouts
// are kept beside the users file).
func TestAuthLogoutSurvivesRestart(t *testing.T) {
	t.Parallel()
	file := duplex.UsersFile(t, alice, bob)
	s := startAuthServer(t, file)
	out := mustLogin(t, s, alice)
	stays := mustLogin(t, s, bob)
	harness.WantStatus(t, harness.Post(t, s.URL+"/_/service/auth/login", "application/json", `{"action":"logout"}`, sessionHeader(out)...), 200, "logout")
	s.Stop(t, true)
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
	s := startAuthServer(t, duplex.UsersFile(t, alice, carol))
	for i, c := range []struct{ user, password string }{
		{"alice", "wrong"}, {"nobody", "x"}, {carol.Login, carol.Password},
	} {
		r, cookie := login(t, s, c.user, c.password)
		m := r.JSON(t)
		if r.Status != 401 || cookie != "" || m["authenticated"] != false || m["message"] != "Access Denied" {
			t.Fatalf("failed login %d (%s): %d %v, want 401 Access Denied and no cookie", i, c.user, r.Status, m)
		}
	}
	r, cookie := login(t, s, alice.Login, alice.Password)
	m := r.JSON(t)
	msg, _ := m["message"].(string)
	if r.Status != 401 || cookie != "" || !strings.Contains(msg, "Too many failed logins") {
		t.Errorf("the right password after 3 failures: %d %v, want refused as too many failures", r.Status, m)
	}
	if k := whoamiKey(t, s, basicHeader(alice.Login, alice.Password)...); k != "" {
		t.Errorf("HTTP Basic while throttled authenticated %s", k)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("too many failed logins") }, harness.Wait)
}

// TestAuthPasswordNeverLogged: no password reaches the log, at debug level,
// whatever happens to it: right, wrong, mistyped into the login field, or
// sent with HTTP Basic.
func TestAuthPasswordNeverLogged(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, duplex.UsersFile(t, alice), "--log-level", "debug")
	mustLogin(t, s, alice)
	login(t, s, "alice", "typo-"+alice.Password)
	login(t, s, alice.Password, "x") // a password typed into the login field
	whoamiKey(t, s, basicHeader("alice", alice.Password)...)
	s.Stop(t, true)
	logs := s.Stderr()
	for _, secret := range []string{alice.Password, base64.StdEncoding.EncodeToString([]byte("alice:" + alice.Password))} {
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
	s := duplex.Start(t, "--app", harness.App("auth"))
	r, cookie := login(t, s, "alice", "x")
	if r.Status != 401 || cookie != "" {
		t.Errorf("login without users: %d %s", r.Status, r.Body)
	}
	m := harness.Get(t, s.URL+"/_/service/auth/login").JSON(t)
	if m["available"] != false {
		t.Errorf("loginAvailable() without users = %v, want false", m["available"])
	}
	if k := whoamiKey(t, s, basicHeader("alice", "x")...); k != "" {
		t.Errorf("caller without users: %s", k)
	}
	harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/auth/members"), 403, "members-only service without users")
}

// TestAuthCredentialsChange: a new password voids the user's cookies and
// closes their open WebSockets with 1008; so does disabling a user; other
// users are untouched.
func TestAuthCredentialsChange(t *testing.T) {
	t.Parallel()
	file := duplex.UsersFile(t, alice, bob)
	s := startAuthServer(t, file)
	aliceCookie := mustLogin(t, s, alice)
	bobCookie := mustLogin(t, s, bob)
	a, _ := dialAs(t, s, "a", sessionHeader(aliceCookie)...)
	b, _ := dialAs(t, s, "b", sessionHeader(bobCookie)...)

	changed := alice
	changed.Password = "pw-alice-new-91c2"
	if code, out := duplex.AddUser(t, file, changed, "--force"); code != 0 {
		t.Fatalf("user add --force: %d %s", code, out)
	}
	a.ExpectClose(1008, harness.Wait, true)
	if k := whoamiKey(t, s, sessionHeader(aliceCookie)...); k != "" {
		t.Errorf("the cookie from before the new password still names %s", k)
	}
	if k := whoamiKey(t, s, sessionHeader(mustLogin(t, s, changed))...); k != "user:system:alice" {
		t.Errorf("a login with the new password names %q", k)
	}
	b.SendText("still there?")
	if m := b.ReadJSON(); m["type"] != "message" {
		t.Errorf("bob after alice's change: %v", m)
	}

	disabled := bob
	disabled.Extra = []string{"--disabled"}
	if code, out := duplex.AddUser(t, file, disabled, "--force"); code != 0 {
		t.Fatalf("user add --force --disabled: %d %s", code, out)
	}
	b.ExpectClose(1008, harness.Wait, true)
	if k := whoamiKey(t, s, sessionHeader(bobCookie)...); k != "" {
		t.Errorf("a disabled user's cookie still names %s", k)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("login sessions ended", "user:system:bob") }, harness.Wait)
}

// TestAuthBurstThrottled: a burst of concurrent wrong passwords from one
// address gets the three free checks, not one bcrypt each, and a right
// password late in the burst does not slip in. The right one is sent once
// the three checks are logged, while the rest of the burst is in flight:
// sent with the others, it could be checked first, and a right password
// gives its attempt back.
func TestAuthBurstThrottled(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, duplex.UsersFile(t, alice), "--log-level", "debug")
	isCheck := func(e harness.LogEntry) bool { return e.Has("login failed") }
	var wg sync.WaitGroup
	var authenticated atomic.Int64
	try := func(password string) {
		defer wg.Done()
		r, err := harness.DoErr("GET", s.URL+"/_/service/auth/whoami", nil, basicHeader(alice.Login, password)...)
		if err == nil && strings.Contains(r.Body, "user:system:alice") {
			authenticated.Add(1)
		}
	}
	for range 59 {
		wg.Add(1)
		go try("wrong")
	}
	s.WaitLogCount(t, isCheck, 3, harness.Wait)
	wg.Add(1)
	go try(alice.Password)
	wg.Wait()
	// A line logged after every answer came: the burst's lines are all in.
	harness.RawHandshake(t, s, "GET", "/_/service/auth/whoami", "HTTP/1.1",
		wstest.WithHeader(harness.UpgradeHeader(s, wstest.NewKey()), "Sec-WebSocket-Version", "8"))
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("unsupported WebSocket version") }, harness.Wait)
	if checked := s.CountLogs(isCheck); checked != 3 || authenticated.Load() != 0 {
		t.Errorf("%d passwords checked and failed, %d right: want 3 checks in all, the right password refused", checked, authenticated.Load())
	}
}

// TestAuthSecretFile: --session-secret-file gives the secret that signs
// cookies: a token signed with the file's secret names its user.
func TestAuthSecretFile(t *testing.T) {
	t.Parallel()
	file := duplex.UsersFile(t, alice)
	secretFile := filepath.Join(t.TempDir(), "session.secret")
	harness.WriteFile(t, secretFile, harness.AuthSecret+"\n")
	s := startAuthServer(t, file, "--session-secret-file", secretFile)
	now := time.Now()
	if k := whoamiKey(t, s, sessionHeader(forgeToken(harness.AuthSecret, file, "alice", now, now.Add(time.Hour)))...); k != "user:system:alice" {
		t.Errorf("a token signed with the file's secret names %q, want alice", k)
	}
}
