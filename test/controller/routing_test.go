package controller

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// TestServiceRouting: /_/service/<app>/<service> and below.
func TestServiceRouting(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))

	r := harness.Get(t, s.URL+"/_/service/myapp/echo")
	harness.WantStatus(t, r, 200, "service")
	harness.WantField(t, r.JSON(t), "path", "/_/service/myapp/echo")

	r = harness.Get(t, s.URL+"/_/service/myapp/echo/sub/path?q=1")
	harness.WantStatus(t, r, 200, "service sub-path")
	m := r.JSON(t)
	harness.WantField(t, m, "path", "/_/service/myapp/echo/sub/path")
	harness.WantField(t, m, "url", s.URL+"/_/service/myapp/echo/sub/path?q=1")

	r = harness.Get(t, s.URL+"/_/service/myapp/echo/")
	harness.WantStatus(t, r, 200, "service with a trailing slash")
	harness.WantField(t, r.JSON(t), "path", "/_/service/myapp/echo/")

	for _, c := range []struct{ path, what string }{
		{"/_/service/myapp/echoX", "service name prefix"},
		{"/webapp/myappX/", "app name prefix"},
		{"/_/service/myapp/no-such-service", "unknown service"},
		{"/_/service/no-such-app/echo", "unknown app (service)"},
		{"/webapp/no-such-app/", "unknown app (webapp)"},
		{"/_/asset/no-such-app/style.css", "unknown app (asset)"},
		{"/_/service/myapp/shared", "lib module addressed as a service"},
	} {
		harness.WantStatus(t, harness.Get(t, s.URL+c.path), 404, c.what)
	}
}

// TestWebappRouting: /webapp/<app>/ and below, assets served first for GET on
// non-root sub-paths.
func TestWebappRouting(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))

	m := harness.WebappJSON(t, "GET", s.URL+"/webapp/myapp/")
	harness.WantField(t, m, "who", "myapp-webapp")
	harness.WantField(t, m, "path", "/webapp/myapp/")

	m = harness.WebappJSON(t, "GET", s.URL+"/webapp/myapp/some/page")
	harness.WantField(t, m, "who", "myapp-webapp")
	harness.WantField(t, m, "path", "/webapp/myapp/some/page")

	r := harness.Get(t, s.URL+"/webapp/myapp/hello.txt")
	harness.WantStatus(t, r, 200, "asset via webapp path")
	if r.Body != "hello from assets\n" {
		t.Errorf("GET /webapp/myapp/hello.txt body %q, want the asset file", r.Body)
	}
	r = harness.Get(t, s.URL+"/webapp/myapp/sub/deep.txt")
	harness.WantStatus(t, r, 200, "nested asset via webapp path")
	if r.Body != "deep file\n" {
		t.Errorf("GET /webapp/myapp/sub/deep.txt body %q, want the asset file", r.Body)
	}

	// Only GET is served from assets; POST goes to the controller.
	m = harness.WebappJSON(t, http.MethodPost, s.URL+"/webapp/myapp/hello.txt")
	harness.WantField(t, m, "who", "myapp-webapp")
	harness.WantField(t, m, "method", "POST")

	// The root is the controller even though assets/index.html exists.
	r = harness.Get(t, s.URL+"/webapp/myapp/")
	if strings.Contains(r.Body, "asset index") {
		t.Errorf("GET /webapp/myapp/ served assets/index.html instead of the controller")
	}
}

// TestFirstAppRule: / and every other path go to the FIRST app's webapp;
// each app keeps its own services, assets and app global.
func TestFirstAppRule(t *testing.T) {
	t.Parallel()
	t.Run("myapp first", func(t *testing.T) {
		t.Parallel()
		s := duplex.Start(t, "--app", harness.App("myapp"), "--app", harness.App("second"))
		m := harness.WebappJSON(t, "GET", s.URL+"/")
		harness.WantField(t, m, "who", "myapp-webapp")
		harness.WantField(t, m, "path", "/")
		m = harness.WebappJSON(t, "GET", s.URL+"/foo/bar?x=1")
		harness.WantField(t, m, "who", "myapp-webapp")
		harness.WantField(t, m, "path", "/foo/bar")

		m = harness.WebappJSON(t, "GET", s.URL+"/webapp/second/")
		harness.WantField(t, m, "who", "second-webapp")
		m = harness.WebappJSON(t, "GET", s.URL+"/webapp/second/x/y")
		harness.WantField(t, m, "who", "second-webapp")
		harness.WantField(t, m, "path", "/webapp/second/x/y")
		m = harness.WebappJSON(t, "GET", s.URL+"/webapp/myapp/")
		harness.WantField(t, m, "who", "myapp-webapp")

		r := harness.Get(t, s.URL+"/_/service/second/hello")
		harness.WantStatus(t, r, 200, "second app service")
		m = r.JSON(t)
		harness.WantField(t, m, "who", "second-hello")
		harness.WantField(t, m, "app", "second")
		harness.WantField(t, m, "greeting", "hi from second")
		r = harness.Get(t, s.URL+"/_/service/myapp/hello")
		harness.WantStatus(t, r, 404, "service of the other app")
		r = harness.Get(t, s.URL+"/_/service/second/echo")
		harness.WantStatus(t, r, 404, "myapp service under second")
		r = harness.Get(t, s.URL+"/_/service/myapp/appinfo")
		harness.WantStatus(t, r, 200, "myapp appinfo")
		harness.WantField(t, r.JSON(t), "name", "myapp")

		r = harness.Get(t, s.URL+"/_/asset/second/only-second.txt")
		harness.WantStatus(t, r, 200, "second app asset")
		if r.Body != "second asset\n" {
			t.Errorf("second asset body %q", r.Body)
		}
		r = harness.Get(t, s.URL+"/_/asset/myapp/only-second.txt")
		harness.WantStatus(t, r, 404, "asset of the other app")
	})
	t.Run("second first", func(t *testing.T) {
		t.Parallel()
		s := duplex.Start(t, "--app", harness.App("second"), "--app", harness.App("myapp"))
		m := harness.WebappJSON(t, "GET", s.URL+"/")
		harness.WantField(t, m, "who", "second-webapp")
		m = harness.WebappJSON(t, "GET", s.URL+"/anything")
		harness.WantField(t, m, "who", "second-webapp")
		m = harness.WebappJSON(t, "GET", s.URL+"/webapp/myapp/")
		harness.WantField(t, m, "who", "myapp-webapp")
	})
}

