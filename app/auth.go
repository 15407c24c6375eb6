package app

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"duplex/lib"
	"duplex/lib/auth"
)

// AuthOptions are the command line's say on users and login sessions.
type AuthOptions struct {
	// UsersFile is the system id provider's users file; "" means no users,
	// and login is unavailable.
	UsersFile string
	// SessionSecret signs the session cookie; "" reads SessionSecretFile,
	// or else keeps a generated one in UsersFile + ".secret".
	SessionSecret string
	// SessionSecretFile holds the secret when SessionSecret is "".
	SessionSecretFile string
	// SessionTTL is how long a login lasts.
	SessionTTL time.Duration
}

// Auth is the server's id provider and login sessions, shared by every
// application: it resolves who a request comes from (session cookie or
// HTTP Basic), implements /lib/xp/auth's login and logout, and knows each
// user's open WebSocket sessions so that logout can close them.
type Auth struct {
	users    *userStore // nil: no users, login unavailable
	signer   *signer
	logouts  *logouts
	throttle *throttle
	basic    *basicCache
	ttl      time.Duration
	log      zerolog.Logger

	// dummies are hashes checked against when the login is unknown, one
	// per bcrypt cost, so that an unknown user costs as long as a wrong
	// password.
	dmu     sync.Mutex
	dummies map[int][]byte

	smu     sync.Mutex
	sockets map[string]map[*socketRef]struct{} // lower-cased login -> open sessions
}

// socketRef is one open WebSocket session of a user.
type socketRef struct {
	close func(code int, reason string)
}

// NewAuth opens the users file and the session secret. Without a users file
// it returns an Auth under which everyone is anonymous.
func NewAuth(o AuthOptions, log zerolog.Logger) (*Auth, error) {
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	a := &Auth{throttle: newThrottle(), ttl: o.SessionTTL, log: log, sockets: map[string]map[*socketRef]struct{}{}}
	if o.UsersFile == "" {
		return a, nil
	}
	path, err := filepath.Abs(o.UsersFile)
	if err != nil {
		return nil, err
	}
	if a.users, err = newUserStore(path); err != nil {
		return nil, fmt.Errorf("--users: %w", err)
	}
	secret, err := loadSecret(o.SessionSecret, o.SessionSecretFile, path+".secret")
	if err != nil {
		return nil, err
	}
	a.signer = &signer{key: secret}
	a.basic = newBasicCache()
	if a.logouts, err = loadLogouts(path+".logouts", o.SessionTTL); err != nil {
		return nil, fmt.Errorf("logouts: %w", err)
	}
	log.Info().Str("users", path).Int("count", a.users.count()).Msg("id provider system ready")
	return a, nil
}

// Available implements auth.Provider.
func (a *Auth) Available() bool { return a.users != nil && a.users.count() > 0 }

// denied is the one message of every refused login: it does not tell an
// unknown user from a wrong password or a disabled account.
const denied = "Access Denied"

// Login implements auth.Provider. Failures are counted per client address;
// the password is never logged, and neither is a login name that matches
// no user (it may be a password typed in the wrong field).
func (a *Auth) Login(w http.ResponseWriter, r *http.Request, name, password, idProvider string) (*auth.User, string) {
	now := time.Now()
	client := clientKey(r.RemoteAddr)
	log := a.log.With().Str("remote", client).Logger()
	if !a.Available() || (idProvider != "" && idProvider != IDProvider) {
		return nil, denied
	}
	if d := a.throttle.wait(client, now); d > 0 {
		log.Warn().Dur("retry_in", d).Msg("login refused: too many failed logins from this address")
		return nil, fmt.Sprintf("Too many failed logins: try again in %d s", int(d.Seconds()+0.999))
	}
	entry, ok := a.check(name, password, now, log)
	if !ok {
		a.throttle.fail(client, now)
		return nil, denied
	}
	t := sessionToken{login: entry.Login, issued: now.UnixNano(), expires: now.Add(a.ttl).Unix()}
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    a.signer.sign(t),
		Path:     "/",
		MaxAge:   int(a.ttl / time.Second),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   r.TLS != nil,
	})
	u := entry.toUser()
	log.Info().Str("user", u.Key()).Msg("logged in")
	return u, ""
}

// check verifies a password with bcrypt (constant time in the password);
// an unknown login is checked against a dummy hash so that it takes as long.
func (a *Auth) check(name, password string, now time.Time, log zerolog.Logger) (UserEntry, bool) {
	entry, found, err := a.users.lookup(name, now)
	if err != nil {
		log.Error().Err(err).Msg("users file unreadable; keeping the users read before")
	}
	if !found {
		_ = bcrypt.CompareHashAndPassword(a.dummy(a.users.typicalCost()), []byte(password))
		log.Info().Msg("login failed: unknown user")
		return UserEntry{}, false
	}
	if bcrypt.CompareHashAndPassword([]byte(entry.Password), []byte(password)) != nil {
		log.Info().Str("user", "user:"+IDProvider+":"+entry.Login).Msg("login failed: wrong password")
		return UserEntry{}, false
	}
	if entry.Disabled {
		log.Info().Str("user", "user:"+IDProvider+":"+entry.Login).Msg("login failed: user disabled")
		return UserEntry{}, false
	}
	return entry, true
}

