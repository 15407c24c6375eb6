package test

// Helpers of the auth tests: users files made with the real `duplex user
// add`, logins through the test app's login service, and WebSocket dials
// that carry a session cookie or Basic credentials.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// authSecret is the session secret (DUPLEX_SESSION_SECRET) of servers whose
// tests forge tokens.
const authSecret = "test-secret-test-secret-test-secret-0123"

// testUser is one user the tests create.
type testUser struct {
	login, name, email, password string
	extra                        []string // more flags: --disabled, --role ...
}

var (
	alice = testUser{login: "alice", name: "Alice Liddell", email: "alice@example.com", password: "pw-alice-7d3f1c"}
	bob   = testUser{login: "bob", name: "Bob", email: "bob@example.com", password: "pw-bob-a91e22", extra: []string{"--role", "auth.admin"}}
	carol = testUser{login: "carol", name: "Carol", password: "pw-carol-5b8e07", extra: []string{"--disabled"}}
)

// addUser runs `duplex user add` with the password on standard input. A
// low bcrypt cost keeps the -race binary quick.
func addUser(t testing.TB, file string, u testUser, more ...string) (int, string) {
	t.Helper()
	args := []string{"user", "add", "--users", file, "--login", u.login, "--name", u.name, "--bcrypt-cost", "4"}
	if u.email != "" {
		args = append(args, "--email", u.email)
	}
	args = append(append(args, u.extra...), more...)
	cmd := exec.Command(serverBin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(u.password + "\n")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return exitCode(err), string(out)
}

// usersFile writes a users file with users, in a fresh folder.
func usersFile(t testing.TB, users ...testUser) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "users.json")
	for _, u := range users {
		if code, out := addUser(t, file, u); code != 0 {
			t.Fatalf("duplex user add %s exited %d: %s", u.login, code, out)
		}
	}
	return file
}

// startAuthServer serves the auth test app with users from file.
func startAuthServer(t testing.TB, file string, args ...string) *Server {
	t.Helper()
	return startServer(t, append([]string{"--app", appDir("auth"), "--users", file}, args...)...)
}

// startAuthServerSecret is startAuthServer with authSecret, given as it
// must be: in the environment, never on the command line.
func startAuthServerSecret(t testing.TB, file string, args ...string) *Server {
	t.Helper()
	return startServerOpts(t, serverOpts{
		args: append([]string{"--app", appDir("auth"), "--users", file}, args...),
		env:  []string{"DUPLEX_SESSION_SECRET=" + authSecret},
	})
}

// login posts credentials to the test app's login service and returns the
// response and the session cookie it set ("" when none).
func login(t testing.TB, s *Server, user, password string) (*Resp, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"user": user, "password": password})
	r := post(t, s.URL+"/_/service/auth/login", "application/json", string(body))
	for _, c := range r.Resp.Cookies() {
		if c.Name == "duplex_session" && c.Value != "" {
			return r, c.Value
		}
	}
	return r, ""
}

// mustLogin logs u in and returns the session cookie.
func mustLogin(t testing.TB, s *Server, u testUser) string {
	t.Helper()
	r, cookie := login(t, s, u.login, u.password)
	if r.Status != 200 || cookie == "" {
		t.Fatalf("login %s: status %d, cookie %q, body %s", u.login, r.Status, cookie, r.Body)
	}
	return cookie
}

// sessionHeader is the Cookie header of a session cookie.
func sessionHeader(cookie string) []string { return []string{"Cookie", "duplex_session=" + cookie} }

// whoami asks the test app who the caller is, over HTTP.
func whoami(t testing.TB, s *Server, hdr ...string) map[string]any {
	t.Helper()
	r := get(t, s.URL+"/_/service/auth/whoami", hdr...)
	wantStatus(t, r, 200, "whoami")
	m := r.JSON(t)
	return m
}

// whoamiKey is the key of the caller whoami reports, "" when anonymous.
func whoamiKey(t testing.TB, s *Server, hdr ...string) string {
	t.Helper()
	u, _ := whoami(t, s, hdr...)["user"].(map[string]any)
	key, _ := u["key"].(string)
	return key
}

// dialAs opens a WebSocket on the whoami service with the given headers and
// returns it with the first frame: the JSON of event.session.user, or
// "anonymous".
func dialAs(t testing.TB, s *Server, tag string, hdr ...string) (*wsClient, string) {
	t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Add(hdr[i], hdr[i+1])
	}
	c := dialWS(t, s, "/_/service/auth/whoami?tag="+tag, wsDialOpts{header: h})
	return c, c.readText()
}

// forgeToken signs a session token the way the server does, with secret.
func forgeToken(secret, usersFile, login string, issued time.Time, expires time.Time) string {
	mac := func(s string) []byte {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	// The token is bound to the user's password hash as the users file
	// holds it (none for an unknown user).
	hash := ""
	var users struct {
		Users []struct{ Login, Password string }
	}
	if data, err := os.ReadFile(usersFile); err == nil && json.Unmarshal(data, &users) == nil {
		for _, u := range users.Users {
			if u.Login == login {
				hash = u.Password
			}
		}
	}
	stamp := base64.RawURLEncoding.EncodeToString(mac("stamp\n" + hash)[:9])
	payload := base64.RawURLEncoding.EncodeToString([]byte("v2\n" + login + "\n" +
		strconv.FormatInt(issued.UnixNano(), 10) + "\n" + strconv.FormatInt(expires.Unix(), 10) + "\n" + stamp))
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac(payload))
}

// basicHeader is an Authorization header for HTTP Basic.
func basicHeader(user, password string) []string {
	return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}
