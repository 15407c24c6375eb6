package portal_test

import (
	"io"
	"testing"

	"duplex/lib"
	"duplex/lib/libtest"
)

// fakeTicket stands for the server's redirect tickets as XP's tests mock
// RedirectChecksumService (PortalUrlServiceImpl_identityUrlTest:
// "https://example.com" checksums to "some-great-checksum").
func fakeTicket(redirect string) string {
	if redirect == "https://example.com" {
		return "some-great-checksum"
	}
	return "T" + redirect
}

type urlCase struct {
	call *lib.Call
	src  string
	want string
}

func checkURLs(t *testing.T, r *libtest.Runtime, cases []urlCase) {
	t.Helper()
	for _, c := range cases {
		if got := r.Call(c.call, c.src).String(); got != c.want {
			t.Errorf("%s\n got  %s\n want %s", c.src, got, c.want)
		}
	}
}

// url() as XP's GenerateUrlBuilder makes it: the path alone (the caller's
// base is dropped), its segments trimmed, empty ones dropped and each
// path-escaped, then the params; type absolute and websocket as for every
// URL. The first two are PortalUrlServiceImpl_generateUrlTest's createUrl
// and createUrl_absolute.
func TestURL(t *testing.T) {
	r := setup(t)
	page := requestCall("http://localhost/webapp/myapp/page", false)
	checkURLs(t, r, []urlCase{
		{page, `portal.url({path: '/admin', params: {a: 3}})`, "/admin?a=3"},
		{requestCall("http://localhost:80/", false), `portal.url({path: '/admin', params: {a: 3}, type: 'absolute'})`, "http://localhost/admin?a=3"},
		{page, `portal.url({path: 'webapp/myapp/after'})`, "/webapp/myapp/after"},
		{page, `portal.url({path: 'after'})`, "/after"},
		{page, `portal.url({path: '/'})`, "/"},
		{page, `portal.url({path: '//a/ b /./c//'})`, "/a/b/./c"},
		// Guava's urlPathSegmentEscaper: ? and # and space escaped, sub-delims kept.
		{page, `portal.url({path: '/a b/x?y=1#z/é/$&+,;=:@'})`, "/a%20b/x%3Fy=1%23z/%C3%A9/$&+,;=:@"},
		// A URL is a path to XP: its "//" goes.
		{page, `portal.url({path: 'https://example.com/x'})`, "/https:/example.com/x"},
		{requestCall("https://example.com:8443/", true), `portal.url({path: '/chat', type: 'websocket', params: {n: [1, 2]}})`, "wss://example.com:8443/chat?n=1&n=2"},
	})
	for _, src := range []string{`portal.url({})`, `portal.url()`, `portal.url({path: '/a', type: 'ftp'})`} {
		if _, err := r.TryCall(page, src); err == nil {
			t.Errorf("%s did not throw", src)
		}
	}
}

// loginUrl, logoutUrl and idProviderUrl as XP's IdentityUrlBuilder makes
// them (PortalUrlServiceImpl_identityUrlTest: createUrl,
// createUrl_withRedirect, createUrl_withoutFunction, createUrl_absolute,
// createUrl_withContentPath, with duplex's bases in place of XP's
// /site/default/draft), the id provider being system unless named.
func TestIdentityURLs(t *testing.T) {
	r := setup(t)
	root := requestCall("http://localhost/", false)
	page := requestCall("http://localhost/webapp/myapp/page", false)
	session, peer := libtest.OpenSession(t, libtest.Hub(t), "/webapp/myapp/_/service/myapp/chat", nil)
	go io.Copy(io.Discard, peer)
	event := &lib.Call{Session: session, Upgrade: &lib.Endpoint{Scheme: "https", Host: "chat.example"}}
	checkURLs(t, r, []urlCase{
		{root, `portal.loginUrl({})`, "/_/idprovider/system/login"},
		{root, `portal.loginUrl()`, "/_/idprovider/system/login"},
		{root, `portal.loginUrl({redirect: 'https://example.com'})`, "/_/idprovider/system/login?redirect=https%3A%2F%2Fexample.com&_ticket=some-great-checksum"},
		{root, `portal.idProviderUrl()`, "/_/idprovider/system"},
		{requestCall("http://localhost:80/", false), `portal.loginUrl({type: 'absolute'})`, "http://localhost/_/idprovider/system/login"},
		{root, `portal.loginUrl({contextPath: 'relative'})`, "/_/idprovider/system/login"},
		// Below a webapp, and below a service under it: the webapp's base.
		{page, `portal.loginUrl({redirect: '/webapp/myapp/after'})`, "/webapp/myapp/_/idprovider/system/login?redirect=%2Fwebapp%2Fmyapp%2Fafter&_ticket=T%2Fwebapp%2Fmyapp%2Fafter"},
		{requestCall("http://h/webapp/myapp/_/service/myapp/s", false), `portal.logoutUrl()`, "/webapp/myapp/_/idprovider/system/logout"},
		// The script's params first, then redirect and its ticket.
		{page, `portal.logoutUrl({redirect: '/bye', params: {a: 'x y'}})`, "/webapp/myapp/_/idprovider/system/logout?a=x+y&redirect=%2Fbye&_ticket=T%2Fbye"},
		{page, `portal.idProviderUrl({idProvider: 'myidp', params: {q: 1}})`, "/webapp/myapp/_/idprovider/myidp?q=1"},
		// Another id provider: the URL is built (its endpoint answers 404).
		{root, `portal.loginUrl({idProvider: 'ldap'})`, "/_/idprovider/ldap/login"},
		// logoutUrl takes no idProvider (XP: it is the caller's).
		{root, `portal.logoutUrl({idProvider: 'ldap'})`, "/_/idprovider/system/logout"},
		// An empty redirect is none.
		{root, `portal.logoutUrl({redirect: ''})`, "/_/idprovider/system/logout"},
		// Inside webSocketEvent: from the upgrade request.
		{event, `portal.loginUrl({type: 'absolute'})`, "https://chat.example/webapp/myapp/_/idprovider/system/login"},
	})
	for _, src := range []string{
		`portal.loginUrl({idProvider: ''})`, `portal.loginUrl({idProvider: 'Roles'})`, `portal.idProviderUrl({idProvider: 'a"b'})`,
		`portal.loginUrl({contextPath: 'site'})`, `portal.logoutUrl('x')`, `portal.loginUrl({type: 'ftp'})`,
	} {
		if _, err := r.TryCall(root, src); err == nil {
			t.Errorf("%s did not throw", src)
		}
	}
	if _, err := r.TryCall(&lib.Call{}, `portal.loginUrl()`); err == nil {
		t.Error("loginUrl without a request did not throw")
	}
}
