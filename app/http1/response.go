package http1

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"

	"golang.org/x/sys/unix"

	"duplex/websocket/sockfd"
)

// streamAt is how much of an answer is held before it goes out as it is
// written (chunked, unless the handler gave its length): large files must
// not be held in memory whole.
const streamAt = 64 << 10

// response is the http.ResponseWriter of one request. The answer is held
// until the handler returns and then written, head and body, in one
// write; Content-Length, Date and a sniffed Content-Type are added as
// net/http adds them.
type response struct {
	s        *Server
	c        *conn
	rest     []byte // what the client sent behind the request
	header   http.Header
	status   int
	body     []byte
	declared int64 // Content-Length the handler set when it wrote the head, -1: none
	written  int64
	hijacked bool
	// Once an answer outgrows streamAt (or does not fit the socket's
	// send buffer), it goes out through Go's net package, and the
	// connection is net/http's afterwards.
	gc      net.Conn
	chunked io.Writer // gc in chunks, when the answer has no length
	out     []byte
}

func (w *response) reset(s *Server, c *conn, rest []byte) {
	w.s, w.c, w.rest = s, c, rest
	w.header = make(http.Header, 4)
	w.status, w.declared, w.written = 0, -1, 0
	w.body = w.body[:0]
	w.hijacked, w.gc, w.chunked = false, nil, nil
}

func (w *response) release() {
	w.s, w.c, w.rest, w.header, w.gc, w.chunked = nil, nil, nil, nil, nil, nil
	if cap(w.body) > streamAt {
		w.body = nil
	}
	if cap(w.out) > streamAt+4096 {
		w.out = nil
	}
}

// Header implements http.ResponseWriter.
func (w *response) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter.
func (w *response) WriteHeader(code int) {
	if w.hijacked || w.status != 0 {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		return // informational answers are not sent by the fast path
	}
	w.status = code
	if cl := w.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.declared = n
		} else {
			w.s.cfg.Log.Warn().Str("value", cl).Msg("http: invalid Content-Length of a handler's answer; not sent")
			w.header.Del("Content-Length")
		}
	}
}

// Write implements http.ResponseWriter.
func (w *response) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if w.gc != nil {
		return w.stream(p)
	}
	if len(w.body)+len(p) > streamAt {
		if err := w.startStream(); err != nil {
			return 0, err
		}
		return w.stream(p)
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// WriteString lets io.WriteString skip a copy.
func (w *response) WriteString(p string) (int, error) {
	if w.gc == nil && w.status != 0 && bodyAllowed(w.status) && len(w.body)+len(p) <= streamAt &&
		(w.declared < 0 || w.written+int64(len(p)) <= w.declared) && !w.hijacked {
		w.written += int64(len(p))
		w.body = append(w.body, p...)
		return len(p), nil
	}
	return w.Write([]byte(p))
}

// Hijack implements http.Hijacker: the WebSocket upgrade takes the socket.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.gc != nil || len(w.body) > 0 {
		return nil, nil, fmt.Errorf("http1: hijack after the answer began")
	}
	w.hijacked = true
	c := w.c
	c.state.Store(stGone)
	w.s.unregister(c)
	hc := &hijackedConn{fd: c.fd, owner: c.owner}
	rest := bytes.Clone(w.rest)
	// As net/http's: the bytes that came behind the request, then the
	// socket. Reading past them moves the socket into Go's net package,
	// after which DetachFD has none to give.
	br := bufio.NewReaderSize(WithBuffered(hc, rest), max(len(rest), 16))
	if len(rest) > 0 {
		_, _ = br.Peek(len(rest)) // Buffered() tells the hijacker of them
	}
	return hc, bufio.NewReadWriter(br, bufio.NewWriter(hc)), nil
}

// finish writes the answer once the handler returned. It reports whether
// the connection stays the fast path's.
func (w *response) finish(closeConn bool) bool {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.gc != nil {
		if w.chunked != nil {
			_, _ = w.gc.Write([]byte("0\r\n\r\n"))
		}
		return w.after(w.gc, closeConn || w.written != w.declared && w.chunked == nil)
	}
	if w.declared >= 0 && w.written != w.declared && bodyAllowed(w.status) {
		closeConn = true // the client waits for bytes that never come
	}
	if w.header.Get("Connection") == "close" {
		closeConn = true
	}
	w.out = w.head(w.out[:0], closeConn, true)
	w.out = append(w.out, w.body...)
	n, err := sockfd.Write(w.c.fd, w.out)
	if n == len(w.out) {
		if closeConn {
			w.s.closeAfter(w.c)
			return false
		}
		return true
	}
	if err != nil && err != unix.EAGAIN {
		w.s.closeConn(w.c)
		return false
	}
	// The send buffer is full: the rest goes out through Go's net
	// package, whose write waits without holding a thread.
	gc, gerr := w.s.toGo(w.c)
	if gerr != nil {
		return false
	}
	if _, err := gc.Write(w.out[n:]); err != nil {
		gc.Close()
		w.c.owner.Close()
		return false
	}
	return w.after(gc, closeConn)
}

// after ends an answer that went out through Go's net package: the
// connection is closed or given to net/http.
func (w *response) after(gc net.Conn, closeConn bool) bool {
	if closeConn {
		go linger(gc, w.c.owner)
		return false
	}
	w.s.giveAway(w.c, gc, w.rest)
	return false
}

// startStream sends the head and what is held, and makes the rest of the
// answer go out as it is written.
func (w *response) startStream() error {
	gc, err := w.s.toGo(w.c)
	if err != nil {
		return err
	}
	w.gc = gc
	if w.declared < 0 {
		w.chunked = httputil.NewChunkedWriter(gc)
	}
	w.out = w.head(w.out[:0], false, false)
	if _, err := gc.Write(w.out); err != nil {
		return err
	}
	if len(w.body) > 0 {
		_, err = w.stream(w.body)
		w.body = w.body[:0]
	}
	return err
}

func (w *response) stream(p []byte) (int, error) {
	if w.chunked == nil {
		return w.gc.Write(p)
	}
	return w.chunked.Write(p)
}

// head appends the status line and header fields. done: the whole body
// is held, so its length is known.
func (w *response) head(b []byte, closeConn, done bool) []byte {
	h := w.header
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(w.status), 10)
	b = append(b, ' ')
	if text := http.StatusText(w.status); text != "" {
		b = append(b, text...)
	} else {
		b = append(b, "status code "...)
		b = strconv.AppendInt(b, int64(w.status), 10)
	}
	b = append(b, "\r\n"...)
	h.Del("Transfer-Encoding") // the fast path frames the body itself
	if bodyAllowed(w.status) {
		_, haveType := h["Content-Type"]
		if !haveType && h.Get("Content-Encoding") == "" && len(w.body) > 0 {
			h["Content-Type"] = []string{http.DetectContentType(w.body[:min(len(w.body), 512)])}
		}
		if done && w.declared < 0 {
			h["Content-Length"] = []string{strconv.Itoa(len(w.body))}
		}
		if !done && w.declared < 0 {
			h["Transfer-Encoding"] = []string{"chunked"}
		}
	} else {
		h.Del("Content-Length")
		if w.status == http.StatusNotModified {
			h.Del("Content-Type")
		}
	}
	if _, ok := h["Date"]; !ok {
		h["Date"] = []string{w.s.date()}
	}
	if closeConn {
		h["Connection"] = []string{"close"}
	}
	buf := bytes.NewBuffer(b)
	_ = h.Write(buf)
	return append(buf.Bytes(), "\r\n"...)
}

// bodyAllowed is RFC 9110's: no body with 1xx, 204 and 304.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
