package auth

import (
	"path/filepath"
	"strings"
	"testing"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// TestAuthServiceAccess: a service descriptor's allow list (XP's
// <name>.xml or duplex's <name>.json) refuses everyone else, on HTTP and on
// the upgrade, before the controller runs: the anonymous with 401 and a
// Basic challenge, a user without the principal with 403, as XP's
// WebException.forbidden does. The descriptor itself is never a
// controller.
func TestAuthServiceAccess(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, duplex.UsersFile(t, alice, bob))
	aliceCookie := mustLogin(t, s, alice)
	members := s.URL + "/_/service/auth/members"

	t.Run("anonymous HTTP", func(t *testing.T) {
		r := harness.Get(t, members)
		harness.WantStatus(t, r, 401, "anonymous GET of a members-only service")
		if got := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic ") {
			t.Errorf("401 challenge %q, want Basic", got)
		}
		harness.WantStatus(t, harness.Post(t, members, "text/plain", "x"), 401, "anonymous POST of a members-only service")
		harness.WantStatus(t, harness.Get(t, members+"/below"), 401, "anonymous GET below a members-only service")
	})
	t.Run("anonymous upgrade", func(t *testing.T) {
		r, _ := harness.RawHandshake(t, s, "GET", "/_/service/auth/members", "HTTP/1.1", harness.UpgradeHeader(s, wstest.NewKey()))
		if r.Status != 401 {
			t.Fatalf("anonymous upgrade of a members-only service: status %d, want 401; body %q", r.Status, harness.Trunc(r.Body))
		}
	})
	t.Run("forged cookie", func(t *testing.T) {
		harness.WantStatus(t, harness.Get(t, members, sessionHeader(aliceCookie+"x")...), 401, "tampered cookie")
	})
	t.Run("logged in", func(t *testing.T) {
		r := harness.Get(t, members, sessionHeader(aliceCookie)...)
		harness.WantStatus(t, r, 200, "members-only service with a session")
		c := harness.DialWS(t, s, "/_/service/auth/members", harness.WSOpts{Header: []string{"Cookie", "duplex_session=" + aliceCookie}})
		if got := c.ReadText(); got != "welcome alice" {
			t.Errorf("members socket says %q", got)
		}
		harness.WantStatus(t, harness.Get(t, members, basicHeader("bob", bob.Password)...), 200, "members-only service with HTTP Basic")
	})
	t.Run("user and role", func(t *testing.T) {
		only := s.URL + "/_/service/auth/alice"
		harness.WantStatus(t, harness.Get(t, only, sessionHeader(aliceCookie)...), 200, "alice's service as alice")
		harness.WantStatus(t, harness.Get(t, only, basicHeader("bob", bob.Password)...), 200, "alice's service as bob, who holds role:auth.admin")
		harness.WantStatus(t, harness.Get(t, only), 401, "alice's service, anonymous")
	})
	t.Run("XP descriptor", func(t *testing.T) {
		staff := s.URL + "/_/service/auth/staff"
		harness.WantStatus(t, harness.Get(t, staff), 401, "staff service (services/staff/staff.xml), anonymous")
		harness.WantStatus(t, harness.Get(t, staff, sessionHeader(aliceCookie)...), 403, "staff service as alice, who lacks role:auth.admin")
		harness.WantStatus(t, harness.Get(t, staff, basicHeader("bob", bob.Password)...), 200, "staff service as bob, an auth.admin")
		r, _ := harness.RawHandshake(t, s, "GET", "/_/service/auth/staff", "HTTP/1.1", append(harness.UpgradeHeader(s, wstest.NewKey()), "Cookie", "duplex_session="+aliceCookie))
		if r.Status != 403 {
			t.Fatalf("alice's upgrade of the staff service: status %d, want 403", r.Status)
		}
	})
	t.Run("descriptor", func(t *testing.T) {
		// A descriptor without a controller is no service.
		harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/auth/onlydesc"), 404, "service with only a descriptor")
		// Services without a descriptor stay open to all.
		harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/auth/whoami"), 200, "service without a descriptor")
	})
}

// TestAuthBrokenDescriptorStopsStart: a service descriptor duplex cannot
// read (XML or JSON), or two of them for one service, stops the start with
// an error naming the file, instead of locking the service at its first
// call or being ignored.
func TestAuthBrokenDescriptorStopsStart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"bad XML", map[string]string{"services/s/s.xml": "<service><allow><principal>role:x</allow></service>"}, "services/s/s.xml"},
		{"wrong root", map[string]string{"services/s/s.xml": "<site/>"}, "services/s/s.xml"},
		{"bad JSON", map[string]string{"services/s/s.json": `{"allow": [`}, "services/s/s.json"},
		{"both forms", map[string]string{"services/s/s.xml": "<service/>", "services/s/s.json": "{}"}, "one descriptor per service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			harness.WriteFile(t, filepath.Join(dir, "app.json"), `{"name": "broken"}`)
			harness.WriteFile(t, filepath.Join(dir, "services/s/s.js"), `exports.get = function () { return { body: 'must never run' }; };`)
			for name, content := range tc.files {
				harness.WriteFile(t, filepath.Join(dir, name), content)
			}
			stderr := duplex.ExpectStartFailure(t, "--app", dir)
			if !strings.Contains(stderr, tc.want) {
				t.Fatalf("stderr does not name %q:\n%s", tc.want, stderr)
			}
		})
	}
}