// dummy returns a hash of the given cost that no password matches.
func (a *Auth) dummy(cost int) []byte {
	a.dmu.Lock()
	defer a.dmu.Unlock()
	if a.dummies == nil {
		a.dummies = map[int][]byte{}
	}
	if h, ok := a.dummies[cost]; ok {
		return h
	}
	var random [32]byte
	_, _ = rand.Read(random[:])
	h, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(random[:])), cost)
	if err != nil {
		h, _ = bcrypt.GenerateFromPassword(random[:], bcrypt.DefaultCost)
	}
	a.dummies[cost] = h
	return h
}

// Logout implements auth.Provider: every login session of u ends (the
// token is stateless, so a logout voids all of the user's tokens issued
// before it), its WebSocket sessions are closed with 1008, and the cookie
// is cleared.
func (a *Auth) Logout(w http.ResponseWriter, r *http.Request, u *auth.User) {
	if w != nil {
		http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r != nil && r.TLS != nil})
	}
	if u == nil || a.logouts == nil {
		return
	}
	if err := a.logouts.add(u.Login, time.Now()); err != nil {
		a.log.Error().Err(err).Str("user", u.Key()).Msg("logout could not be saved; it holds until a restart")
	}
	n := a.closeSockets(u.Login, 1008, "logged out")
	a.log.Info().Str("user", u.Key()).Int("websockets_closed", n).Msg("logged out")
}

// identify returns the caller of r, and the time its session token was
// issued (0 for HTTP Basic). A cookie that is forged, tampered with,
// expired, logged out or names a user since removed or disabled is ignored.
func (a *Auth) identify(r *http.Request) (*auth.User, int64) {
	if a.users == nil {
		return nil, 0
	}
	now := time.Now()
	if c, err := r.Cookie(SessionCookie); err == nil {
		if t, ok := a.signer.verify(c.Value, now); ok && !a.logouts.revoked(t.login, t.issued) {
			if entry, found, _ := a.users.lookup(t.login, now); found && strings.EqualFold(entry.Login, t.login) && !entry.Disabled {
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
	client := clientKey(r.RemoteAddr)
	if login, hash, ok := a.basic.get(name, password, now); ok {
		entry, found, _ := a.users.lookup(login, now)
		if found && entry.Password == hash && !entry.Disabled {
			return entry, true
		}
	}
	log := a.log.With().Str("remote", client).Logger()
	if d := a.throttle.wait(client, now); d > 0 {
		log.Warn().Dur("retry_in", d).Msg("basic authentication ignored: too many failed logins from this address")
		return UserEntry{}, false
	}
	entry, ok := a.check(name, password, now, log)
	if !ok {
		a.throttle.fail(client, now)
		return UserEntry{}, false
	}
	a.basic.put(name, password, entry.Login, entry.Password, now)
	return entry, true
}

// scope is what the engine is told of r's caller; nil when anonymous.
func (a *Auth) scope(r *http.Request) *lib.Scope {
	u, issued := a.identify(r)
	if u == nil {
		return nil
	}
	return &lib.Scope{
		User:   u.Object(),
		Values: map[string]any{auth.ValueKey: u},
		Track:  a.tracker(u.Login, issued),
	}
}

// tracker records the WebSocket sessions a user opens, so that logout can
// close them. A session whose login was ended between its upgrade and its
// open event is closed at once.
func (a *Auth) tracker(login string, issued int64) func(func(int, string)) func() {
	key := strings.ToLower(login)
	return func(closeFn func(int, string)) func() {
		ref := &socketRef{close: closeFn}
		a.smu.Lock()
		if issued != 0 && a.logouts.revoked(login, issued) {
			a.smu.Unlock()
			closeFn(1008, "logged out")
			return func() {}
		}
		set := a.sockets[key]
		if set == nil {
			set = map[*socketRef]struct{}{}
			a.sockets[key] = set
		}
		set[ref] = struct{}{}
		a.smu.Unlock()
		return func() {
			a.smu.Lock()
			defer a.smu.Unlock()
			if set := a.sockets[key]; set != nil {
				delete(set, ref)
				if len(set) == 0 {
					delete(a.sockets, key)
				}
			}
		}
	}
}

// closeSockets closes every open WebSocket session of login and says how
// many there were. The hub closes asynchronously; each session's close
// event untracks it.
func (a *Auth) closeSockets(login string, code int, reason string) int {
	a.smu.Lock()
	refs := make([]*socketRef, 0, len(a.sockets[strings.ToLower(login)]))
	for ref := range a.sockets[strings.ToLower(login)] {
		refs = append(refs, ref)
	}
	a.smu.Unlock()
	for _, ref := range refs {
		ref.close(code, reason)
	}
	return len(refs)
}
