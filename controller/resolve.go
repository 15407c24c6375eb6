package controller

import (
	"errors"
	"io/fs"
	"path"
	"strings"
)

// ErrOutsideApp is returned for a module path that climbs above the app root.
var ErrOutsideApp = errors.New("path leaves the application")

// joinModulePath resolves spec the way XP's RequireResolver does: a leading
// "/" is absolute inside the app, anything else (even a bare "name") is
// relative to dir. Unlike path.Clean it refuses to clamp "/../x" to "/x",
// because a require that names a file outside the app must fail, not quietly
// load another one.
func joinModulePath(dir, spec string) (string, error) {
	if spec == "" {
		return "", errors.New("empty module path")
	}
	if strings.ContainsRune(spec, 0) || strings.Contains(spec, "\\") {
		return "", errors.New("invalid module path " + spec)
	}
	full := spec
	if !strings.HasPrefix(spec, "/") {
		full = dir + "/" + spec
	}
	var parts []string
	for _, seg := range strings.Split(full, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(parts) == 0 {
				return "", ErrOutsideApp
			}
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, seg)
		}
	}
	if len(parts) == 0 {
		return "", errors.New("module path names the app root")
	}
	return "/" + strings.Join(parts, "/"), nil
}

// moduleCandidates lists the files a resolved path may name: XP's order
// (".js", "/index.js", ".json", "/index.json"), then the other script
// extensions, so that an XP app resolves as it did. A path with an extension names
// that file, except that "x.js" may also be x.ts (TypeScript's way to name
// its own modules) and "x.mjs" x.mts.
func moduleCandidates(p string) []string {
	switch ext := path.Ext(path.Base(p)); ext {
	case "":
		out := append(make([]string, 0, 2*len(scriptExtensions)+2), p+".js", p+"/index.js", p+".json", p+"/index.json")
		for _, e := range scriptExtensions[1:] {
			out = append(out, p+e, p+"/index"+e)
		}
		return out
	case ".js", ".mjs", ".cjs":
		return []string{p, strings.TrimSuffix(p, ext) + strings.Replace(ext, "js", "ts", 1)}
	default:
		return []string{p}
	}
}

// findModule returns the first candidate that is a regular file in fsys.
// Errors other than "does not exist" (a symlink out of the app, say) stop the
// search: they must not be masked by a later candidate.
func findModule(fsys fs.FS, p string) (string, error) {
	tried := moduleCandidates(p)
	for _, c := range tried {
		info, err := fs.Stat(fsys, c[1:])
		if err == nil {
			if info.Mode().IsRegular() {
				return c, nil
			}
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", &ModuleNotFoundError{Path: p, Tried: tried}
}

// ModuleNotFoundError says which module could not be found, and where it
// was looked for.
type ModuleNotFoundError struct {
	Path  string
	Tried []string
}

func (e *ModuleNotFoundError) Error() string { return "module " + e.Path + " not found" }

// tried lists the paths looked at, XP's in full and the others by their
// extensions: fourteen paths would bury the message.
func (e *ModuleNotFoundError) tried() string {
	if len(e.Tried) <= 4 {
		return strings.Join(e.Tried, ", ")
	}
	return strings.Join(e.Tried[:4], ", ") + " and the same with " + strings.Join(scriptExtensions[1:], ", ")
}
