package auth

import (
	"strings"
	"testing"

	"duplex/test/harness"
	"duplex/websocket/wstest"
)

// TestAuthServiceAccess: a service descriptor's "allow" list refuses
// everyone else with 403, on HTTP and on the upgrade, before the
// controller runs; the descriptor itself is never a controller.
func TestAuthServiceAccess(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, duplex.UsersFile(t, alice, bob))
	aliceCookie := mustLogin(t, s, alice)
	members := s.URL + "/_/service/auth/members"

	t.Run("anonymous HTTP", func(t *testing.T) {
		harness.WantStatus(t, harness.Get(t, members), 403, "anonymous GET of a members-only service")
		harness.WantStatus(t, harness.Post(t, members, "text/plain", "x"), 403, "anonymous POST of a members-only service")
		harness.WantStatus(t, harness.Get(t, members+"/below"), 403, "anonymous GET below a members-only service")
	})
	t.Run("anonymous upgrade", func(t *testing.T) {
		r, _ := harness.RawHandshake(t, s, "GET", "/_/service/auth/members", "HTTP/1.1", harness.UpgradeHeader(s, wstest.NewKey()))
		if r.Status != 403 {
			t.Fatalf("anonymous upgrade of a members-only service: status %d, want 403; body %q", r.Status, harness.Trunc(r.Body))
		}
	})
	t.Run("forged cookie", func(t *testing.T) {
		harness.WantStatus(t, harness.Get(t, members, sessionHeader(aliceCookie+"x")...), 403, "tampered cookie")
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
		harness.WantStatus(t, harness.Get(t, only), 403, "alice's service, anonymous")
	})
	t.Run("descriptor", func(t *testing.T) {
		// A broken descriptor fails closed.
		r := harness.Get(t, s.URL+"/_/service/auth/broken")
		harness.WantStatus(t, r, 403, "service with a broken descriptor")
		if strings.Contains(r.Body, "must never run") {
			t.Errorf("the controller of a service with a broken descriptor ran: %q", r.Body)
		}
		// A descriptor without a controller is no service.
		harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/auth/onlydesc"), 404, "service with only a descriptor")
		// Services without a descriptor stay open to all.
		harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/auth/whoami"), 200, "service without a descriptor")
	})
}
