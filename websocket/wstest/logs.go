package wstest

import (
	"bytes"
	"strings"
	"sync"
)

// LogBuffer collects the log lines of a hub (give it to zerolog.New) for
// a test's assertions; it is safe for the hub's goroutines.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Lines are the lines logged so far that contain substr.
func (l *LogBuffer) Lines(substr string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return out
}
