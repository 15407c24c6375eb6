package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// The system id provider's endpoints, <base>/_/idprovider/system/...,
// driven as a browser drives them: a page hands out loginUrl, the login
// form posts back to itself, the 303 leads to the redirect.

const formType = "application/x-www-form-urlencoded"

// links are the id provider's URLs as the test app's page makes them
// (loginUrl and logoutUrl with redirect /webapp/auth/after).
func links(t *testing.T, s *harness.Server) map[string]any {
	t.Helper()
	r := harness.Get(t, s.URL+"/webapp/auth/links")
	harness.WantStatus(t, r, 200, "links page")
	return r.JSON(t)
}

// formAction is the target of the login page's form, unescaped.
func formAction(t *testing.T, page *harness.Resp) string {
	t.Helper()
	m := regexp.MustCompile(`<form method="post" action="([^"]*)"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no login form in status %d page: %s", page.Status, harness.Trunc(page.Body))
	}
	return html.UnescapeString(m[1])
}

// credentials is the form body of a login.
func credentials(user, password string) string {
	return url.Values{"user": {user}, "password": {password}}.Encode()
}

// sessionCookie is the duplex_session value r sets ("" when none, or a
// clearing one).
func sessionCookie(r *harness.Resp) string {
	for _, c := range r.Resp.Cookies() {
		if c.Name == "duplex_session" && c.MaxAge >= 0 {
			return c.Value
		}
	}
	return ""
}

// afterUser is who /webapp/auth/after says is signed in ("" when anonymous).
func afterUser(t *testing.T, s *harness.Server, hdr ...string) string {
	t.Helper()
	r := harness.Get(t, s.URL+"/webapp/auth/after", hdr...)
	harness.WantStatus(t, r, 200, "after page")
	u, _ := r.JSON(t)["user"].(map[string]any)
	key, _ := u["key"].(string)
	return key
}

// TestAuthIDProviderLogin: loginUrl's link shows the login form; posting
// it with a wrong password answers the form again with 401 and nothing
// secret in it; with the right one, 303 to the page's redirect, signed in;
// logoutUrl's link signs out (every cookie of the user, as logout()) and
// goes back to the redirect. url() and idProviderUrl work too.
func TestAuthIDProviderLogin(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, duplex.UsersFile(t, alice, bob))
	l := links(t, s)
	login, _ := l["login"].(string)
	if !regexp.MustCompile(`^/webapp/auth/_/idprovider/system/login\?redirect=%2Fwebapp%2Fauth%2Fafter&_ticket=[0-9a-f]{40}$`).MatchString(login) {
		t.Fatalf("loginUrl %q", login)
	}
	if got := l["url"]; got != s.URL+"/webapp/auth/after" {
		t.Errorf("url({type: 'absolute'}) = %v", got)
	}

	page := harness.Get(t, s.URL+login, "Accept", "text/html")
	harness.WantStatus(t, page, 200, "login form")
	harness.WantMediaType(t, page, "text/html", "utf-8", "login form")
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("login page CSP %q", csp)
	}
	if strings.Contains(page.Body, "<script") || strings.Contains(page.Body, "src=") {
		t.Errorf("the login page loads or runs something: %s", page.Body)
	}
	action := formAction(t, page)
	if action != login {
		t.Errorf("the form posts to %q, want its own URL %q", action, login)
	}
	origin := []string{"Origin", s.URL}

	wrong := harness.Post(t, s.URL+action, formType, credentials("alice", "not-her-password"), origin...)
	harness.WantStatus(t, wrong, 401, "wrong password")
	if formAction(t, wrong) != login || !strings.Contains(wrong.Body, "Access Denied") {
		t.Errorf("the 401 is not the form with a generic message: %s", wrong.Body)
	}
	if strings.Contains(wrong.Body, "not-her-password") || sessionCookie(wrong) != "" {
		t.Errorf("wrong password: echoed or set a cookie")
	}
	for _, line := range s.Lines() {
		if strings.Contains(line, "not-her-password") || strings.Contains(line, alice.Password) {
			t.Errorf("a password in the log: %s", line)
		}
	}

	r := harness.Post(t, s.URL+action, formType, credentials("alice", alice.Password), origin...)
	harness.WantStatus(t, r, 303, "login")
	if loc := r.Header.Get("Location"); loc != "/webapp/auth/after" {
		t.Fatalf("login redirects to %q", loc)
	}
	cookie := sessionCookie(r)
	if cookie == "" {
		t.Fatal("login set no session cookie")
	}
	if who := afterUser(t, s, sessionHeader(cookie)...); who != "user:system:alice" {
		t.Fatalf("after login the page sees %q", who)
	}

	logout, _ := l["logout"].(string)
	if !strings.HasPrefix(logout, "/webapp/auth/_/idprovider/system/logout?redirect=%2Fwebapp%2Fauth%2Fafter&_ticket=") {
		t.Fatalf("logoutUrl %q", logout)
	}
	r = harness.Get(t, s.URL+logout, sessionHeader(cookie)...)
	harness.WantStatus(t, r, 303, "logout")
	if loc := r.Header.Get("Location"); loc != "/webapp/auth/after" {
		t.Errorf("logout redirects to %q", loc)
	}
	if !strings.Contains(r.Header.Get("Set-Cookie"), "duplex_session=;") {
		t.Errorf("logout does not clear the cookie: %q", r.Header.Get("Set-Cookie"))
	}
	if who := afterUser(t, s, sessionHeader(cookie)...); who != "" {
		t.Errorf("the cookie still names %q after logout", who)
	}

	// idProviderUrl's target, at the root: the form, whose login goes to
	// the base without a redirect.
	if got := l["idProvider"]; got != "/webapp/auth/_/idprovider/system" {
		t.Errorf("idProviderUrl() = %v", got)
	}
	page = harness.Get(t, s.URL+"/_/idprovider/system")
	harness.WantStatus(t, page, 200, "idProviderUrl's form at the root")
	r = harness.Post(t, s.URL+formAction(t, page), formType, credentials("bob", bob.Password), origin...)
	harness.WantStatus(t, r, 303, "login at the root")
	if loc := r.Header.Get("Location"); loc != "/" || sessionCookie(r) == "" {
		t.Errorf("login without a redirect: Location %q, cookie %q", loc, sessionCookie(r))
	}
}

// TestAuthIDProviderRedirects (docs/SECURITY.md row 46): the id provider
// follows a redirect only with the ticket the server made for it, so a
// login or logout link cannot be turned into an open redirect: a redirect
// swapped under a real ticket, a foreign one with a made-up ticket, or a
// ticket of another secret go to the base instead; a redirect without a
// ticket is a 400, as in XP.
func TestAuthIDProviderRedirects(t *testing.T) {
	t.Parallel()
	s := startAuthServerSecret(t, duplex.UsersFile(t, alice))
	login, _ := links(t, s)["login"].(string)
	u, err := url.Parse(login)
	if err != nil {
		t.Fatal(err)
	}
	ticket := u.Query().Get("_ticket")
	origin := []string{"Origin", s.URL}
	base := "/webapp/auth/_/idprovider/system/"
	with := func(function, redirect, ticket string) string {
		return base + function + "?" + url.Values{"redirect": {redirect}, "_ticket": {ticket}}.Encode()
	}
	for name, target := range map[string]string{
		"protocol-relative under a real ticket": with("login", "//evil.example", ticket),
		"absolute under a real ticket":          with("login", "https://evil.example/", ticket),
		"backslash under a real ticket":         with("login", `/\evil.example`, ticket),
		"made-up ticket":                        with("login", "https://evil.example/", strings.Repeat("0", 40)),
		"altered ticket":                        with("login", "https://evil.example/", "3f2a"+ticket[4:]),
		"ticket of another secret":              with("login", "https://evil.example/", forgeTicket(harness.AuthSecret+"!", "https://evil.example/")),
	} {
		page := harness.Get(t, s.URL+target)
		harness.WantStatus(t, page, 200, name+": login form")
		if action := formAction(t, page); strings.Contains(action, "evil") {
			t.Errorf("%s: the form carries the redirect on: %s", name, action)
		}
		// Posted to the tampered URL itself, as an attacker's page would.
		r := harness.Post(t, s.URL+target, formType, credentials("alice", alice.Password), origin...)
		harness.WantStatus(t, r, 303, name+": login")
		if loc := r.Header.Get("Location"); loc != "/webapp/auth/" {
			t.Errorf("%s: login redirects to %q, want the base /webapp/auth/", name, loc)
		}
		r = harness.Get(t, s.URL+with("logout", "https://evil.example/", ticket))
		if loc := r.Header.Get("Location"); r.Status != 303 || loc != "/webapp/auth/" {
			t.Errorf("%s: logout answers %d to %q, want 303 to the base", name, r.Status, loc)
		}
	}
	s.WaitLog(t, harness.MessageHas("redirect ignored"), 5*time.Second)
	// Control: a ticket made with the server's secret is followed, so the
	// one of another secret above was refused for its secret alone.
	r := harness.Get(t, s.URL+with("logout", "https://elsewhere.example/", forgeTicket(harness.AuthSecret, "https://elsewhere.example/")))
	if loc := r.Header.Get("Location"); r.Status != 303 || loc != "https://elsewhere.example/" {
		t.Errorf("a ticket of the server's secret: %d to %q, want 303 to its redirect", r.Status, loc)
	}
	for _, function := range []string{"login", "logout"} {
		r := harness.Get(t, s.URL+base+function+"?redirect=https%3A%2F%2Fevil.example%2F")
		harness.WantStatus(t, r, 400, function+" with a redirect and no ticket")
		if loc := r.Header.Get("Location"); loc != "" {
			t.Errorf("%s without a ticket redirects to %q", function, loc)
		}
	}
}

// forgeTicket makes the ticket of redirect the way the server does, with
// secret.
func forgeTicket(secret, redirect string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("redirect\n" + redirect))
	return hex.EncodeToString(m.Sum(nil)[:20])
}

// TestAuthIDProviderLoginCSRF (docs/SECURITY.md row 47): the login form
// takes posts from the server's own origin (and --allowed-origins) only,
// so another site cannot sign its visitors in as the attacker: a foreign
// or "null" Origin, or without Origin a cross-site Sec-Fetch-Site or a
// foreign Referer, is a 403 with no cookie and one log line naming the
// setting. A client that sends none of them (not a browser) may log in.
func TestAuthIDProviderLoginCSRF(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, duplex.UsersFile(t, alice), "--allowed-origins", "https://trusted.example")
	login, _ := links(t, s)["login"].(string)
	body := credentials("alice", alice.Password)
	for name, hdr := range map[string][]string{
		"foreign Origin":              {"Origin", "http://evil.example"},
		"foreign Origin, same port":   {"Origin", strings.Replace(s.URL, "127.0.0.1", "localhost", 1)},
		"null Origin":                 {"Origin", "null"},
		"null Origin, cross-site":     {"Origin", "null", "Sec-Fetch-Site", "cross-site"},
		"same-site Origin":            {"Origin", "http://sub.127.0.0.1", "Sec-Fetch-Site", "same-site"},
		"cross-site Sec-Fetch-Site":   {"Sec-Fetch-Site", "cross-site"},
		"foreign Referer":             {"Referer", "http://evil.example/page"},
		"own Referer, foreign Origin": {"Origin", "https://evil.example", "Referer", s.URL + "/webapp/auth/links"},
	} {
		r := harness.Post(t, s.URL+login, formType, body, hdr...)
		if r.Status != 403 || sessionCookie(r) != "" {
			t.Errorf("%s: status %d, cookie set %v; want 403 and none", name, r.Status, sessionCookie(r) != "")
		}
	}
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("login CSRF", "--allowed-origins") }, 5*time.Second)
	for name, hdr := range map[string][]string{
		"own Origin":            {"Origin", s.URL, "Sec-Fetch-Site", "same-origin"},
		"allowed Origin":        {"Origin", "https://trusted.example"},
		"own Referer":           {"Referer", s.URL + "/webapp/auth/links"},
		"no browser headers":    nil,
		"user-typed navigation": {"Sec-Fetch-Site", "none"},
		// A page under Referrer-Policy: no-referrer posts with Origin: null.
		"null Origin, same-origin": {"Origin", "null", "Sec-Fetch-Site", "same-origin"},
	} {
		r := harness.Post(t, s.URL+login, formType, body, hdr...)
		if r.Status != 303 || sessionCookie(r) == "" {
			t.Errorf("%s: status %d, no cookie; want 303 and a session cookie", name, r.Status)
		}
	}
}

// TestAuthIDProviderRefusals: without users the id provider's endpoints
// answer 404 with a log line naming --users; another id provider, a path
// that is none of its functions, or a method it does not take are 404 and
// 405.
func TestAuthIDProviderRefusals(t *testing.T) {
	t.Parallel()
	none := duplex.Start(t, "--app", harness.App("auth"))
	for _, path := range []string{"/_/idprovider/system/login", "/webapp/auth/_/idprovider/system/logout", "/_/idprovider/system"} {
		harness.WantStatus(t, harness.Get(t, none.URL+path), 404, path+" without users")
	}
	none.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("login unavailable", "--users") }, 5*time.Second)
	// The page still builds its links.
	if login, _ := links(t, none)["login"].(string); !strings.HasPrefix(login, "/webapp/auth/_/idprovider/system/login?redirect=") {
		t.Errorf("loginUrl without users: %q", login)
	}

	s := startAuthServer(t, duplex.UsersFile(t, alice))
	for path, want := range map[string]int{
		"/_/idprovider/ldap/login":              404,
		"/webapp/auth/_/idprovider/ldap":        404,
		"/_/idprovider/system/register":         404,
		"/_/idprovider/system/login/x":          404,
		"/_/idprovider/":                        404,
		"/webapp/nosuchapp/_/idprovider/system": 404,
	} {
		harness.WantStatus(t, harness.Get(t, s.URL+path), want, path)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("only the system id provider") }, 5*time.Second)
	r := harness.Do(t, "PUT", s.URL+"/_/idprovider/system/login", strings.NewReader(credentials("alice", alice.Password)), "Content-Type", formType)
	harness.WantStatus(t, r, 405, "PUT login")
	if sessionCookie(r) != "" {
		t.Error("PUT login set a cookie")
	}
	// A form without a password is the form again, without a password check.
	r = harness.Post(t, s.URL+"/_/idprovider/system/login", formType, "user=alice", "Origin", s.URL)
	harness.WantStatus(t, r, 401, "login without a password")
}
