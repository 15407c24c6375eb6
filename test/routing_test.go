package test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// webappJSON fetches a URL expected to be answered by a webapp controller
// returning {who, path, ...}.
func webappJSON(t *testing.T, method, url string) map[string]any {
	t.Helper()
	var r *Resp
	if method == http.MethodPost {
		r = post(t, url, "application/x-www-form-urlencoded", "k=v")
	} else {
		r = do(t, method, url, nil)
	}
	wantStatus(t, r, 200, method+" "+url)
	return r.JSON(t)
}

// TestServiceRouting: /_/service/<app>/<service> and below.
func TestServiceRouting(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--app", appDir("myapp"))

	r := get(t, s.URL+"/_/service/myapp/echo")
	wantStatus(t, r, 200, "service")
	wantField(t, r.JSON(t), "path", "/_/service/myapp/echo")

	r = get(t, s.URL+"/_/service/myapp/echo/sub/path?q=1")
	wantStatus(t, r, 200, "service sub-path")
	m := r.JSON(t)
	wantField(t, m, "path", "/_/service/myapp/echo/sub/path")
	wantField(t, m, "url", s.URL+"/_/service/myapp/echo/sub/path?q=1")

	r = get(t, s.URL+"/_/service/myapp/echo/")
	wantStatus(t, r, 200, "service with a trailing slash")
	wantField(t, r.JSON(t), "path", "/_/service/myapp/echo/")

	r = get(t, s.URL+"/_/service/myapp/echoX")
	wantStatus(t, r, 404, "service name prefix")
	r = get(t, s.URL+"/webapp/myappX/")
	wantStatus(t, r, 404, "app name prefix")

	r = get(t, s.URL+"/_/service/myapp/no-such-service")
	wantStatus(t, r, 404, "unknown service")
	r = get(t, s.URL+"/_/service/no-such-app/echo")
	wantStatus(t, r, 404, "unknown app (service)")
	r = get(t, s.URL+"/webapp/no-such-app/")
	wantStatus(t, r, 404, "unknown app (webapp)")
	r = get(t, s.URL+"/_/asset/no-such-app/style.css")
	wantStatus(t, r, 404, "unknown app (asset)")
	// a lib module is not a service
	r = get(t, s.URL+"/_/service/myapp/shared")
	wantStatus(t, r, 404, "lib module addressed as a service")
}

// TestWebappRouting: /webapp/<app>/ and below, assets served first for GET on
// non-root sub-paths.
func TestWebappRouting(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--app", appDir("myapp"))

	m := webappJSON(t, "GET", s.URL+"/webapp/myapp/")
	wantField(t, m, "who", "myapp-webapp")
	wantField(t, m, "path", "/webapp/myapp/")

	m = webappJSON(t, "GET", s.URL+"/webapp/myapp/some/page")
	wantField(t, m, "who", "myapp-webapp")
	wantField(t, m, "path", "/webapp/myapp/some/page")

	r := get(t, s.URL+"/webapp/myapp/hello.txt")
	wantStatus(t, r, 200, "asset via webapp path")
	if r.Body != "hello from assets\n" {
		t.Errorf("GET /webapp/myapp/hello.txt body %q, want the asset file", r.Body)
	}
	r = get(t, s.URL+"/webapp/myapp/sub/deep.txt")
	wantStatus(t, r, 200, "nested asset via webapp path")
	if r.Body != "deep file\n" {
		t.Errorf("GET /webapp/myapp/sub/deep.txt body %q, want the asset file", r.Body)
	}

	// Only GET is served from assets; POST goes to the controller.
	m = webappJSON(t, http.MethodPost, s.URL+"/webapp/myapp/hello.txt")
	wantField(t, m, "who", "myapp-webapp")
	wantField(t, m, "method", "POST")

	// The root is the controller even though assets/index.html exists.
	r = get(t, s.URL+"/webapp/myapp/")
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
		s := startServer(t, "--app", appDir("myapp"), "--app", appDir("second"))
		m := webappJSON(t, "GET", s.URL+"/")
		wantField(t, m, "who", "myapp-webapp")
		wantField(t, m, "path", "/")
		m = webappJSON(t, "GET", s.URL+"/foo/bar?x=1")
		wantField(t, m, "who", "myapp-webapp")
		wantField(t, m, "path", "/foo/bar")

		m = webappJSON(t, "GET", s.URL+"/webapp/second/")
		wantField(t, m, "who", "second-webapp")
		m = webappJSON(t, "GET", s.URL+"/webapp/second/x/y")
		wantField(t, m, "who", "second-webapp")
		wantField(t, m, "path", "/webapp/second/x/y")
		m = webappJSON(t, "GET", s.URL+"/webapp/myapp/")
		wantField(t, m, "who", "myapp-webapp")

		r := get(t, s.URL+"/_/service/second/hello")
		wantStatus(t, r, 200, "second app service")
		m = r.JSON(t)
		wantField(t, m, "who", "second-hello")
		wantField(t, m, "app", "second")
		wantField(t, m, "greeting", "hi from second")
		r = get(t, s.URL+"/_/service/myapp/hello")
		wantStatus(t, r, 404, "service of the other app")
		r = get(t, s.URL+"/_/service/second/echo")
		wantStatus(t, r, 404, "myapp service under second")
		r = get(t, s.URL+"/_/service/myapp/appinfo")
		wantStatus(t, r, 200, "myapp appinfo")
		wantField(t, r.JSON(t), "name", "myapp")

		r = get(t, s.URL+"/_/asset/second/only-second.txt")
		wantStatus(t, r, 200, "second app asset")
		if r.Body != "second asset\n" {
			t.Errorf("second asset body %q", r.Body)
		}
		r = get(t, s.URL+"/_/asset/myapp/only-second.txt")
		wantStatus(t, r, 404, "asset of the other app")
	})
	t.Run("second first", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, "--app", appDir("second"), "--app", appDir("myapp"))
		m := webappJSON(t, "GET", s.URL+"/")
		wantField(t, m, "who", "second-webapp")
		m = webappJSON(t, "GET", s.URL+"/anything")
		wantField(t, m, "who", "second-webapp")
		m = webappJSON(t, "GET", s.URL+"/webapp/myapp/")
		wantField(t, m, "who", "myapp-webapp")
	})
}

