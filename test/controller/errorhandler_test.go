package controller

import (
	"encoding/json"
	"strings"
	"testing"

	"duplex/test/harness"
)

// TestErrorHandler: an application's error/error.js renders its error
// pages, as in XP: handle<status> before handleError, the response's status
// defaulting to the error's, a body-carrying error response sent as it is,
// and the default page when the handler itself fails.
func TestErrorHandler(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("errapp"))

	r := harness.Get(t, s.URL+"/_/service/errapp/nope")
	harness.WantStatus(t, r, 404, "unknown service")
	if !strings.HasPrefix(r.Body, "custom 404: Service [errapp:nope] not found at /_/service/errapp/nope") {
		t.Errorf("unknown service: body %q, want handle404's page", r.Body)
	}

	for _, c := range []struct {
		path    string
		status  int
		message string
	}{
		{"/_/service/errapp/boom", 500, "Error: kaboom"},
		{"/_/service/errapp/teapot", 418, "I'm a teapot"},
	} {
		r := harness.Get(t, s.URL+c.path)
		harness.WantStatus(t, r, c.status, c.path)
		var page struct {
			Handled int    `json:"handled"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(r.Body), &page); err != nil || page.Handled != c.status || page.Message != c.message {
			t.Errorf("%s: body %q, want handleError's {handled: %d, message: %q}", c.path, r.Body, c.status, c.message)
		}
	}

	r = harness.Get(t, s.URL+"/_/service/errapp/plain")
	harness.WantStatus(t, r, 409, "error status with a body")
	if r.Body != "conflict as written" {
		t.Errorf("error status with a body: %q, want the controller's body untouched", r.Body)
	}

	r = harness.Get(t, s.URL+"/_/service/errapp/boom?fail=1")
	harness.WantStatus(t, r, 500, "failing error handler")
	if !strings.Contains(r.Body, `"message":"Error: kaboom"`) {
		t.Errorf("failing error handler: body %q, want the default page for the original error", r.Body)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("error handler failed", "/error/error.js") }, harness.Wait)
}
