package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

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

// ReadUsers reads a users file; a missing file holds no users.
func ReadUsers(path string) ([]UserEntry, error) {
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
	users, err := ReadUsers(path)
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

// userStore serves the users file, re-reading it when it changes so that
// `duplex user add` (or disabling someone) takes effect without a restart.
type userStore struct {
	path string

	mu      sync.Mutex
	byLogin map[string]*UserEntry // lower-cased login
	byEmail map[string]*UserEntry // lower-cased e-mail
	stamp   fileStamp
	checked time.Time
	err     error // the last reload's error, logged once
	// changed holds the logins whose sessions a reload voided (password
	// changed, disabled, removed), until takeChanged hands them out; a set,
	// so that reloads nobody drains cannot grow it past the users.
	changed map[string]struct{}
}

// voided lists the logins of before whose sessions after ends: removed,
// disabled, or with another password.
func voided(before, after map[string]*UserEntry) []string {
	var out []string
	for key, b := range before {
		a, ok := after[key]
		if !ok || a.Disabled || a.Password != b.Password {
			out = append(out, b.Login)
		}
	}
	return out
}

// takeChanged re-reads the file if it changed and returns the logins
// voided since the last call.
func (s *userStore) takeChanged(now time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.refresh(now)
	out := make([]string, 0, len(s.changed))
	for login := range s.changed {
		out = append(out, login)
	}
	s.changed = nil
	return out, err
}

// fileStamp tells whether a file changed since it was read.
type fileStamp struct {
	mod  time.Time
	size int64
}

// recheck is how often at most the file's modification time is looked at.
const recheck = time.Second

func newUserStore(path string) (*userStore, error) {
	s := &userStore{path: path}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *userStore) load() error {
	info, err := os.Stat(s.path)
	var stamp fileStamp
	if err == nil {
		stamp = fileStamp{info.ModTime(), info.Size()}
	}
	users, err := ReadUsers(s.path)
	if err != nil {
		return err
	}
	old := s.byLogin
	s.byLogin = map[string]*UserEntry{}
	s.byEmail = map[string]*UserEntry{}
	defer func() {
		for _, login := range voided(old, s.byLogin) {
			if s.changed == nil {
				s.changed = map[string]struct{}{}
			}
			s.changed[login] = struct{}{}
		}
	}()
	for i := range users {
		u := &users[i]
		s.byLogin[strings.ToLower(u.Login)] = u
		if u.Email != "" {
			s.byEmail[strings.ToLower(u.Email)] = u
		}
	}
	s.stamp = stamp
	return nil
}

// refresh re-reads the file if it changed; a broken file keeps the users
// read before, and the error is reported once.
func (s *userStore) refresh(now time.Time) error {
	if now.Sub(s.checked) < recheck {
		return nil
	}
	s.checked = now
	info, err := os.Stat(s.path)
	var stamp fileStamp
	if err == nil {
		stamp = fileStamp{info.ModTime(), info.Size()}
	}
	if stamp == s.stamp {
		return nil
	}
	err = s.load()
	if err != nil && s.err != nil && err.Error() == s.err.Error() {
		return nil
	}
	s.err = err
	return err
}

// lookup finds a user by login or, failing that, by e-mail, as XP's login
// does. The entry returned is a copy.
func (s *userStore) lookup(name string, now time.Time) (UserEntry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.refresh(now)
	key := strings.ToLower(name)
	u, ok := s.byLogin[key]
	if !ok {
		u, ok = s.byEmail[key]
	}
	if !ok {
		return UserEntry{}, false, err
	}
	return *u, true, err
}

// typicalCost is the bcrypt cost of the users' hashes (of the first one
// that has a valid hash), so that checking an unknown login costs the same.
func (s *userStore) typicalCost() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.byLogin {
		if c, err := bcrypt.Cost([]byte(u.Password)); err == nil {
			return c
		}
	}
	return bcrypt.DefaultCost
}

// count is the number of users.
func (s *userStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byLogin)
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
