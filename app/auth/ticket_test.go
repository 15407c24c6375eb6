package auth

import (
	"encoding/hex"
	"strings"
	"testing"
)

// TestRedirectTickets: a ticket verifies its own redirect only, under its
// own secret only, in XP's form (40 hex digits); without a secret (no
// users) nothing verifies.
func TestRedirectTickets(t *testing.T) {
	a := &Auth{signer: &signer{key: []byte(strings.Repeat("k", 32))}}
	ticket := a.RedirectTicket("/webapp/x/after")
	if len(ticket) != 40 || strings.Trim(ticket, "0123456789abcdef") != "" {
		t.Fatalf("ticket %q: want 40 lower-case hex digits, as XP's", ticket)
	}
	if !a.VerifyRedirect("/webapp/x/after", ticket) {
		t.Fatal("a ticket does not verify its own redirect")
	}
	other := &Auth{signer: &signer{key: []byte(strings.Repeat("x", 32))}}
	for _, c := range []struct {
		a                *Auth
		redirect, ticket string
	}{
		{a, "//evil.example", ticket},
		{a, "/webapp/x/after/", ticket},
		{a, "/webapp/x/after", strings.ToUpper(ticket)},
		{a, "/webapp/x/after", ticket[:39]},
		{a, "/webapp/x/after", ""},
		{other, "/webapp/x/after", ticket},
		{nil, "/webapp/x/after", ticket},
		{&Auth{}, "", ""},
	} {
		if c.a.VerifyRedirect(c.redirect, c.ticket) {
			t.Errorf("ticket %q verified redirect %q", c.ticket, c.redirect)
		}
	}
	// A ticket is not a cookie signature: its MAC is under its own label.
	if ticket == hex.EncodeToString(a.signer.mac("/webapp/x/after")[:ticketBytes]) {
		t.Error("the ticket is the unlabelled MAC of the redirect")
	}
}
