package auth

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLogoutsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.logouts")
	l, err := loadLogouts(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if l.revoked("alice", now.UnixNano()) {
		t.Fatal("revoked before any logout")
	}
	if err := l.add("Alice", now); err != nil {
		t.Fatal(err)
	}
	l2, err := loadLogouts(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !l2.revoked("alice", now.Add(-time.Second).UnixNano()) {
		t.Error("a token issued before the logout is not revoked after reloading")
	}
	if l2.revoked("alice", now.Add(time.Second).UnixNano()) {
		t.Error("a token issued after the logout is revoked")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode().Perm())
	}
}
