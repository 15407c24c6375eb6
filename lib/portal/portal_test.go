package portal_test

import (
	"crypto/tls"
	"io"
	"net/http/httptest"
	"testing"

	"duplex/lib"
	"duplex/lib/libtest"
	"duplex/lib/portal"
)

func setup(t *testing.T) *libtest.Runtime {
	r := libtest.New(t, portal.New("myapp", func() string { return "18c1f" }, fakeTicket))
	r.Call(nil, `var portal = require('/lib/xp/portal');`)
	return r
}

// requestCall is the call of a request for target (host and path).
func requestCall(target string, secure bool) *lib.Call {
	req := httptest.NewRequest("GET", target, nil)
	if secure {
		req.TLS = &tls.ConnectionState{}
	}
	return &lib.Call{Request: req}
}

// URLs as XP's PortalUrlBuilder makes them (its serviceUrl test: a server
// path, and ws:// with the host, the port only when it is not the
// scheme's).
func TestServiceURL(t *testing.T) {
	r := setup(t)
	session, peer := libtest.OpenSession(t, libtest.Hub(t), "/webapp/myapp/_/service/myapp/chat", nil)
	go io.Copy(io.Discard, peer)
	for _, c := range []struct {
		call *lib.Call
		src  string
		want string
	}{
		{requestCall("http://localhost/webapp/myapp/page", false), `portal.serviceUrl({service: 'myservice', params: {a: 3}})`, "/webapp/myapp/_/service/myapp/myservice?a=3"},
		{requestCall("http://localhost/webapp/myapp/page", false), `portal.serviceUrl({service: 'myservice', params: {a: 3}, type: 'websocket'})`, "ws://localhost/webapp/myapp/_/service/myapp/myservice?a=3"},
		{requestCall("http://localhost:80/webapp/myapp", false), `portal.serviceUrl({service: 's', type: 'absolute'})`, "http://localhost/webapp/myapp/_/service/myapp/s"},
		{requestCall("http://127.0.0.1:8080/", false), `portal.serviceUrl({service: 'chat', type: 'websocket'})`, "ws://127.0.0.1:8080/_/service/myapp/chat"},
		{requestCall("https://example.com:443/webapp/myapp/a/b", true), `portal.serviceUrl({service: 'chat', type: 'websocket'})`, "wss://example.com/webapp/myapp/_/service/myapp/chat"},
		// Below a service, at the root or under a webapp: the part before /_/.
		{requestCall("http://h/_/service/myapp/page", false), `portal.serviceUrl({service: 'chat', application: 'other'})`, "/_/service/other/chat"},
		{requestCall("http://h/webapp/myapp/_/service/myapp/page/x", false), `portal.serviceUrl({service: 'chat'})`, "/webapp/myapp/_/service/myapp/chat"},
		// Form encoding as Guava's: + for space, * kept, ~ and UTF-8 escaped;
		// arrays repeat the name, in order.
		{requestCall("http://h/", false), `portal.serviceUrl({service: 's', params: {q: 'a b*~é', n: [1, 2], skip: null}})`, "/_/service/myapp/s?q=a+b*%7E%C3%A9&n=1&n=2"},
		{requestCall("http://h/webapp/myapp/", false), `portal.assetUrl({path: '/css/site.css'})`, "/webapp/myapp/_/asset/myapp:18c1f/css/site.css"},
		// A WebSocket event: where the upgrade came to, and its path.
		{&lib.Call{Session: session, Upgrade: &lib.Endpoint{Scheme: "http", Host: "chat.example:8080"}},
			`portal.serviceUrl({service: 'chat', type: 'websocket'})`, "ws://chat.example:8080/webapp/myapp/_/service/myapp/chat"},
	} {
		if got := r.Call(c.call, c.src).String(); got != c.want {
			t.Errorf("%s\n got  %s\n want %s", c.src, got, c.want)
		}
	}
}

func TestServiceURLErrors(t *testing.T) {
	r := setup(t)
	for _, src := range []string{
		`portal.serviceUrl({service: 's'})`, // no request: a module's set-up
	} {
		if _, err := r.TryCall(&lib.Call{}, src); err == nil {
			t.Errorf("%s did not throw", src)
		}
	}
	call := requestCall("http://h/", false)
	for _, src := range []string{`portal.serviceUrl({})`, `portal.serviceUrl('s')`, `portal.serviceUrl({service: 's', type: 'ftp'})`} {
		if _, err := r.TryCall(call, src); err == nil {
			t.Errorf("%s did not throw", src)
		}
	}
}
