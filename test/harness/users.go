package harness

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// AuthSecret is the session secret (DUPLEX_SESSION_SECRET) of servers whose
// tests forge tokens.
const AuthSecret = "test-secret-test-secret-test-secret-0123"

// User is one user the tests create.
type User struct {
	Login, Name, Email, Password string
	Extra                        []string // more flags: --disabled, --role ...
}

// The users of the auth tests: alice is a plain user, bob an admin, carol
// disabled. They are functions, not variables, so that no test can change
// another's users.
func Alice() User {
	return User{Login: "alice", Name: "Alice Liddell", Email: "alice@example.com", Password: "pw-alice-7d3f1c"}
}

// Bob is an auth.admin.
func Bob() User {
	return User{Login: "bob", Name: "Bob", Email: "bob@example.com", Password: "pw-bob-a91e22", Extra: []string{"--role", "auth.admin"}}
}

// Carol is disabled.
func Carol() User {
	return User{Login: "carol", Name: "Carol", Password: "pw-carol-5b8e07", Extra: []string{"--disabled"}}
}

// AddUser runs `duplex user add` with the password on standard input. A
// low bcrypt cost keeps the -race binary quick.
func (b *Binary) AddUser(t testing.TB, file string, u User, more ...string) (int, string) {
	t.Helper()
	b.note()
	args := []string{"user", "add", "--users", file, "--login", u.Login, "--name", u.Name, "--bcrypt-cost", "4"}
	if u.Email != "" {
		args = append(args, "--email", u.Email)
	}
	args = append(append(args, u.Extra...), more...)
	cmd := exec.Command(b.path, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = CleanEnv()
	cmd.Stdin = strings.NewReader(u.Password + "\n")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return ExitCode(err), string(out)
}

// UsersFile writes a users file with users, in a fresh folder.
func (b *Binary) UsersFile(t testing.TB, users ...User) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "users.json")
	for _, u := range users {
		if code, out := b.AddUser(t, file, u); code != 0 {
			t.Fatalf("duplex user add %s exited %d: %s", u.Login, code, out)
		}
	}
	return file
}
