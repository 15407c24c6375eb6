package app

import (
	"log"
	"strings"

	"github.com/rs/zerolog"
)

// newStdLogger routes net/http's own complaints (TLS handshake errors,
// malformed requests it rejects itself) into the structured log.
func newStdLogger(l zerolog.Logger) *log.Logger {
	return log.New(stdWriter{l}, "", 0)
}

type stdWriter struct{ l zerolog.Logger }

func (w stdWriter) Write(p []byte) (int, error) {
	w.l.Info().Str("source", "net/http").Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}
