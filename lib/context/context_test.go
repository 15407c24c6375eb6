package context_test

import (
	"net/http"
	"testing"

	"duplex/lib"
	"duplex/lib/auth"
	xpcontext "duplex/lib/context"
	"duplex/lib/libtest"
)

// users is an id provider with bob (role:app.admin) and disabled dave.
type users struct{}

func (users) Available() bool { return true }
func (users) Login(http.ResponseWriter, *http.Request, string, string, string) (*auth.User, string) {
	return nil, "no"
}
func (users) Logout(http.ResponseWriter, *http.Request, *auth.User) {}
func (users) User(login, idProvider string) *auth.User {
	if login == "bob" && idProvider == "system" {
		return &auth.User{Login: "bob", IDProvider: "system", DisplayName: "Bob", Roles: []string{"role:app.admin"}}
	}
	return nil
}

func setup(t *testing.T) *libtest.Runtime {
	r := libtest.New(t, xpcontext.New(users{}), auth.New(users{}))
	r.Call(nil, `var context = require('/lib/xp/context'), auth = require('/lib/xp/auth');
		function who() { var u = auth.getUser(); return u ? u.login : 'anonymous'; }`)
	return r
}

func check(t *testing.T, r *libtest.Runtime, call *lib.Call, src, want string) {
	t.Helper()
	if got := r.Call(call, src).String(); got != want {
		t.Errorf("%s\n got  %s\n want %s", src, got, want)
	}
}

// get() is XP's context of a request outside a site: the anonymous
// caller's principals, the default repository and branch.
func TestGetAnonymous(t *testing.T) {
	r := setup(t)
	check(t, r, nil, `JSON.stringify(context.get())`,
		`{"branch":"master","repository":"com.enonic.cms.default","authInfo":{"principals":["user:system:anonymous","role:system.everyone"]},"attributes":{}}`)
}

// run as another user: /lib/xp/auth sees that user inside, the caller
// again after, even when the callback throws.
func TestRunAsUser(t *testing.T) {
	r := setup(t)
	call := &lib.Call{}
	check(t, r, call, `context.run({user: {login: 'bob'}}, function () {
			var c = context.get();
			return [who(), auth.hasRole('app.admin'), c.authInfo.user.key, c.authInfo.principals.join(' ')].join('|');
		}) + '|' + who()`,
		"bob|true|user:system:bob|user:system:bob role:app.admin role:system.authenticated role:system.everyone|anonymous")
	check(t, r, call, `try { context.run({user: {login: 'bob'}}, function () { throw new Error('x'); }); } catch (e) {} who()`, "anonymous")
	// A user that does not exist (or another id provider) runs anonymous.
	check(t, r, call, `context.run({user: {login: 'nobody'}}, who) + ' ' + context.run({user: {login: 'bob', idProvider: 'other'}}, who)`, "anonymous anonymous")
}

// principals are added to the caller's; attributes too, scalars shown.
func TestRunWithPrincipalsAndAttributes(t *testing.T) {
	r := setup(t)
	call := &lib.Call{}
	check(t, r, call, `context.run({principals: ['role:system.admin']}, function () {
			return auth.hasRole('system.admin') + ' ' + context.get().authInfo.principals.join(' ');
		}) + ' ' + auth.hasRole('system.admin')`,
		"true user:system:anonymous role:system.everyone role:system.admin false")
	check(t, r, call, `context.run({attributes: {a: 1, b: 'x', o: {}}, branch: 'draft'}, function () {
			return context.run({attributes: {c: true}}, function () {
				var c = context.get();
				return JSON.stringify(c.attributes) + ' ' + c.branch;
			});
		})`, `{"a":1,"b":"x","c":true} draft`)
	// Nested: bob with an added principal.
	check(t, r, call, `context.run({user: {login: 'bob'}}, function () {
			return context.run({principals: ['role:extra']}, function () { return who() + ' ' + auth.hasRole('extra'); });
		})`, "bob true")
}

func TestRunNeedsAFunction(t *testing.T) {
	r := setup(t)
	if _, err := r.TryCall(nil, `context.run({}, 'not a function')`); err == nil {
		t.Fatal("run without a callback did not throw")
	}
}
