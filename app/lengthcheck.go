package app

import (
	"bytes"
	"context"
	"net/http"

	"github.com/rs/zerolog"
)

// RFC 9112 §6.3: a request with both Transfer-Encoding and Content-Length
// may be an attempt at request smuggling, and the server must close the
// connection after answering it. net/http lets Transfer-Encoding win, as the
// RFC says, but removes Content-Length before a handler could see it, and
// keeps the connection. So the connection (limitConn) watches the bytes it
// reads for a Content-Length header name, and closeAmbiguousLength closes
// the connection of a chunked request that came with one.

// contentLength is the header name, lower-cased.
const contentLength = "content-length"

// lengthWatch remembers whether a Content-Length header name went by since
// the last request was answered. The name may straddle two reads, so the
// last bytes of each read are kept.
type lengthWatch struct {
	saw  bool
	tail [14]byte // the last bytes read, for a name split across reads
	n    int      // valid bytes in tail
}

// scan looks at the bytes of one read.
func (l *lengthWatch) scan(p []byte) {
	for i := bytes.IndexByte(p, ':'); i >= 0; {
		if l.nameBefore(p, i) {
			l.saw = true
			break
		}
		next := bytes.IndexByte(p[i+1:], ':')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	// Keep the last bytes for the next read.
	if len(p) >= len(l.tail) {
		l.n = copy(l.tail[:], p[len(p)-len(l.tail):])
	} else {
		keep := min(l.n, len(l.tail)-len(p))
		copy(l.tail[:], l.tail[l.n-keep:l.n])
		l.n = keep + copy(l.tail[keep:], p)
	}
}

// nameBefore reports whether the colon at p[i] ends "content-length", in
// any case, taking bytes from the previous read when p starts mid-name.
func (l *lengthWatch) nameBefore(p []byte, i int) bool {
	name := contentLength
	for k := 1; k <= len(name); k++ {
		var c byte
		if j := i - k; j >= 0 {
			c = p[j]
		} else if t := l.n + j; t >= 0 {
			c = l.tail[t]
		} else {
			return false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[len(name)-k] {
			return false
		}
	}
	return true
}

type watchKey struct{}

// closeAmbiguousLength closes, after the answer, the connection of a
// chunked request that also carried Content-Length.
func closeAmbiguousLength(log zerolog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, ok := r.Context().Value(watchKey{}).(*limitConn); ok {
				saw := c.takeSawLength()
				if saw && len(r.TransferEncoding) > 0 {
					log.Info().Str("remote", r.RemoteAddr).Str("path", r.URL.Path).
						Msg("request with both Transfer-Encoding and Content-Length: answered, then the connection is closed (RFC 9112 6.3)")
					w.Header().Set("Connection", "close")
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// withLengthWatch puts the connection in the context of its requests.
func withLengthWatch(ctx context.Context, c *limitConn) context.Context {
	return context.WithValue(ctx, watchKey{}, c)
}
