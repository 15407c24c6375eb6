package controller

import (
	"fmt"
	"net/http/httptest"
	"testing"
)

// Sessions opened at one host share its Endpoint; the table stops growing
// at maxEndpoints, whatever Host headers clients make up.
func TestEndpointsShared(t *testing.T) {
	var table endpoints
	a := table.of(httptest.NewRequest("GET", "http://chat.example/ws", nil))
	b := table.of(httptest.NewRequest("GET", "http://chat.example/other", nil))
	if a != b || a.Host != "chat.example" || a.Scheme != "http" {
		t.Fatalf("same host: %p %+v, %p %+v", a, *a, b, *b)
	}
	for i := 0; i < 3*maxEndpoints; i++ {
		ep := table.of(httptest.NewRequest("GET", fmt.Sprintf("http://h%d.example/", i), nil))
		if ep.Host != fmt.Sprintf("h%d.example", i) {
			t.Fatalf("host %d: %q", i, ep.Host)
		}
	}
	if len(table.known) > maxEndpoints {
		t.Fatalf("%d endpoints kept, want at most %d", len(table.known), maxEndpoints)
	}
}
