package auth

import (
	"strings"
	"time"
)

// Principals every caller, and every authenticated caller, holds.
const (
	RoleEveryone      = "role:system.everyone"
	RoleAuthenticated = "role:system.authenticated"
)

// User is a user of an id provider, as /lib/xp/auth and WebSocket events show
// it. The server fills it from its users file; it holds no credentials.
type User struct {
	Login        string
	IDProvider   string
	DisplayName  string
	Email        string
	Disabled     bool
	ModifiedTime time.Time
	// Roles are the role keys ("role:chat.admin") held besides everyone and
	// authenticated.
	Roles []string
}

// Key is XP's principal key of the user, "user:system:alice".
func (u *User) Key() string { return "user:" + u.IDProvider + ":" + u.Login }

// Object is XP's user object as WebSocketEventMapper writes it into
// event.session.user: every value a string except disabled, and a field
// with no value left out.
func (u *User) Object() map[string]any {
	o := map[string]any{
		"key":          u.Key(),
		"displayName":  u.DisplayName,
		"modifiedTime": instant(u.ModifiedTime),
		"disabled":     u.Disabled,
		"login":        u.Login,
		"idProvider":   u.IDProvider,
	}
	if u.Email != "" {
		o["email"] = u.Email
	}
	return o
}

// instant formats t as Java's Instant.toString does: UTC, and fractions of
// a second only when there are any, in groups of three digits.
func instant(t time.Time) string {
	t = t.UTC()
	switch ns := t.Nanosecond(); {
	case ns == 0:
		return t.Format("2006-01-02T15:04:05Z")
	case ns%1e6 == 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	case ns%1e3 == 0:
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}

// HasPrincipal reports whether the caller u (nil: anonymous) holds the
// principal key p.
func HasPrincipal(u *User, p string) bool {
	if p == RoleEveryone {
		return true
	}
	if u == nil {
		return false
	}
	if p == RoleAuthenticated || p == u.Key() {
		return true
	}
	for _, r := range u.Roles {
		if r == p {
			return true
		}
	}
	return false
}

// roleKey accepts XP's two spellings of a role: "system.admin" and
// "role:system.admin".
func roleKey(role string) string {
	if strings.HasPrefix(role, "role:") {
		return role
	}
	return "role:" + role
}
