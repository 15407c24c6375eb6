package auth

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuthUserAdd: `duplex user add` writes a 0600 users file with a bcrypt
// hash, refuses an existing login unless --force, and refuses an empty
// password.
func TestAuthUserAdd(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "users.json")
	code, out := duplex.AddUser(t, file, alice)
	if code != 0 || strings.Contains(out, alice.Password) {
		t.Fatalf("user add: exit %d, output %q", code, out)
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("users file mode %v, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(file)
	if strings.Contains(string(data), alice.Password) {
		t.Fatalf("the users file holds the password in clear:\n%s", data)
	}
	var f struct {
		Users []map[string]any `json:"users"`
	}
	if err := json.Unmarshal(data, &f); err != nil || len(f.Users) != 1 {
		t.Fatalf("users file: %v\n%s", err, data)
	}
	u := f.Users[0]
	if hash, _ := u["password"].(string); !strings.HasPrefix(hash, "$2a$") {
		t.Errorf("password field %q is not a bcrypt hash", hash)
	}
	if u["login"] != "alice" || u["displayName"] != alice.Name || u["email"] != alice.Email {
		t.Errorf("entry %v", u)
	}

	if code, out := duplex.AddUser(t, file, alice); code == 0 || !strings.Contains(out, "already exists") {
		t.Errorf("adding alice again: exit %d, output %q; want a refusal", code, out)
	}
	renamed := alice
	renamed.Name = "Alice Again"
	if code, out := duplex.AddUser(t, file, renamed, "--force"); code != 0 {
		t.Errorf("--force: exit %d, output %q", code, out)
	}
	data, _ = os.ReadFile(file)
	if !strings.Contains(string(data), "Alice Again") || strings.Count(string(data), `"login"`) != 1 {
		t.Errorf("--force did not replace alice:\n%s", data)
	}
	empty := bob
	empty.Password = ""
	if code, out := duplex.AddUser(t, file, empty); code == 0 || !strings.Contains(out, "empty password") {
		t.Errorf("empty password: exit %d, output %q", code, out)
	}
	bad := bob
	bad.Login = "bob smith"
	if code, _ := duplex.AddUser(t, file, bad); code == 0 {
		t.Errorf("a login with a space was accepted")
	}
	if code, out := duplex.Run(t, nil, "user"); code != 2 || !strings.Contains(out, "user add") {
		t.Errorf("duplex user: exit %d, output %q; want usage and 2", code, out)
	}
}
