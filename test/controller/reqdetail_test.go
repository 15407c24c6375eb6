package controller

import (
	"testing"

	"duplex/test/harness"
)

// TestRequestDetails: req.headers finds a header in any case, as XP's
// case-insensitive map does; req.path is the path as sent, percent-encoded,
// and req.rawPath the decoded one.
func TestRequestDetails(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))
	r := harness.Get(t, s.URL+"/_/service/myapp/reqdetail/caf%C3%A9%20x", "X-Test", "v")
	want := "v|v|/_/service/myapp/reqdetail/caf%C3%A9%20x|/_/service/myapp/reqdetail/café x"
	if r.Status != 200 || r.Body != want {
		t.Fatalf("got %d %q, want %q", r.Status, r.Body, want)
	}
}
