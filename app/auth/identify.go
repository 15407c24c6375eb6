package auth

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"duplex/lib"
	xpauth "duplex/lib/auth"
	"duplex/websocket"
)

// Identify is the middleware that tells the engine who a request comes
// from: it puts the caller's scope in the request's context (lib.WithScope),
// so that neither the engine nor the router reads cookies or credentials,
// and passes an anonymous request on as it came. Wrap only what needs the
// caller: HTTP Basic credentials cost a bcrypt and count against the login
// throttle.
func (a *Auth) Identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := a.scope(r); s != nil {
			r = r.WithContext(lib.WithScope(r.Context(), s))
		}
		next.ServeHTTP(w, r)
	})
}

// scope is what the engine is told of r's caller; nil when anonymous.
func (a *Auth) scope(r *http.Request) *lib.Scope {
	u, issued := a.identify(r)
	if u == nil {
		return nil
	}
	return &lib.Scope{
		User:   u.Object(),
		Values: map[string]any{xpauth.ValueKey: u},
		Track:  a.tracker(u.Login, issued),
	}
}

// identify returns the caller of r, and the time its cookie token was
// issued (0 for HTTP Basic). A cookie that is forged, tampered with,
// expired, logged out or names a user since removed or disabled is ignored.
func (a *Auth) identify(r *http.Request) (*xpauth.User, int64) {
	if a.users == nil {
		return nil, 0
	}
	now := time.Now()
	if c, err := r.Cookie(cookieName); err == nil {
		if t, ok := a.signer.verify(c.Value, now); ok && !a.logouts.revoked(t.login, t.issued) {
			if entry, found, _ := a.users.lookup(t.login, now); found && strings.EqualFold(entry.Login, t.login) && !entry.Disabled &&
				subtle.ConstantTimeCompare([]byte(t.stamp), []byte(a.signer.stamp(entry.Password))) == 1 {
				return entry.toUser(), t.issued
			}
		}
	}
	if name, password, ok := r.BasicAuth(); ok {
		if entry, ok := a.checkBasic(r, name, password, now); ok {
			return entry.toUser(), 0
		}
	}
	return nil, 0
}

// checkBasic verifies HTTP Basic credentials, throttled like a login. A
// success is remembered for a minute so that a client sending Basic on
// every request does not pay bcrypt every time.
func (a *Auth) checkBasic(r *http.Request, name, password string, now time.Time) (UserEntry, bool) {
	client := clientKey(websocket.PublicOf(r).Addr)
	if login, hash, ok := a.basic.get(name, password, now); ok {
		entry, found, _ := a.users.lookup(login, now)
		if found && entry.Password == hash && !entry.Disabled {
			return entry, true
		}
	}
	log := a.log.With().Str("remote", client).Logger()
	if d := a.throttle.begin(client, now); d > 0 {
		log.Warn().Dur("retry_in", d).Msg("basic authentication ignored: too many failed logins from this address")
		return UserEntry{}, false
	}
	entry, result := a.check(name, password, now, log)
	if result == checkBusy {
		a.throttle.succeeded(client)
	}
	if result != checkPassed {
		return UserEntry{}, false
	}
	a.throttle.succeeded(client)
	a.basic.put(name, password, entry.Login, entry.Password, now)
	return entry, true
}
