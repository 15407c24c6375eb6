package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"duplex/websocket"
)

// cookieName is the login cookie's name. It says "session" for the login
// it carries; it stays as it is so that cookies already issued still work.
const cookieName = "duplex_session"

// loginCookie is the login cookie holding value for maxAge seconds (-1
// clears it). Login and logout share it so that their attributes cannot
// drift apart: a clearing cookie of another Path would leave the login in
// place. Secure when the client came over HTTPS (to duplex's TLS, or to a
// trusted proxy that says so: websocket.PublicOf), and only then, so that
// a plain-HTTP server can log in.
func loginCookie(value string, maxAge int, r *http.Request) *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r != nil && websocket.PublicOf(r).Scheme == "https"}
}

// minSecret is the shortest --session-secret accepted: HMAC-SHA256 is only
// as strong as its key.
const minSecret = 32

// maxToken bounds the cookie value looked at, so that a huge forged cookie
// costs nothing to refuse.
const maxToken = 512

// cookieToken is what the cookie says: who logged in, when, and until
// when it holds. It is stateless, signed with the session secret, so a
// restart keeps people logged in; logging out is recorded in logouts.
type cookieToken struct {
	login   string
	issued  int64 // unix nanoseconds: orders it against a logout
	expires int64 // unix seconds
	// stamp binds the token to the user's password hash as it was at
	// login (signer.stamp): a new password voids every older token.
	stamp string
}

// signer makes and checks cookie tokens:
// base64url(payload) "." base64url(HMAC-SHA256(secret, base64url(payload))).
type signer struct {
	key []byte
}

func (s *signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func (s *signer) sign(t cookieToken) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte("v2\n" + t.login + "\n" +
		strconv.FormatInt(t.issued, 10) + "\n" + strconv.FormatInt(t.expires, 10) + "\n" + t.stamp))
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// stamp is a short keyed digest of a password hash: it tells whether the
// hash changed without putting the hash (or anything it can be guessed
// from) in the cookie.
func (s *signer) stamp(passwordHash string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("stamp\n" + passwordHash)[:9])
}

// verify returns the token in value if its signature is right (compared in
// constant time) and it has not expired.
func (s *signer) verify(value string, now time.Time) (cookieToken, bool) {
	if len(value) > maxToken {
		return cookieToken{}, false
	}
	payload, sig, ok := strings.Cut(value, ".")
	if !ok {
		return cookieToken{}, false
	}
	// Strict: a signature has one spelling only.
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(payload)) {
		return cookieToken{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return cookieToken{}, false
	}
	// v1 tokens carried no stamp: they are void, and their users log in
	// again.
	f := strings.Split(string(raw), "\n")
	if len(f) != 5 || f[0] != "v2" {
		return cookieToken{}, false
	}
	t := cookieToken{login: f[1], stamp: f[4]}
	if t.issued, err = strconv.ParseInt(f[2], 10, 64); err != nil {
		return cookieToken{}, false
	}
	if t.expires, err = strconv.ParseInt(f[3], 10, 64); err != nil || now.Unix() >= t.expires {
		return cookieToken{}, false
	}
	return t, true
}

// loadSecret returns the session secret: DUPLEX_SESSION_SECRET when given,
// else the content of givenFile (--session-secret-file), else the one kept
// in secretPath, created (random, mode 0600) the first time.
func loadSecret(given, givenFile, secretPath string) ([]byte, error) {
	if given == "" && givenFile != "" {
		data, err := os.ReadFile(givenFile)
		if err != nil {
			return nil, fmt.Errorf("--session-secret-file: %w", err)
		}
		given = strings.TrimSpace(string(data))
		if len(given) < minSecret {
			return nil, fmt.Errorf("--session-secret-file %s: the secret needs at least %d characters", givenFile, minSecret)
		}
	}
	if given != "" {
		if len(given) < minSecret {
			return nil, fmt.Errorf("DUPLEX_SESSION_SECRET: use at least %d characters", minSecret)
		}
		return []byte(given), nil
	}
	data, err := os.ReadFile(secretPath)
	if errors.Is(err, os.ErrNotExist) {
		var made bool
		if data, made, err = createSecret(secretPath); made {
			return data, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("session secret %s: %w", secretPath, err)
	}
	secret := strings.TrimSpace(string(data))
	if len(secret) < minSecret {
		return nil, fmt.Errorf("session secret %s: shorter than %d characters", secretPath, minSecret)
	}
	return []byte(secret), nil
}

// createSecret makes the secret file, or reads the one another process
// made first (several nodes started at once on one users file). The file
// appears whole or not at all: it is written under another name and
// linked into place, so no reader sees it empty or half written.
func createSecret(secretPath string) (secret []byte, made bool, err error) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	value := hex.EncodeToString(b[:])
	tmp, err := os.CreateTemp(filepath.Dir(secretPath), ".secret-*")
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(value + "\n")
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		return nil, false, err
	}
	if err := os.Link(tmp.Name(), secretPath); err == nil {
		return []byte(value), true, nil
	} else if !errors.Is(err, os.ErrExist) {
		return nil, false, err
	}
	data, err := os.ReadFile(secretPath) // another process linked its own first
	return data, false, err
}
