package portal

import (
	"strings"
	"unicode"

	"github.com/dop251/goja"

	"duplex/lib"
)

// systemIDProvider is the one id provider duplex has: XP's system, whose
// users are the --users file. It is the default of loginUrl and
// idProviderUrl (XP: the virtual host's default id provider) and the id
// provider of logoutUrl (XP: the caller's, which in duplex is always it).
const systemIDProvider = "system"

// identityFunc is one of the id provider's URL functions.
type identityFunc struct {
	name     string // the script's name for it
	function string // the id provider function in the URL; "" for none
	// choose: the script may name the id provider (logoutUrl may not, as
	// in XP: it is the caller's).
	choose bool
}

// identity adds loginUrl, logoutUrl and idProviderUrl to o.
func (m *Module) identity(vm *goja.Runtime, env *lib.Env, o *goja.Object) {
	for _, f := range []identityFunc{
		{name: "loginUrl", function: "login", choose: true},
		{name: "logoutUrl", function: "logout"},
		{name: "idProviderUrl", choose: true},
	} {
		_ = o.Set(f.name, func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(m.identityURL(vm, env, optionalParams(vm, c.Argument(0), f.name), f))
		})
	}
}

// identityURL is XP's IdentityUrlBuilder: <base>/_/idprovider/<id
// provider>[/<function>], then the params, then, when p.redirect is set,
// redirect=<it>&_ticket=<its checksum>. The id provider's endpoint
// follows that redirect only when the ticket matches, so a login link
// cannot be rewritten into an open redirect.
func (m *Module) identityURL(vm *goja.Runtime, env *lib.Env, p *goja.Object, f identityFunc) string {
	key := systemIDProvider
	if v := p.Get("idProvider"); f.choose && v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
		key = v.String()
		checkIDProviderKey(vm, f.name, key)
	}
	// XP's ContextPathType: vhost (the default) strips the content path
	// from the base, relative keeps it; duplex has no content path, so
	// both give one URL, and anything else is an error, as in XP.
	if cp := lib.StringOf(p, "contextPath"); cp != "" && cp != "vhost" && cp != "relative" {
		panic(vm.NewTypeError("%s: contextPath %q: use vhost or relative", f.name, cp))
	}
	origin := callOrigin(vm, env)
	url := appendPart(appendPart(base(origin.Path)+"/_/idprovider", key), f.function)
	var q strings.Builder
	q.WriteString(query(p.Get("params")))
	if redirect := lib.StringOf(p, "redirect"); redirect != "" {
		ticket := ""
		if m.ticket != nil {
			ticket = m.ticket(redirect)
		}
		addParam(&q, "redirect", redirect)
		addParam(&q, "_ticket", ticket)
	}
	return typed(vm, origin, p, url+q.String())
}

// checkIDProviderKey throws where XP's IdProviderKey refuses key: blank,
// the reserved "roles", or holding one of <>"'.
func checkIDProviderKey(vm *goja.Runtime, fn, key string) {
	switch {
	case strings.TrimFunc(key, unicode.IsSpace) == "":
		panic(vm.NewTypeError("%s: idProvider cannot be blank", fn))
	case strings.EqualFold(key, "roles"):
		panic(vm.NewTypeError("%s: idProvider %q is reserved", fn, key))
	case strings.ContainsAny(key, `<>"'`):
		panic(vm.NewTypeError("%s: invalid idProvider %q", fn, key))
	}
}

// optionalParams is params for functions whose argument XP makes
// optional: none is an empty object.
func optionalParams(vm *goja.Runtime, v goja.Value, fn string) *goja.Object {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return vm.NewObject()
	}
	return lib.Params(vm, v, fn)
}
