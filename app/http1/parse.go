package http1

import (
	"bytes"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
)

// head is a request head read by parseHead. Its strings are copies: the
// read buffer is reused as soon as the handler returns.
type head struct {
	method, target, host string
	url                  *url.URL
	header               http.Header
	length               int64 // Content-Length, 0 when absent
	close                bool  // Connection: close
	size                 int   // bytes of the head, blank line included
}

// parseHead reads the request head at the start of buf. It answers ok
// false when the head is incomplete or is anything but the plain, strict
// form the fast path serves; net/http then reads it instead. maxHead
// bounds the head's bytes.
func parseHead(buf []byte, maxHead int) (h head, ok bool) {
	end := bytes.Index(buf, crlfcrlf)
	if end < 0 || end+4 > maxHead {
		return head{}, false
	}
	h.size = end + 4
	lines := buf[:end+2] // every line with its CRLF
	eol := bytes.Index(lines, crlf)
	if !h.requestLine(lines[:eol]) {
		return head{}, false
	}
	lines = lines[eol+2:]
	hosts, lengths := 0, 0
	for len(lines) > 0 {
		eol = bytes.Index(lines, crlf)
		line := lines[:eol]
		lines = lines[eol+2:]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return head{}, false
		}
		value := trimOWS(line[colon+1:])
		if !isFieldValue(value) {
			return head{}, false
		}
		if h.header == nil {
			h.header = make(http.Header, 8)
		}
		key := textproto.CanonicalMIMEHeaderKey(string(line[:colon]))
		switch key {
		case "Host":
			hosts++
			h.host = string(value)
			if !isHost(value) {
				return head{}, false
			}
			continue // net/http keeps the host in Request.Host only
		case "Content-Length":
			lengths++
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || !isDigits(value) {
				return head{}, false
			}
			h.length = n
		case "Transfer-Encoding", "Expect", "Trailer":
			return head{}, false
		case "Connection":
			if !h.connection(value) {
				return head{}, false
			}
		}
		h.header[key] = append(h.header[key], string(value))
	}
	if hosts != 1 || lengths > 1 {
		return head{}, false
	}
	if h.header == nil {
		h.header = http.Header{}
	}
	return h, true
}

var (
	crlf     = []byte("\r\n")
	crlfcrlf = []byte("\r\n\r\n")
)

// requestLine reads "METHOD /target HTTP/1.1".
func (h *head) requestLine(line []byte) bool {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || sp > 16 {
		return false
	}
	method := line[:sp]
	for _, c := range method {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	rest := line[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if sp <= 0 || string(rest[sp+1:]) != "HTTP/1.1" {
		return false
	}
	target := rest[:sp]
	if target[0] != '/' || (len(target) > 1 && target[1] == '/') {
		return false
	}
	for _, c := range target {
		if c <= ' ' || c >= 0x7f || c == '#' {
			return false
		}
	}
	switch m := string(method); m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		h.method = m // the constants: no allocation
	default:
		// HEAD answers without a body, CONNECT takes the connection:
		// net/http knows those; other methods are rare.
		return false
	}
	h.target = string(target)
	u, err := url.ParseRequestURI(h.target)
	if err != nil {
		return false // net/http answers 400
	}
	h.url = u
	return true
}

// connection reads a Connection header: "close", "keep-alive" and
// "upgrade" (a WebSocket handshake) are served; other options are left to
// net/http.
func (h *head) connection(value []byte) bool {
	for len(value) > 0 {
		var opt []byte
		if i := bytes.IndexByte(value, ','); i >= 0 {
			opt, value = trimOWS(value[:i]), value[i+1:]
		} else {
			opt, value = trimOWS(value), nil
		}
		switch {
		case bytes.EqualFold(opt, []byte("close")):
			h.close = true
		case bytes.EqualFold(opt, []byte("keep-alive")), bytes.EqualFold(opt, []byte("upgrade")), len(opt) == 0:
		default:
			return false
		}
	}
	return true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// isToken reports whether b is an RFC 9110 token.
func isToken(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || !tokenChars[c] {
			return false
		}
	}
	return true
}

var tokenChars = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// isFieldValue reports whether b is a field value the fast path takes:
// visible ASCII, spaces and tabs. Other bytes (obs-text included) are
// net/http's to judge.
func isFieldValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// isHost reports whether b is a plain host[:port], a bracketed IPv6
// address included.
func isHost(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '-', c == ':', c == '[', c == ']', c == '_':
		default:
			return false
		}
	}
	return true
}

func isDigits(b []byte) bool {
	if len(b) == 0 || len(b) > 18 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
