// Package auth is /lib/xp/auth: login, logout, getUser and hasRole over the
// server's id provider. The module holds no state: the caller's user comes
// with each call (lib.Call.Values[ValueKey], put there by the server), and
// logging in or out goes through a Provider that the server implements, so
// that neither this module nor the engine sees password hashes or cookies.
package auth

import (
	"net/http"
	"slices"

	"github.com/dop251/goja"

	"duplex/lib"
)

// ValueKey is where the server puts the caller's *User in lib.Scope.Values,
// and so in every lib.Call.Values of the request or WebSocket session.
const ValueKey = "auth.user"

// Provider is the id provider and login sessions behind the module.
type Provider interface {
	// Available reports whether login can succeed at all (the server has
	// users).
	Available() bool
	// Login checks the credentials (login name or e-mail) of the id
	// provider idProvider ("" for any) and, when they are right, starts a
	// login session on w (a cookie). Otherwise it returns nil and the
	// message to show.
	Login(w http.ResponseWriter, r *http.Request, user, password, idProvider string) (*User, string)
	// Logout ends u's login sessions (u is nil for an anonymous caller),
	// WebSocket sessions included, and clears the cookie on w when w is not
	// nil.
	Logout(w http.ResponseWriter, r *http.Request, u *User)
	// User is the enabled user login of id provider idProvider, without
	// credentials (XP's VerifiedUsernameAuthToken, for /lib/xp/context's
	// run); nil when there is none.
	User(login, idProvider string) *User
}

// PrincipalsKey is where /lib/xp/context's run puts the principals it adds
// to the caller's ([]string), in lib.Call.Values.
const PrincipalsKey = "auth.principals"

// CallerHas reports whether the caller of a call, as its values say (its
// user, and the principals a context run added), holds principal p.
func CallerHas(values map[string]any, p string) bool {
	u, _ := values[ValueKey].(*User)
	if HasPrincipal(u, p) {
		return true
	}
	extra, _ := values[PrincipalsKey].([]string)
	return slices.Contains(extra, p)
}

// Module serves the server's Provider to one application's scripts.
type Module struct {
	provider Provider
}

// New returns the module; a nil provider means the server has no users, and
// every login fails.
func New(p Provider) *Module { return &Module{provider: p} }

// Path implements lib.Module.
func (m *Module) Path() string { return "/lib/xp/auth" }

// Instantiate implements lib.Module.
func (m *Module) Instantiate(env *lib.Env) (goja.Value, error) {
	vm := env.VM
	o := vm.NewObject()
	current := func() *User {
		if c := env.Call(); c != nil {
			u, _ := c.Values[ValueKey].(*User)
			return u
		}
		return nil
	}
	_ = o.Set("getUser", func(goja.FunctionCall) goja.Value {
		u := current()
		if u == nil {
			return goja.Null()
		}
		return vm.ToValue(userObject(u))
	})
	_ = o.Set("hasRole", func(c goja.FunctionCall) goja.Value {
		var values map[string]any
		if call := env.Call(); call != nil {
			values = call.Values
		}
		return vm.ToValue(CallerHas(values, roleKey(c.Argument(0).String())))
	})
	_ = o.Set("login", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(m.login(env, c.Argument(0)))
	})
	_ = o.Set("logout", func(goja.FunctionCall) goja.Value {
		m.logout(env, current())
		return goja.Undefined()
	})
	// A duplex extension: lets a page hide its login form on a server
	// started without users.
	_ = o.Set("loginAvailable", func(goja.FunctionCall) goja.Value {
		return vm.ToValue(m.provider != nil && m.provider.Available())
	})
	return o, nil
}

// login is XP's login({user, password, idProvider}): {authenticated, user}
// or {authenticated: false, message}. On success the rest of the call runs
// as the new user, as in XP.
func (m *Module) login(env *lib.Env, arg goja.Value) map[string]any {
	failed := func(message string) map[string]any {
		return map[string]any{"authenticated": false, "message": message}
	}
	c := env.Call()
	if m.provider == nil || !m.provider.Available() {
		return failed("Login is not available: the server has no users")
	}
	if c == nil || c.Response == nil || c.Request == nil {
		return failed("Login needs an HTTP request")
	}
	params, _ := arg.(*goja.Object)
	if params == nil {
		return failed("Access Denied")
	}
	str := func(key string) string {
		v := params.Get(key)
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			return ""
		}
		return v.String()
	}
	u, message := m.provider.Login(c.Response, c.Request, str("user"), str("password"), str("idProvider"))
	if u == nil {
		return failed(message)
	}
	if c.Values == nil {
		c.Values = map[string]any{}
	}
	c.Values[ValueKey] = u
	return map[string]any{"authenticated": true, "user": userObject(u)}
}

func (m *Module) logout(env *lib.Env, u *User) {
	c := env.Call()
	if c == nil {
		return
	}
	delete(c.Values, ValueKey)
	if m.provider == nil {
		return
	}
	m.provider.Logout(c.Response, c.Request, u)
}

// userObject is lib-auth's user (UserMapper): the event's fields plus
// type.
func userObject(u *User) map[string]any {
	o := u.Object()
	o["type"] = "user"
	return o
}
