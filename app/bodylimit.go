package app

import (
	"net/http"
	"strconv"

	"github.com/rs/zerolog"

	"duplex/controller"
)

// refuseLargeBodies answers 413 to a request whose Content-Length passes
// max, before anything reads its body: a client that sent
// "Expect: 100-continue" gets the 413 instead of "100 Continue", and no
// byte of the body is read. The connection is closed, since the body may
// still be on its way. Chunked bodies are cut at max where they are read.
func refuseLargeBodies(max int64, log zerolog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > max {
				log.Info().Str("path", r.URL.Path).Int64("length", r.ContentLength).Int64("max", max).
					Msg("request body larger than --max-body refused")
				w.Header().Set("Connection", "close")
				controller.WriteError(w, r, http.StatusRequestEntityTooLarge,
					"request body larger than "+strconv.FormatInt(max, 10)+" bytes (--max-body)")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
