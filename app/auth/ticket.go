package auth

import (
	"crypto/subtle"
	"encoding/hex"
)

// Redirect tickets are XP's RedirectChecksumService: loginUrl and
// logoutUrl put redirect=<url>&_ticket=<ticket> in the URLs they make, and
// the id provider's endpoints follow the redirect only when the ticket
// matches it, so that nobody can turn a login link into a redirect to a
// site of their choosing. XP's ticket is the first 20 bytes of an
// HMAC-SHA512 with a key of its system repository, in hex; duplex's is
// the first 20 bytes of an HMAC-SHA256 with the session secret (the
// cookie signer's key, under a label of its own so that a ticket is never
// a cookie's signature), in hex. Nodes behind one address need the same
// secret, as for cookies.

// ticketLabel keeps ticket MACs apart from the cookie signer's other uses.
const ticketLabel = "redirect\n"

// ticketBytes is how much of the MAC a ticket keeps: XP's 20.
const ticketBytes = 20

// RedirectTicket is the ticket of redirect. Without users (no --users)
// there is no secret and it is "": the id provider's endpoints then
// answer 404 anyway. A nil Auth is such a server.
func (a *Auth) RedirectTicket(redirect string) string {
	if a == nil || a.signer == nil {
		return ""
	}
	return hex.EncodeToString(a.signer.mac(ticketLabel + redirect)[:ticketBytes])
}

// VerifyRedirect reports whether ticket is redirect's, compared in
// constant time.
func (a *Auth) VerifyRedirect(redirect, ticket string) bool {
	want := a.RedirectTicket(redirect)
	return want != "" && subtle.ConstantTimeCompare([]byte(ticket), []byte(want)) == 1
}
