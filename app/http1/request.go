package http1

import (
	"bytes"
	"io"
	"net/http"
)

// serveOne runs the handler for the request at the start of buf, total
// bytes long, and writes its answer; behind it is what the client sent
// next. It reports whether the connection stays the fast path's.
func (s *Server) serveOne(c *conn, h *head, buf []byte, total int) bool {
	body, rest := buf[h.size:total], buf[total:]
	r := new(http.Request)
	*r = *c.tmpl // the context
	r.Method = h.method
	r.URL = h.url
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	r.Header = h.header
	r.Host = h.host
	r.RemoteAddr = c.remote
	r.RequestURI = h.target
	r.ContentLength = h.length
	r.Close = h.close
	r.Body = http.NoBody
	if len(body) > 0 {
		r.Body = &bodyReader{Reader: bytes.NewReader(body)}
	}
	s.inflight.Add(1)
	defer s.requestDone()
	w := s.writes.Get().(*response)
	w.reset(s, c, rest)
	defer func() {
		w.release()
		s.writes.Put(w)
	}()
	if !s.call(w, r) {
		return false
	}
	if w.hijacked {
		return false
	}
	s.Served.Add(1)
	return w.finish(h.close || s.isClosing())
}

// call runs the handler as net/http would: a panic is logged (unless it
// is http.ErrAbortHandler) and closes the connection without an answer.
func (s *Server) call(w *response, r *http.Request) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			ok = false
			if v != http.ErrAbortHandler {
				s.cfg.Log.Error().Str("remote", r.RemoteAddr).Str("path", r.URL.Path).Interface("panic", v).Msg("http: panic serving request")
			}
			switch {
			case w.hijacked:
			case w.gc != nil:
				// The answer was going out through Go's net package,
				// which owns the socket now.
				w.gc.Close()
				w.c.owner.Close()
			default:
				s.closeConn(w.c)
			}
		}
	}()
	s.cfg.Handler.ServeHTTP(w, r)
	return true
}

// bodyReader is a request body that is all in memory.
type bodyReader struct{ *bytes.Reader }

func (bodyReader) Close() error { return nil }

var _ io.ReadCloser = bodyReader{}