// TestAssets: /_/asset/<app>/<path> with ETag, Last-Modified, conditional GET.
func TestAssets(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "myapp")
	harness.CopyDir(t, harness.App("myapp"), dir)
	mtime := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	css := filepath.Join(dir, "assets", "style.css")
	if err := os.Chtimes(css, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	s := duplex.Start(t, "--app", dir)
	u := s.URL + "/_/asset/myapp/style.css"

	r := harness.Get(t, u)
	harness.WantStatus(t, r, 200, "asset")
	harness.WantMediaType(t, r, "text/css", "", "asset content type")
	if r.Body != "body { color: red; }\n" {
		t.Errorf("asset body %q", r.Body)
	}
	etag := r.Header.Get("ETag")
	if etag == "" {
		t.Fatalf("asset response has no ETag; headers %v", r.Header)
	}
	lm := r.Header.Get("Last-Modified")
	lmt, err := http.ParseTime(lm)
	if err != nil {
		t.Fatalf("Last-Modified %q unparsable: %v", lm, err)
	}
	if !lmt.Equal(mtime) {
		t.Errorf("Last-Modified %q, want the file's mtime %s", lm, mtime.Format(http.TimeFormat))
	}

	r = harness.Get(t, u, "If-None-Match", etag)
	harness.WantStatus(t, r, 304, "If-None-Match with the ETag")
	if r.Body != "" {
		t.Errorf("304 with a body %q", r.Body)
	}
	r = harness.Get(t, u, "If-None-Match", `"some-other-etag"`)
	harness.WantStatus(t, r, 200, "If-None-Match with another ETag")

	r = harness.Get(t, u, "If-Modified-Since", mtime.Format(http.TimeFormat))
	harness.WantStatus(t, r, 304, "If-Modified-Since = Last-Modified")
	r = harness.Get(t, u, "If-Modified-Since", mtime.Add(time.Hour).Format(http.TimeFormat))
	harness.WantStatus(t, r, 304, "If-Modified-Since later than Last-Modified")
	r = harness.Get(t, u, "If-Modified-Since", mtime.Add(-time.Second).Format(http.TimeFormat))
	harness.WantStatus(t, r, 200, "If-Modified-Since earlier than Last-Modified")

	r = harness.Do(t, http.MethodHead, u, nil)
	harness.WantStatus(t, r, 200, "HEAD asset")
	if r.Header.Get("ETag") != etag {
		t.Errorf("HEAD ETag %q, GET ETag %q", r.Header.Get("ETag"), etag)
	}

	r = harness.Get(t, s.URL+"/_/asset/myapp/sub/deep.txt")
	harness.WantStatus(t, r, 200, "nested asset")
	if r.Body != "deep file\n" {
		t.Errorf("nested asset body %q", r.Body)
	}
	r = harness.Get(t, s.URL+"/_/asset/myapp/missing.txt")
	harness.WantStatus(t, r, 404, "missing asset")

	// A query string (cache busting) doesn't matter; names are URL-decoded.
	r = harness.Get(t, u+"?v=123")
	harness.WantStatus(t, r, 200, "asset with a query string")
	harness.WriteFile(t, filepath.Join(dir, "assets", "with space.txt"), "spaced\n")
	r = harness.Get(t, s.URL+"/_/asset/myapp/with%20space.txt")
	harness.WantStatus(t, r, 200, "asset with an encoded space in its name")
	if r.Body != "spaced\n" {
		t.Errorf("asset with a space: body %q", r.Body)
	}

	// Folders are not files: no directory listing.
	for _, p := range []string{"/_/asset/myapp/sub", "/_/asset/myapp/sub/", "/_/asset/myapp/", "/_/asset/myapp"} {
		r = harness.Get(t, s.URL+p)
		if strings.Contains(r.Body, "deep.txt") || strings.Contains(r.Body, "style.css") {
			t.Errorf("GET %s: status %d body %q, want no directory listing", p, r.Status, harness.Trunc(r.Body))
		}
	}

	// HEAD on a service with only 'all' runs 'all'.
	r = harness.Do(t, http.MethodHead, s.URL+"/_/service/myapp/echo", nil)
	harness.WantStatus(t, r, 200, "HEAD on a service exporting only all")

}
