// Package auth is the server's identity: the system id provider's users
// file, login cookies and logouts, HTTP Basic, the login throttle, and the
// WebSocket sessions each user has open. It is apart from package app so
// that `duplex user add` can write a user without the HTTP server and the
// engine, and so that what identity exposes to the router is one
// middleware, Identify.
package auth

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	xpauth "duplex/lib/auth"
	"duplex/websocket"
)

// DefaultSessionTTL is how long a login lasts when Options.SessionTTL is
// left zero.
const DefaultSessionTTL = 12 * time.Hour

// Options are the command line's say on users and login sessions.
type Options struct {
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
	// bcrypts holds a token per password check running, bounding them.
	bcrypts chan struct{}
	basic   *basicCache
	ttl     time.Duration
	log     zerolog.Logger

	// dummies are hashes checked against when the login is unknown, one
	// per bcrypt cost, so that an unknown user costs as long as a wrong
	// password.
	dmu     sync.Mutex
	dummies map[int][]byte

	smu     sync.Mutex
	sockets map[string]map[*socketRef]struct{} // lower-cased login -> open sessions
	// watchStop ends the watch of the users file (watchUsers), which runs
	// while any user has a WebSocket session open.
	watchStop chan struct{}
}

// New opens the users file and the session secret. Without a users file it
// returns an Auth under which everyone is anonymous.
func New(o Options, log zerolog.Logger) (*Auth, error) {
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	a := &Auth{
		throttle: newThrottle(), ttl: o.SessionTTL, log: log,
		sockets: map[string]map[*socketRef]struct{}{},
		bcrypts: make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
	}
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

// Available implements xpauth.Provider.
func (a *Auth) Available() bool { return a.users != nil && a.users.count() > 0 }

// User implements xpauth.Provider: the enabled user of that login (not
// e-mail) in the system id provider, the only one there is.
func (a *Auth) User(login, idProvider string) *xpauth.User {
	if a.users == nil || (idProvider != "" && idProvider != IDProvider) {
		return nil
	}
	entry, found, _ := a.users.lookup(login, time.Now())
	if !found || entry.Disabled || !strings.EqualFold(entry.Login, login) {
		return nil
	}
	return entry.toUser()
}

// denied is the one message of every refused login: it does not tell an
// unknown user from a wrong password or a disabled account.
const denied = "Access Denied"

// Login implements xpauth.Provider. Failures are counted per client address;
// the password is never logged, and neither is a login name that matches
// no user (it may be a password typed in the wrong field).
func (a *Auth) Login(w http.ResponseWriter, r *http.Request, name, password, idProvider string) (*xpauth.User, string) {
	now := time.Now()
	client := clientKey(websocket.PublicOf(r).Addr)
	log := a.log.With().Str("remote", client).Logger()
	if !a.Available() || (idProvider != "" && idProvider != IDProvider) {
		return nil, denied
	}
	if d := a.throttle.begin(client, now); d > 0 {
		log.Warn().Dur("retry_in", d).Msg("login refused: too many failed logins from this address")
		return nil, fmt.Sprintf("Too many failed logins: try again in %d s", int(d.Seconds()+0.999))
	}
	entry, result := a.check(name, password, now, log)
	switch result {
	case checkBusy:
		a.throttle.succeeded(client) // nothing was checked
		return nil, busy
	case checkFailed:
		return nil, denied
	}
	a.throttle.succeeded(client)
	t := cookieToken{login: entry.Login, issued: now.UnixNano(), expires: now.Add(a.ttl).Unix(), stamp: a.signer.stamp(entry.Password)}
	http.SetCookie(w, loginCookie(a.signer.sign(t), int(a.ttl/time.Second), r))
	u := entry.toUser()
	log.Info().Str("user", u.Key()).Msg("logged in")
	return u, ""
}

// busy is the message of a login refused because too many passwords are
// being checked at once.
const busy = "Too many logins at once: try again in a moment"

// checkResult is what check found.
type checkResult int

const (
	checkPassed checkResult = iota
	checkFailed
	checkBusy // not checked: every bcrypt slot stayed taken
)

// bcryptWait is how long a login waits for a bcrypt slot.
const bcryptWait = 2 * time.Second

// check verifies a password with bcrypt (constant time in the password);
// an unknown login is checked against a dummy hash so that it takes as long.
// At most cap(a.bcrypts) checks run at once, server-wide: each costs tens
// of milliseconds of CPU, and many at once would starve everyone else.
func (a *Auth) check(name, password string, now time.Time, log zerolog.Logger) (UserEntry, checkResult) {
	timer := time.NewTimer(bcryptWait)
	defer timer.Stop()
	select {
	case a.bcrypts <- struct{}{}:
		defer func() { <-a.bcrypts }()
	case <-timer.C:
		log.Warn().Int("concurrent", cap(a.bcrypts)).Msg("login refused: every password check slot is taken")
		return UserEntry{}, checkBusy
	}
	entry, found, err := a.users.lookup(name, now)
	if err != nil {
		log.Error().Err(err).Msg("users file unreadable; keeping the users read before")
	}
	if !found {
		_ = bcrypt.CompareHashAndPassword(a.dummy(a.users.typicalCost()), []byte(password))
		log.Info().Msg("login failed: unknown user")
		return UserEntry{}, checkFailed
	}
	if bcrypt.CompareHashAndPassword([]byte(entry.Password), []byte(password)) != nil {
		log.Info().Str("user", "user:"+IDProvider+":"+entry.Login).Msg("login failed: wrong password")
		return UserEntry{}, checkFailed
	}
	if entry.Disabled {
		log.Info().Str("user", "user:"+IDProvider+":"+entry.Login).Msg("login failed: user disabled")
		return UserEntry{}, checkFailed
	}
	return entry, checkPassed
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

// Logout implements xpauth.Provider: every login session of u ends (the
// token is stateless, so a logout voids all of the user's tokens issued
// before it), its WebSocket sessions are closed with 1008, and the cookie
// is cleared.
func (a *Auth) Logout(w http.ResponseWriter, r *http.Request, u *xpauth.User) {
	if w != nil {
		http.SetCookie(w, loginCookie("", -1, r))
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
