package auth

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCookieTokens(t *testing.T) {
	s := &signer{key: []byte(strings.Repeat("k", 32))}
	now := time.Unix(2_000_000_000, 0)
	tok := cookieToken{login: "alice", issued: now.UnixNano(), expires: now.Add(time.Hour).Unix(), stamp: s.stamp("$2a$10$hash")}
	if tok.stamp == s.stamp("$2a$10$other") || strings.Contains(tok.stamp, "hash") {
		t.Errorf("stamp %q: want a keyed digest that differs per hash", tok.stamp)
	}
	v := s.sign(tok)
	if got, ok := s.verify(v, now); !ok || got != tok {
		t.Fatalf("verify(sign(t)) = %+v %v", got, ok)
	}
	if _, ok := s.verify(v, now.Add(time.Hour)); ok {
		t.Errorf("an expired token verified")
	}
	other := &signer{key: []byte(strings.Repeat("x", 32))}
	if _, ok := other.verify(v, now); ok {
		t.Errorf("a token verified under another key")
	}
	for i := range v {
		b := []byte(v)
		b[i] ^= 0x01
		if _, ok := s.verify(string(b), now); ok {
			t.Errorf("token with byte %d changed verified: %s", i, b)
		}
	}
}

func TestLoadSecret(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "u.secret")
	a, err := loadSecret("", "", path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadSecret("", "", path)
	if err != nil || string(a) != string(b) || len(a) < minSecret {
		t.Fatalf("second load: %q %v, want the first secret %q", b, err, a)
	}
	if _, err := loadSecret("short", "", path); err == nil {
		t.Error("a short DUPLEX_SESSION_SECRET was accepted")
	}
	file := filepath.Join(dir, "given")
	const given = "0123456789abcdef0123456789abcdef"
	if err := os.WriteFile(file, []byte(given+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := loadSecret("", file, path); err != nil || string(got) != given {
		t.Errorf("--session-secret-file: %q %v", got, err)
	}
	if err := os.WriteFile(file, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadSecret("", file, path); err == nil {
		t.Error("a short --session-secret-file was accepted")
	}
	if _, err := loadSecret("", filepath.Join(dir, "missing"), path); err == nil {
		t.Error("a missing --session-secret-file was accepted")
	}
}

// Nodes started at once on one users file make its secret together: each
// must end up with the one secret, none with a half-written file.
func TestSecretCreatedOnceByMany(t *testing.T) {
	for round := range 40 {
		path := filepath.Join(t.TempDir(), "users.json.secret")
		const n = 8
		secrets := make([][]byte, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				secrets[i], errs[i] = loadSecret("", "", path)
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, process %d: %v", round, i, errs[i])
			}
			if string(secrets[i]) != string(secrets[0]) {
				t.Fatalf("round %d: two secrets, %q and %q", round, secrets[0], secrets[i])
			}
		}
		if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".secret-*")); len(leftovers) > 0 {
			t.Fatalf("temporary files left: %v", leftovers)
		}
	}
}
