package controller

import (
	"encoding/json"
	"strings"
	"testing"

	"duplex/test/harness"
)

// TestErrorHandler: an application's error/error.js renders its error
// pages, as in XP: under a webapp (never for a service called at the
// root), handle<status> before handleError, which also gets what
// handle<status> leaves unanswered; the response's status defaulting to
// the error's; an exception for what a controller threw; a body-carrying
// error response sent as it is; and the default page when the handler
// itself fails.
func TestErrorHandler(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("errapp"))
	under := s.URL + "/webapp/errapp/_/service/errapp/"

	r := harness.Get(t, under+"nope")
	harness.WantStatus(t, r, 404, "unknown service under the webapp")
	if !strings.HasPrefix(r.Body, "custom 404: Service [errapp:nope] not found at /webapp/errapp/_/service/errapp/nope") {
		t.Errorf("unknown service: body %q, want handle404's page", r.Body)
	}

	for _, c := range []struct {
		path    string
		status  int
		message string
		thrown  string
	}{
		{"boom", 500, "Error: kaboom", "Error: kaboom"},
		{"teapot", 418, "I'm a teapot", ""},
		// handle404 returns nothing: handleError answers.
		{"nope?fallthrough=1", 404, "Service [errapp:nope] not found", ""},
	} {
		r := harness.Get(t, under+c.path)
		harness.WantStatus(t, r, c.status, c.path)
		var page struct {
			Handled int     `json:"handled"`
			Message string  `json:"message"`
			Thrown  *string `json:"thrown"`
		}
		err := json.Unmarshal([]byte(r.Body), &page)
		thrown := ""
		if page.Thrown != nil {
			thrown = *page.Thrown
		}
		if err != nil || page.Handled != c.status || page.Message != c.message || thrown != c.thrown {
			t.Errorf("%s: body %q, want handleError's {handled: %d, message: %q, thrown: %q}", c.path, r.Body, c.status, c.message, c.thrown)
		}
	}

	r = harness.Get(t, under+"plain")
	harness.WantStatus(t, r, 409, "error status with a body")
	if r.Body != "conflict as written" {
		t.Errorf("error status with a body: %q, want the controller's body untouched", r.Body)
	}

	r = harness.Get(t, under+"boom?fail=1")
	harness.WantStatus(t, r, 500, "failing error handler")
	if !strings.Contains(r.Body, `"message":"Error: kaboom"`) {
		t.Errorf("failing error handler: body %q, want the default page for the original error", r.Body)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("error handler failed", "/error/error.js") }, harness.Wait)

	// A service called at the root gets the default page, as in XP.
	for path, want := range map[string]string{
		"/_/service/errapp/nope": `{"status":404,"message":"Service [errapp:nope] not found"}`,
		"/_/service/errapp/boom": `{"status":500,"message":"Error: kaboom"}`,
	} {
		if r := harness.Get(t, s.URL+path); strings.TrimSpace(r.Body) != want {
			t.Errorf("%s at the root: %d %q, want the default page %s", path, r.Status, r.Body, want)
		}
	}
}
