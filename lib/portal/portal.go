// Package portal is /lib/xp/portal: the URLs a controller hands to a
// browser, built as XP's PortalUrlBuilder builds them, from the request
// the call serves (for a WebSocket event, the upgrade request). The page
// that gives the browser its ws:// URL is the first line of most XP
// WebSocket apps.
package portal

import (
	"errors"
	"strings"

	"github.com/dop251/goja"

	"duplex/lib"
)

// errNoRequest: a URL is built from a request, and a module's set-up has
// none.
var errNoRequest = errors.New("portal: no request to build the URL from (call it from a controller or a WebSocket event)")

// Module serves one application's scripts.
type Module struct {
	app         string
	fingerprint func() string
	ticket      func(redirect string) string
}

// New returns the module of application app; fingerprint is the part of
// asset URLs that changes when the app's files may have (XP: the app's
// modification time in hex); ticket signs the redirect of a login or
// logout URL, so that the id provider follows only redirects that the
// server's own scripts asked for (XP's RedirectChecksumService).
func New(app string, fingerprint func() string, ticket func(redirect string) string) *Module {
	return &Module{app: app, fingerprint: fingerprint, ticket: ticket}
}

// Path implements lib.Module.
func (m *Module) Path() string { return "/lib/xp/portal" }

// Instantiate implements lib.Module.
func (m *Module) Instantiate(env *lib.Env) (goja.Value, error) {
	vm := env.VM
	o := vm.NewObject()
	_ = o.Set("serviceUrl", func(c goja.FunctionCall) goja.Value {
		p := lib.Params(vm, c.Argument(0), "serviceUrl")
		service := lib.StringOf(p, "service")
		if service == "" {
			panic(vm.NewTypeError("serviceUrl: service is required"))
		}
		app := lib.StringOf(p, "application")
		if app == "" {
			app = m.app
		}
		return vm.ToValue(m.build(vm, env, p, "/_/service/"+app+"/"+service))
	})
	_ = o.Set("assetUrl", func(c goja.FunctionCall) goja.Value {
		p := lib.Params(vm, c.Argument(0), "assetUrl")
		app := lib.StringOf(p, "application")
		key := app
		if app == "" || app == m.app {
			key = m.app + ":" + m.fingerprint()
		}
		return vm.ToValue(m.build(vm, env, p, "/_/asset/"+key+"/"+strings.TrimPrefix(lib.StringOf(p, "path"), "/")))
	})
	_ = o.Set("url", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(generate(vm, env, lib.Params(vm, c.Argument(0), "url")))
	})
	m.identity(vm, env, o)
	return o, nil
}

// build is base + path + the query of p.params, server-relative or, by
// p.type, absolute (http[s]://) or for a WebSocket (ws[s]://).
func (m *Module) build(vm *goja.Runtime, env *lib.Env, p *goja.Object, path string) string {
	origin := callOrigin(vm, env)
	return typed(vm, origin, p, base(origin.Path)+path+query(p.Get("params")))
}

// callOrigin is the request the call's URLs are built from.
func callOrigin(vm *goja.Runtime, env *lib.Env) lib.Origin {
	origin, ok := env.Call().Origin()
	if !ok {
		panic(vm.NewGoError(errNoRequest))
	}
	return origin
}

// typed is the server-relative url as p.type asks for it: as it is
// (server, the default), absolute (http[s]://host[:port]) or for a
// WebSocket (ws[s]://host[:port]), with the host and port the client used.
func typed(vm *goja.Runtime, origin lib.Origin, p *goja.Object, url string) string {
	switch kind := lib.StringOf(p, "type"); kind {
	case "", "server":
		return url
	case "absolute":
		return origin.Scheme + "://" + origin.HostPort(origin.Scheme) + url
	case "websocket":
		scheme := "ws"
		if origin.Scheme == "https" {
			scheme = "wss"
		}
		return scheme + "://" + origin.HostPort(scheme) + url
	default:
		panic(vm.NewTypeError("type %q: use server, absolute or websocket", kind))
	}
}

// base is where the calling controller is mounted, as XP rewrites it: the
// path before the first /_/ (a service under a webapp keeps the webapp's
// base), else a webapp's /webapp/<app>, else the root.
func base(path string) string {
	if i := strings.Index(path, "/_/"); i >= 0 {
		return path[:i]
	}
	if rest, ok := strings.CutPrefix(path, "/webapp/"); ok {
		app, _, _ := strings.Cut(rest, "/")
		return "/webapp/" + app
	}
	return ""
}

// query is params as XP writes them: form-encoded, an array as the name
// repeated, in the object's order; "" without any.
func query(v goja.Value) string {
	o, ok := v.(*goja.Object)
	if !ok || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	var b strings.Builder
	add := func(k string, v goja.Value) {
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			return
		}
		addParam(&b, k, v.String())
	}
	for _, k := range o.Keys() {
		val := o.Get(k)
		if arr, ok := val.(*goja.Object); ok && arr.ClassName() == "Array" {
			for _, i := range arr.Keys() {
				add(k, arr.Get(i))
			}
			continue
		}
		add(k, val)
	}
	return b.String()
}

// addParam appends name=value, form-encoded, to the query in b ("" or
// "?...").
func addParam(b *strings.Builder, name, value string) {
	if b.Len() == 0 {
		b.WriteByte('?')
	} else {
		b.WriteByte('&')
	}
	b.WriteString(formEscape(name))
	b.WriteByte('=')
	b.WriteString(formEscape(value))
}

// formEscape is Guava's urlFormParameterEscaper, which XP uses: letters,
// digits and -_.* stay, a space becomes +, every other byte of the UTF-8
// is %XX.
func formEscape(s string) string { return percentEscape(s, "-_.*", true) }

// percentEscape is Guava's PercentEscaper: ASCII letters, digits and the
// bytes of safe stay, a space becomes + when plusForSpace, and every
// other byte of the UTF-8 is %XX.
func percentEscape(s, safe string, plusForSpace bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte(safe, c) >= 0:
			b.WriteByte(c)
		case c == ' ' && plusForSpace:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
