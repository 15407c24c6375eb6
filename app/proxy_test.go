package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"duplex/websocket"
)

func TestParseTrustedProxies(t *testing.T) {
	p, err := parseTrustedProxies([]string{"127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32", "::ffff:192.0.2.0/120", "10.1.2.3/8"})
	if err != nil {
		t.Fatal(err)
	}
	want := "[127.0.0.1/32 10.0.0.0/8 ::1/128 2001:db8::/32 192.0.2.0/24 10.0.0.0/8]"
	if got := fmtPrefixes(p); got != want {
		t.Errorf("parsed %s, want %s", got, want)
	}
	for _, bad := range []string{"", "proxy.example", "10.0.0.0/33", "fe80::1%eth0", "1.2.3.4:80"} {
		if _, err := parseTrustedProxies([]string{bad}); err == nil || !strings.Contains(err.Error(), "--trust-proxy") {
			t.Errorf("%q: error %v, want one naming --trust-proxy", bad, err)
		}
	}
}

func fmtPrefixes(p trustedProxies) string {
	s := make([]string, len(p))
	for i, x := range p {
		s[i] = x.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

// TestForwardedFor: the client is the rightmost address that is not a
// trusted proxy; what the client wrote left of it does not count.
func TestForwardedFor(t *testing.T) {
	p, _ := parseTrustedProxies([]string{"127.0.0.1", "10.0.0.0/8"})
	for _, tc := range []struct {
		lines []string
		want  string // "" for a header ignored as malformed
	}{
		{[]string{"203.0.113.7"}, "203.0.113.7"},
		{[]string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"},
		{[]string{"203.0.113.66, 198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{[]string{"garbage, 198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{[]string{"203.0.113.66", "198.51.100.1,10.0.0.9"}, "198.51.100.1"},
		{[]string{"10.0.0.1, 127.0.0.1"}, "10.0.0.1"},
		{[]string{"[2001:db8::1]:4711, 10.0.0.2"}, "2001:db8::1"},
		{[]string{"2001:db8::2"}, "2001:db8::2"},
		{[]string{"192.0.2.1:4711"}, "192.0.2.1"},
		{[]string{"::ffff:192.0.2.9"}, "192.0.2.9"},
		{[]string{"198.51.100.1, garbage"}, ""},
		{[]string{"198.51.100.1, , 10.0.0.2"}, ""},
		{[]string{"unknown"}, ""},
		{[]string{""}, ""},
		{[]string{"fe80::1%eth0"}, ""},
	} {
		a, ok := p.client(tc.lines)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tc.want {
			t.Errorf("X-Forwarded-For %q: client %q, want %q", tc.lines, got, tc.want)
		}
	}
}

func TestValidHost(t *testing.T) {
	for s, want := range map[string]bool{
		"public.example":                     true,
		"public.example:8443":                true,
		"Public-1.example":                   true,
		"127.0.0.1:8080":                     true,
		"[2001:db8::1]":                      true,
		"[2001:db8::1]:443":                  true,
		"":                                   false,
		"public.example:":                    false,
		"public.example:0":                   false,
		"public.example:65536":               false,
		"public.example:08":                  false,
		"2001:db8::1":                        false,
		"[fe80::1%eth0]":                     false,
		"evil.example/path":                  false,
		"evil.example@x":                     false,
		"a..example":                         false,
		"a b":                                false,
		"[192.0.2.1]":                        false,
		strings.Repeat("a", 64) + ".example": false,
	} {
		if got := validHost(s); got != want {
			t.Errorf("validHost(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestForwardedMiddleware: headers from a trusted peer make the request's
// public view; from anyone else they are removed and change nothing.
func TestForwardedMiddleware(t *testing.T) {
	p, _ := parseTrustedProxies([]string{"127.0.0.1"})
	var seen *http.Request
	h := p.middleware(zerolog.Nop())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r }))
	request := func(remote string, hdr ...string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr, r.Host = remote, "127.0.0.1:8080"
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Add(hdr[i], hdr[i+1])
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		return r
	}
	fwd := []string{"X-Forwarded-For", "203.0.113.7", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "public.example"}

	request("127.0.0.1:5000", fwd...)
	if got, want := websocket.PublicOf(seen), (websocket.Public{Addr: "203.0.113.7", Scheme: "https", Host: "public.example"}); got != want {
		t.Errorf("from the trusted proxy: %+v, want %+v", got, want)
	}
	if seen.Header.Get("X-Forwarded-Host") != "public.example" {
		t.Errorf("from the trusted proxy, the headers are the script's to see: %v", seen.Header)
	}

	orig := request("127.0.0.2:5000", fwd...)
	if got, want := websocket.PublicOf(seen), (websocket.Public{Addr: "127.0.0.2", Scheme: "http", Host: "127.0.0.1:8080", Ignored: true}); got != want {
		t.Errorf("from an untrusted peer: %+v, want %+v", got, want)
	}
	for _, name := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"} {
		if v := seen.Header.Values(name); len(v) > 0 {
			t.Errorf("from an untrusted peer, %s reached the handler: %q", name, v)
		}
	}
	if orig.Header.Get("X-Forwarded-For") == "" {
		t.Error("the middleware changed the caller's request headers instead of a copy")
	}

	// Malformed values from the trusted proxy are each ignored.
	request("127.0.0.1:5000", "X-Forwarded-For", "nonsense", "X-Forwarded-Proto", "ftp", "X-Forwarded-Host", "a b")
	if got, want := websocket.PublicOf(seen), (websocket.Public{Addr: "127.0.0.1", Scheme: "http", Host: "127.0.0.1:8080"}); got != want {
		t.Errorf("malformed headers from the trusted proxy: %+v, want %+v", got, want)
	}
	request("127.0.0.1:5000", "X-Forwarded-Proto", "https", "X-Forwarded-Proto", "http")
	if got := websocket.PublicOf(seen).Scheme; got != "http" {
		t.Errorf("two X-Forwarded-Proto: scheme %q, want the connection's (http)", got)
	}
}
