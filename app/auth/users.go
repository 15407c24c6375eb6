package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	xpauth "duplex/lib/auth"
)

// IDProvider is the name of duplex's one id provider, XP's built-in one.
const IDProvider = "system"

// UserEntry is one user in the users file. Password is a bcrypt hash; the
// file is written with mode 0600 all the same.
type UserEntry struct {
	Login        string    `json:"login"`
	DisplayName  string    `json:"displayName"`
	Email        string    `json:"email,omitempty"`
	Disabled     bool      `json:"disabled,omitempty"`
	Roles        []string  `json:"roles,omitempty"`
	Password     string    `json:"password"`
	ModifiedTime time.Time `json:"modifiedTime"`
}

// usersFile is the file's shape: {"users": [...]}.
type usersFile struct {
	Users []UserEntry `json:"users"`
}

var validLogin = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// CheckLogin refuses login names that XP's principal keys, the session
// token or a log line could not carry unambiguously.
func CheckLogin(login string) error {
	if !validLogin.MatchString(login) {
		return fmt.Errorf("login %q: use 1 to 64 letters, digits, '.', '_', '@' and '-', starting with a letter or digit", login)
	}
	return nil
}

// readUsers reads a users file; a missing file holds no users.
func readUsers(path string) ([]UserEntry, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f usersFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	seen := map[string]bool{}
	for _, u := range f.Users {
		if err := CheckLogin(u.Login); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if seen[strings.ToLower(u.Login)] {
			return nil, fmt.Errorf("%s: login %q appears twice", path, u.Login)
		}
		seen[strings.ToLower(u.Login)] = true
	}
	return f.Users, nil
}

// PutUser adds u to the users file at path, or replaces the user of the same
// login when replace is set. The file is replaced atomically (a temporary
// file renamed over it), with mode 0600: it holds password hashes.
func PutUser(path string, u UserEntry, replace bool) error {
	if err := CheckLogin(u.Login); err != nil {
		return err
	}
	users, err := readUsers(path)
	if err != nil {
		return err
	}
	found := false
	for i := range users {
		if strings.EqualFold(users[i].Login, u.Login) {
			if !replace {
				return fmt.Errorf("user %q already exists in %s (--force replaces it)", users[i].Login, path)
			}
			users[i], found = u, true
		}
	}
	if !found {
		users = append(users, u)
	}
	data, err := json.MarshalIndent(usersFile{Users: users}, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'), 0o600)
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// over path, so that a reader sees the old file or the new one, never half.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// toUser is what scripts may see of an entry: everything but the hash.
func (u *UserEntry) toUser() *xpauth.User {
	return &xpauth.User{
		Login:        u.Login,
		IDProvider:   IDProvider,
		DisplayName:  u.DisplayName,
		Email:        u.Email,
		Disabled:     u.Disabled,
		ModifiedTime: u.ModifiedTime,
		Roles:        u.Roles,
	}
}
