package portal

import (
	"strings"
	"unicode"

	"github.com/dop251/goja"

	"duplex/lib"
)

// generate is url({path, params, type}) as XP's GenerateUrlBuilder makes
// it: the path alone, without the base of the calling controller (XP
// clears it), each of its segments trimmed and path-escaped, empty ones
// dropped, then the params. The path is a path: an absolute URL given
// there loses its "//" as in XP.
func generate(vm *goja.Runtime, env *lib.Env, p *goja.Object) string {
	path := lib.StringOf(p, "path")
	if path == "" {
		panic(vm.NewTypeError("url: path is required"))
	}
	origin := callOrigin(vm, env)
	return typed(vm, origin, p, appendPart("", path)+query(p.Get("params")))
}

// appendPart is XP's PortalUrlBuilder.appendPart: part, normalized,
// after url and a "/" ("" adds nothing).
func appendPart(url, part string) string {
	if part == "" {
		return url
	}
	if !strings.HasSuffix(url, "/") {
		url += "/"
	}
	return url + normalizePath(part)
}

// normalizePath is XP's PortalUrlBuilder.normalizePath: a part without
// "/" is one escaped segment; otherwise its segments are trimmed of
// white space (Guava's Splitter.trimResults), the empty ones dropped, and
// each escaped.
func normalizePath(part string) string {
	if !strings.Contains(part, "/") {
		return pathEscape(part)
	}
	var segments []string
	for _, s := range strings.Split(part, "/") {
		if s = strings.TrimFunc(s, unicode.IsSpace); s != "" {
			segments = append(segments, pathEscape(s))
		}
	}
	return strings.Join(segments, "/")
}

// pathEscape is Guava's urlPathSegmentEscaper: letters, digits and
// -._~!$&'()*,;=@:+ stay, every other byte of the UTF-8 is %XX.
func pathEscape(s string) string { return percentEscape(s, "-._~!$&'()*,;=@:+", false) }
