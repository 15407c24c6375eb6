package auth

import (
	"testing"

	"duplex/test/harness"
)

// TestAuthContextRun: /lib/xp/context's run makes /lib/xp/auth see another
// user of the users file (found by login, without a password; a disabled
// or unknown one runs anonymous, as in XP), and the caller again after.
func TestAuthContextRun(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, duplex.UsersFile(t, alice, bob, carol))
	aliceCookie := mustLogin(t, s, alice)
	runas := s.URL + "/_/service/auth/runas?as="
	for _, c := range []struct {
		as     string
		header []string
		want   string
	}{
		{"bob", nil, "bob true | anonymous false | user:system:anonymous,role:system.everyone"},
		{"carol", nil, "anonymous false | anonymous false | user:system:anonymous,role:system.everyone"},
		{"nobody", nil, "anonymous false | anonymous false | user:system:anonymous,role:system.everyone"},
		{"bob", sessionHeader(aliceCookie), "bob true | alice false | user:system:alice,role:system.authenticated,role:system.everyone"},
	} {
		r := harness.Get(t, runas+c.as, c.header...)
		harness.WantStatus(t, r, 200, "runas "+c.as)
		if r.Body != c.want {
			t.Errorf("run as %s (caller %v): %q, want %q", c.as, c.header != nil, r.Body, c.want)
		}
	}
}