// TestAssets: /_/asset/<app>/<path> with ETag, Last-Modified, conditional GET.
func TestAssets(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "myapp")
	copyDir(t, appDir("myapp"), dir)
	mtime := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	css := filepath.Join(dir, "assets", "style.css")
	if err := os.Chtimes(css, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--app", dir)
	u := s.URL + "/_/asset/myapp/style.css"

	r := get(t, u)
	wantStatus(t, r, 200, "asset")
	wantMediaType(t, r, "text/css", "", "asset content type")
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

	r = get(t, u, "If-None-Match", etag)
	wantStatus(t, r, 304, "If-None-Match with the ETag")
	if r.Body != "" {
		t.Errorf("304 with a body %q", r.Body)
	}
	r = get(t, u, "If-None-Match", `"some-other-etag"`)
	wantStatus(t, r, 200, "If-None-Match with another ETag")

	r = get(t, u, "If-Modified-Since", mtime.Format(http.TimeFormat))
	wantStatus(t, r, 304, "If-Modified-Since = Last-Modified")
	r = get(t, u, "If-Modified-Since", mtime.Add(time.Hour).Format(http.TimeFormat))
	wantStatus(t, r, 304, "If-Modified-Since later than Last-Modified")
	r = get(t, u, "If-Modified-Since", mtime.Add(-time.Second).Format(http.TimeFormat))
	wantStatus(t, r, 200, "If-Modified-Since earlier than Last-Modified")

	r = do(t, http.MethodHead, u, nil)
	wantStatus(t, r, 200, "HEAD asset")
	if r.Header.Get("ETag") != etag {
		t.Errorf("HEAD ETag %q, GET ETag %q", r.Header.Get("ETag"), etag)
	}

	r = get(t, s.URL+"/_/asset/myapp/sub/deep.txt")
	wantStatus(t, r, 200, "nested asset")
	if r.Body != "deep file\n" {
		t.Errorf("nested asset body %q", r.Body)
	}
	r = get(t, s.URL+"/_/asset/myapp/missing.txt")
	wantStatus(t, r, 404, "missing asset")

	// A query string (cache busting) doesn't matter; names are URL-decoded.
	r = get(t, u+"?v=123")
	wantStatus(t, r, 200, "asset with a query string")
	writeFile(t, filepath.Join(dir, "assets", "with space.txt"), "spaced\n")
	r = get(t, s.URL+"/_/asset/myapp/with%20space.txt")
	wantStatus(t, r, 200, "asset with an encoded space in its name")
	if r.Body != "spaced\n" {
		t.Errorf("asset with a space: body %q", r.Body)
	}

	// Folders are not files: no directory listing.
	for _, p := range []string{"/_/asset/myapp/sub", "/_/asset/myapp/sub/", "/_/asset/myapp/", "/_/asset/myapp"} {
		r = get(t, s.URL+p)
		if strings.Contains(r.Body, "deep.txt") || strings.Contains(r.Body, "style.css") {
			t.Errorf("GET %s: status %d body %q, want no directory listing", p, r.Status, trunc(r.Body))
		}
	}

	// HEAD on a service with only 'all' runs 'all'.
	r = do(t, http.MethodHead, s.URL+"/_/service/myapp/echo", nil)
	wantStatus(t, r, 200, "HEAD on a service exporting only all")

}
