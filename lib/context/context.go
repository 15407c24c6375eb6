// Package context is /lib/xp/context: the current call's context (who it
// runs as, its principals and attributes) and run, which runs a function in
// another one, as XP's lib-context does. duplex has no content
// repositories; repository and branch are XP's defaults, and kept only so
// that code which reads or passes them works unchanged.
package context

import (
	"slices"

	"github.com/dop251/goja"

	"duplex/lib"
	"duplex/lib/auth"
)

// XP's defaults for a request that is not in a site.
const (
	defaultRepository = "com.enonic.cms.default"
	defaultBranch     = "master"
	anonymousKey      = "user:system:anonymous"
	systemIDProvider  = "system"
)

// Where run keeps the context it sets, in lib.Call.Values, beside the
// caller's user (auth.ValueKey) and added principals (auth.PrincipalsKey).
const (
	repositoryKey = "context.repository"
	branchKey     = "context.branch"
	attributesKey = "context.attributes"
)

// Module serves one application's scripts; users finds the user a run
// names (nil: the server has no users, and such a run is anonymous).
type Module struct {
	users auth.Provider
}

// New returns the module.
func New(users auth.Provider) *Module { return &Module{users: users} }

// Path implements lib.Module.
func (m *Module) Path() string { return "/lib/xp/context" }

// Instantiate implements lib.Module.
func (m *Module) Instantiate(env *lib.Env) (goja.Value, error) {
	vm := env.VM
	o := vm.NewObject()
	_ = o.Set("get", func(goja.FunctionCall) goja.Value {
		var values map[string]any
		if c := env.Call(); c != nil {
			values = c.Values
		}
		return current(vm, values)
	})
	_ = o.Set("run", func(c goja.FunctionCall) goja.Value {
		params, _ := c.Argument(0).(*goja.Object)
		fn, ok := goja.AssertFunction(c.Argument(1))
		if params == nil || !ok {
			panic(vm.NewTypeError("run(context, callback): context must be an object and callback a function"))
		}
		return m.run(env, params, fn)
	})
	return o, nil
}

// current is XP's ContextMapper, in its order: branch, repository,
// authInfo (user, principals) and the scalar attributes.
func current(vm *goja.Runtime, values map[string]any) *goja.Object {
	u, _ := values[auth.ValueKey].(*auth.User)
	authInfo := vm.NewObject()
	if u != nil {
		user := u.Object()
		user["type"] = "user"
		_ = authInfo.Set("user", user)
	}
	_ = authInfo.Set("principals", principals(u, values))
	attributes := vm.NewObject()
	if attrs, ok := values[attributesKey].(map[string]any); ok {
		keys := make([]string, 0, len(attrs))
		for k := range attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			switch v := attrs[k]; v.(type) {
			case string, bool, int64, float64:
				_ = attributes.Set(k, v)
			}
		}
	}
	o := vm.NewObject()
	_ = o.Set("branch", stringOr(values[branchKey], defaultBranch))
	_ = o.Set("repository", stringOr(values[repositoryKey], defaultRepository))
	_ = o.Set("authInfo", authInfo)
	_ = o.Set("attributes", attributes)
	return o
}

// principals are the keys the caller holds: its user's (or anonymous's),
// then what a run added.
func principals(u *auth.User, values map[string]any) []string {
	var keys []string
	if u == nil {
		keys = []string{anonymousKey, auth.RoleEveryone}
	} else {
		keys = append([]string{u.Key()}, u.Roles...)
		keys = append(keys, auth.RoleAuthenticated, auth.RoleEveryone)
	}
	extra, _ := values[auth.PrincipalsKey].([]string)
	for _, p := range extra {
		if !slices.Contains(keys, p) {
			keys = append(keys, p)
		}
	}
	return keys
}

// run calls fn in the context params describes, and restores the caller's
// afterwards, even when fn throws. A user is found by login in its id
// provider (system by default), without credentials, as XP's
// VerifiedUsernameAuthToken; one that does not exist, or is disabled,
// makes the run anonymous, as XP's authentication does. principals are
// added to those of the run's user; attributes to the caller's.
func (m *Module) run(env *lib.Env, params *goja.Object, fn goja.Callable) goja.Value {
	c := env.Call()
	if c == nil {
		// Outside a call (module set-up) there is no context to change.
		v, err := fn(goja.Undefined())
		if err != nil {
			panic(err)
		}
		return v
	}
	// The run gets a copy of the call's values; the caller's come back
	// when it returns or throws.
	next := make(map[string]any, len(c.Values)+5)
	for k, v := range c.Values {
		next[k] = v
	}
	if s := lib.StringOf(params, "repository"); s != "" {
		next[repositoryKey] = s
	}
	if s := lib.StringOf(params, "branch"); s != "" {
		next[branchKey] = s
	}
	if user, ok := params.Get("user").(*goja.Object); ok && lib.StringOf(user, "login") != "" {
		idp := lib.StringOf(user, "idProvider")
		if idp == "" {
			idp = systemIDProvider
		}
		var u *auth.User
		if m.users != nil {
			u = m.users.User(lib.StringOf(user, "login"), idp)
		}
		if u != nil {
			next[auth.ValueKey] = u
		} else {
			delete(next, auth.ValueKey)
		}
		// Another user's context: the caller's added principals stay
		// behind.
		delete(next, auth.PrincipalsKey)
	}
	if list, ok := export(params, "principals").([]any); ok {
		extra, _ := next[auth.PrincipalsKey].([]string)
		extra = slices.Clone(extra)
		for _, p := range list {
			if s, ok := p.(string); ok && !slices.Contains(extra, s) {
				extra = append(extra, s)
			}
		}
		next[auth.PrincipalsKey] = extra
	}
	if attrs, ok := export(params, "attributes").(map[string]any); ok {
		merged := map[string]any{}
		if old, ok := next[attributesKey].(map[string]any); ok {
			for k, v := range old {
				merged[k] = v
			}
		}
		for k, v := range attrs {
			merged[k] = v
		}
		next[attributesKey] = merged
	}
	old := c.Values
	c.Values = next
	defer func() { c.Values = old }()
	v, err := fn(goja.Undefined())
	if err != nil {
		panic(err)
	}
	return v
}

// export is o[key] as a Go value; nil when absent.
func export(o *goja.Object, key string) any {
	if v := o.Get(key); v != nil {
		return v.Export()
	}
	return nil
}

func stringOr(v any, def string) string {
	if s, ok := v.(string); ok {
		return s
	}
	return def
}
