package wstest

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
)

// NewKey is a fresh Sec-WebSocket-Key.
func NewKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// AcceptKey is the Sec-WebSocket-Accept value for key (RFC 6455 §4.2.2).
func AcceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// Request is an opening handshake written exactly as given, so that a test
// can send an invalid one: another method or protocol version, a header
// missing, doubled or malformed.
type Request struct {
	Method string   // "GET" when empty
	Target string   // "/" when empty
	Proto  string   // "HTTP/1.1" when empty
	Header []string // name, value pairs, written in this order
	// BufferSize is not written: it sizes the reader the connection keeps
	// after a 101 (0: 4096 bytes).
	BufferSize int
}

// UpgradeHeader is the header of a valid upgrade request to host, as name,
// value pairs for Request.Header.
func UpgradeHeader(host, key string) []string {
	return []string{
		"Host", host,
		"Upgrade", "websocket",
		"Connection", "Upgrade",
		"Sec-WebSocket-Key", key,
		"Sec-WebSocket-Version", "13",
	}
}

// WithHeader is hdr with the header name set to value where it stands, or
// appended when absent; an empty value removes it.
func WithHeader(hdr []string, name, value string) []string {
	out := make([]string, 0, len(hdr)+2)
	found := false
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], name) {
			found = true
			if value != "" {
				out = append(out, name, value)
			}
			continue
		}
		out = append(out, hdr[i], hdr[i+1])
	}
	if !found && value != "" {
		out = append(out, name, value)
	}
	return out
}

// Response is the server's answer to an opening handshake.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       string // read when the status is not 101 (at most 1 MiB)
	Conn       *Conn  // the WebSocket connection after a 101, nil otherwise
}

// Handshake writes req on nc and reads the response head. After a 101 the
// connection goes on as the Response's Conn, with whatever the server sent
// right behind the head; after any other status the body is read and nc
// closed. Handshake sets no deadline: that is the caller's to choose.
func Handshake(nc net.Conn, req Request) (*Response, error) {
	method, target, proto := req.Method, req.Target, req.Proto
	if method == "" {
		method = http.MethodGet
	}
	if target == "" {
		target = "/"
	}
	if proto == "" {
		proto = "HTTP/1.1"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\r\n", method, target, proto)
	for i := 0; i+1 < len(req.Header); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", req.Header[i], req.Header[i+1])
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(nc, b.String()); err != nil {
		nc.Close()
		return nil, fmt.Errorf("writing the handshake: %w", err)
	}
	size := req.BufferSize
	if size <= 0 {
		size = 4096
	}
	br := bufio.NewReaderSize(nc, size)
	res, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("reading the handshake response: %w", err)
	}
	r := &Response{StatusCode: res.StatusCode, Header: res.Header}
	if res.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		nc.Close()
		r.Body = string(body)
		return r, nil
	}
	r.Conn = NewConn(nc, br)
	r.Conn.Header = res.Header
	r.Conn.Protocol = res.Header.Get("Sec-WebSocket-Protocol")
	return r, nil
}

// Check101 checks a 101 the way RFC 6455 §4.1 asks a client to:
// Sec-WebSocket-Accept for key, Upgrade and Connection, and a sub-protocol
// that was offered, if any.
func Check101(r *Response, key string, offered []string) error {
	if got, want := r.Header.Get("Sec-WebSocket-Accept"), AcceptKey(key); got != want {
		return fmt.Errorf("Sec-WebSocket-Accept %q, want %q", got, want)
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return fmt.Errorf("Upgrade header %q, want websocket", r.Header.Get("Upgrade"))
	}
	if !HasToken(r.Header.Values("Connection"), "upgrade") {
		return fmt.Errorf("Connection header %q, want upgrade", r.Header.Values("Connection"))
	}
	if p := r.Header.Get("Sec-WebSocket-Protocol"); p != "" && !slices.Contains(offered, p) {
		return fmt.Errorf("sub-protocol %q, which was not offered (%q)", p, offered)
	}
	return nil
}

// HasToken reports whether a comma-separated list among values holds token
// (case-insensitive), as in Connection: keep-alive, Upgrade.
func HasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
