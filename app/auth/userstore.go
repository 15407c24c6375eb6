package auth

import (
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

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

// stampOf is path's stamp now; a file that cannot be looked at has the zero
// stamp, so that its coming back counts as a change.
func stampOf(path string) fileStamp {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{info.ModTime(), info.Size()}
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
	stamp := stampOf(s.path)
	users, err := readUsers(s.path)
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
	if stampOf(s.path) == s.stamp {
		return nil
	}
	err := s.load()
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
