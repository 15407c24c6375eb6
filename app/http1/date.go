package http1

import (
	"net/http"
	"time"
)

// dateValue is the Date header of one second.
type dateValue struct {
	sec  int64
	text string
}

// date is the Date header for now, formatted once a second.
func (s *Server) date() string {
	now := time.Now()
	if d := s.dates.Load(); d != nil && d.sec == now.Unix() {
		return d.text
	}
	d := &dateValue{sec: now.Unix(), text: now.UTC().Format(http.TimeFormat)}
	s.dates.Store(d)
	return d.text
}
