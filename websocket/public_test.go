package websocket

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
)

func TestPublicOfTheRequestItself(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr, r.Host = "[2001:db8::7]:5000", "site.example:8080"
	if got, want := PublicOf(r), (Public{Addr: "2001:db8::7", Scheme: "http", Host: "site.example:8080"}); got != want {
		t.Errorf("plain request: %+v, want %+v", got, want)
	}
	r.TLS = &tls.ConnectionState{}
	if got := PublicOf(r).Scheme; got != "https" {
		t.Errorf("request over TLS: scheme %q, want https", got)
	}
}

// TestOriginBehindProxy: the origin check compares with the host and
// scheme the client asked for (a trusted proxy's X-Forwarded-*), not with
// what the proxy connected to.
func TestOriginBehindProxy(t *testing.T) {
	hub := NewHub(Options{}, zerolog.Nop())
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Host = "127.0.0.1:8080"
	r = r.WithContext(WithPublic(r.Context(), Public{Addr: "203.0.113.9", Scheme: "https", Host: "public.example"}))
	for origin, want := range map[string]bool{
		"https://public.example":     true,
		"https://public.example:443": true,
		"http://127.0.0.1:8080":      false,
		"https://other.example":      false,
	} {
		r.Header.Set("Origin", origin)
		if got := hub.checkOrigin(r); got != want {
			t.Errorf("origin %q: %v, want %v", origin, got, want)
		}
	}
}
