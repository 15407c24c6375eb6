package auth

import (
	"testing"
	"time"
)

func TestUserObject(t *testing.T) {
	u := &User{Login: "alice", IDProvider: "system", DisplayName: "Alice", ModifiedTime: time.Date(2026, 1, 2, 3, 4, 5, 120e6, time.UTC)}
	o := u.Object()
	if o["key"] != "user:system:alice" || o["modifiedTime"] != "2026-01-02T03:04:05.120Z" || o["disabled"] != false {
		t.Errorf("Object() = %v", o)
	}
	if _, ok := o["email"]; ok {
		t.Errorf("an empty e-mail is present: %v", o)
	}
	if got := instant(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); got != "2026-01-02T03:04:05Z" {
		t.Errorf("instant without fraction = %q", got)
	}
}

func TestHasPrincipal(t *testing.T) {
	u := &User{Login: "bob", IDProvider: "system", Roles: []string{"role:chat.admin"}}
	for p, want := range map[string]bool{
		RoleEveryone: true, RoleAuthenticated: true, "user:system:bob": true, "role:chat.admin": true,
		"user:system:alice": false, "role:system.admin": false,
	} {
		if got := HasPrincipal(u, p); got != want {
			t.Errorf("HasPrincipal(bob, %q) = %v", p, got)
		}
	}
	if !HasPrincipal(nil, RoleEveryone) || HasPrincipal(nil, RoleAuthenticated) {
		t.Error("anonymous: want everyone only")
	}
	if roleKey("system.admin") != "role:system.admin" || roleKey("role:x") != "role:x" {
		t.Error("roleKey")
	}
}
