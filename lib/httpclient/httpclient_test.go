package httpclient_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"duplex/lib/httpclient"
	"duplex/lib/libtest"
	"duplex/lib/outbound"
)

// server answers what it got: method, query, content type, authorization
// and body, with a cookie; /redirect redirects, /binary sends bytes,
// /stall answers only when the test ends.
func server(t *testing.T) *httptest.Server {
	stall := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/echo?from=redirect", http.StatusFound)
			return
		case "/binary":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write([]byte{0, 1, 2})
			return
		case "/stall":
			select {
			case <-stall:
			case <-r.Context().Done():
			}
			return
		}
		body, _ := io.ReadAll(r.Body)
		http.SetCookie(w, &http.Cookie{Name: "k", Value: "v", Path: "/", HttpOnly: true, MaxAge: 60})
		w.Header().Add("X-Many", "1")
		w.Header().Add("X-Many", "2")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s %s|%s|%s|%s", r.Method, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), body)
	}))
	t.Cleanup(func() { close(stall); s.Close() })
	return s
}

func setup(t *testing.T, dial httpclient.Dialer) *libtest.Runtime {
	r := libtest.New(t, httpclient.New(dial))
	r.Call(nil, `var http = require('/lib/http-client');`)
	return r
}

func plainDial(ctx context.Context, network, addr string) (net.Conn, error) {
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func TestRequest(t *testing.T) {
	s := server(t)
	r := setup(t, plainDial)
	if err := r.VM.Set("BASE", s.URL); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ src, want string }{
		{`var res = http.request({url: BASE + '/echo', queryParams: {q: 'a b'}, params: {p: [1, 2]}});
			[res.status, res.message, res.body, res.contentType, res.headers['x-many'].join('+'), res.cookies[0].name + '=' + res.cookies[0].value, res.cookies[0].httpOnly].join('|')`,
			"200|OK|GET p=1&p=2&q=a+b||||text/plain; charset=utf-8|1+2|k=v|true"},
		{`http.request({url: BASE + '/echo', method: 'post', params: {a: 'x y', skip: null}}).body`,
			"POST |application/x-www-form-urlencoded||a=x+y"},
		{`http.request({url: BASE + '/echo', method: 'PUT', body: '{"a":1}', contentType: 'application/json', auth: {user: 'u', password: 'p'}}).body`,
			`PUT |application/json|Basic dTpw|{"a":1}`},
		{`http.request({url: BASE + '/redirect'}).body`, "GET from=redirect|||"},
		{`var res = http.request({url: BASE + '/redirect', followRedirects: false}); res.status + ' ' + res.headers.location`, "302 /echo?from=redirect"},
		{`String(http.request({url: BASE + '/binary'}).body)`, "null"},
		{`var b = http.request({url: BASE + '/echo', method: 'POST', multipart: [{name: 'f', value: 'content', fileName: 'a.txt', contentType: 'text/plain'}, {name: 'skipped'}]}).body;
			b.indexOf('multipart/form-data; boundary=') > 0 && b.indexOf('filename=a.txt') > 0 && b.indexOf('content') > 0 && b.indexOf('skipped') < 0`, "true"},
	} {
		if got := r.Call(nil, c.src).String(); got != c.want {
			t.Errorf("%s\n got  %q\n want %q", c.src, got, c.want)
		}
	}
}

// Failures are errors the script can catch, saying what went wrong.
func TestRequestFailures(t *testing.T) {
	s := server(t)
	policy, err := outbound.New(nil, "--outbound-allow")
	if err != nil {
		t.Fatal(err)
	}
	guarded := setup(t, policy.DialContext)
	guarded.VM.Set("BASE", s.URL)
	if got := guarded.Call(nil, `var m; try { http.request({url: BASE + '/echo'}); } catch (e) { m = e.message; } m`).String(); !strings.Contains(got, "--outbound-allow") {
		t.Errorf("loopback without --outbound-allow: %q, want a refusal naming the setting", got)
	}
	r := setup(t, plainDial)
	r.VM.Set("BASE", s.URL)
	for _, c := range []struct{ src, want string }{
		{`http.request({})`, "Parameter 'url' is required"},
		{`http.request({url: 'ftp://example.com/'})`, "want http:// or https://"},
		{`http.request({url: BASE + '/echo', proxy: {host: 'p'}})`, "proxy is not supported"},
		{`http.request({url: BASE + '/stall', readTimeout: 100})`, "timeout"},
	} {
		_, err := r.TryCall(nil, c.src)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.src, err, c.want)
		}
	}
	// The call's own deadline bounds the request, before --js-timeout.
	r.Deadline = time.Now().Add(300 * time.Millisecond)
	start := time.Now()
	if _, err := r.TryCall(nil, `http.request({url: BASE + '/stall', readTimeout: 60000})`); err == nil {
		t.Error("a request past the call's deadline succeeded")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("gave up after %v, want before the call's deadline", time.Since(start))
	}
}
