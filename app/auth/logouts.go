package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// logouts records, per user, when they last logged out: every token issued
// before is void. It is kept in a file beside the users file, so that a
// restart cannot bring a logged-out cookie back to life. One entry per user
// who logged out within the token lifetime: bounded by the users, not by
// the requests.
type logouts struct {
	path string
	ttl  time.Duration

	mu    sync.Mutex
	since map[string]int64 // lower-cased login -> unix nanoseconds
}

func loadLogouts(path string, ttl time.Duration) (*logouts, error) {
	l := &logouts{path: path, ttl: ttl, since: map[string]int64{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &l.since); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// revoked reports whether a token of login issued at issued was ended by a
// logout.
func (l *logouts) revoked(login string, issued int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return issued <= l.since[strings.ToLower(login)]
}

// add voids every token of login issued up to now, and saves the record.
// Entries older than a token's lifetime void nothing any more and are
// dropped.
func (l *logouts) add(login string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.since[strings.ToLower(login)] = now.UnixNano()
	for k, t := range l.since {
		if now.Sub(time.Unix(0, t)) > l.ttl {
			delete(l.since, k)
		}
	}
	data, err := json.Marshal(l.since)
	if err != nil {
		return err
	}
	return writeFileAtomic(l.path, data, 0o600)
}
