package auth

// Helpers of the auth tests: users files made with the real `duplex user
// add`, logins through the test app's login service, and WebSocket dials
// that carry a session cookie or Basic credentials.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"duplex/test/harness"
)

// The users of the auth tests (see harness.Alice).
var alice, bob, carol = harness.Alice(), harness.Bob(), harness.Carol()

// startAuthServer serves the auth test app with users from file.
func startAuthServer(t testing.TB, file string, args ...string) *harness.Server {
	t.Helper()
	return duplex.Start(t, append([]string{"--app", harness.App("auth"), "--users", file}, args...)...)
}

// startAuthServerSecret is startAuthServer with authSecret, given as it
// must be: in the environment, never on the command line.
func startAuthServerSecret(t testing.TB, file string, args ...string) *harness.Server {
	t.Helper()
	return duplex.StartOpts(t, harness.Opts{
		Args: append([]string{"--app", harness.App("auth"), "--users", file}, args...),
		Env:  []string{"DUPLEX_SESSION_SECRET=" + harness.AuthSecret},
	})
}

// login posts credentials to the test app's login service and returns the
// response and the session cookie it set ("" when none).
func login(t testing.TB, s *harness.Server, user, password string) (*harness.Resp, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"user": user, "password": password})
	r := harness.Post(t, s.URL+"/_/service/auth/login", "application/json", string(body))
	for _, c := range r.Resp.Cookies() {
		if c.Name == "duplex_session" && c.Value != "" {
			return r, c.Value
		}
	}
	return r, ""
}

// mustLogin logs u in and returns the session cookie.
func mustLogin(t testing.TB, s *harness.Server, u harness.User) string {
	t.Helper()
	r, cookie := login(t, s, u.Login, u.Password)
	if r.Status != 200 || cookie == "" {
		t.Fatalf("login %s: status %d, cookie %q, body %s", u.Login, r.Status, cookie, r.Body)
	}
	return cookie
}

// sessionHeader is the Cookie header of a session cookie.
func sessionHeader(cookie string) []string { return []string{"Cookie", "duplex_session=" + cookie} }

// whoami asks the test app who the caller is, over HTTP.
func whoami(t testing.TB, s *harness.Server, hdr ...string) map[string]any {
	t.Helper()
	r := harness.Get(t, s.URL+"/_/service/auth/whoami", hdr...)
	harness.WantStatus(t, r, 200, "whoami")
	m := r.JSON(t)
	return m
}

// whoamiKey is the key of the caller whoami reports, "" when anonymous.
func whoamiKey(t testing.TB, s *harness.Server, hdr ...string) string {
	t.Helper()
	u, _ := whoami(t, s, hdr...)["user"].(map[string]any)
	key, _ := u["key"].(string)
	return key
}

// dialAs opens a WebSocket on the whoami service with the given headers and
// returns it with the first frame: the JSON of event.session.user, or
// "anonymous".
func dialAs(t testing.TB, s *harness.Server, tag string, hdr ...string) (*harness.WS, string) {
	t.Helper()
	c := harness.DialWS(t, s, "/_/service/auth/whoami?tag="+tag, harness.WSOpts{Header: hdr})
	return c, c.ReadText()
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
