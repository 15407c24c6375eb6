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

// moduleCandidates lists, in XP's order, the files a resolved path may name.
func moduleCandidates(p string) []string {
	if path.Ext(path.Base(p)) != "" {
		return []string{p}
	}
	return []string{p + ".js", p + "/index.js", p + ".json", p + "/index.json"}
}

// findModule returns the first candidate that is a regular file in fsys.
// Errors other than "does not exist" (a symlink out of the app, say) stop the
// search: they must not be masked by a later candidate.
func findModule(fsys fs.FS, p string) (string, error) {
	for _, c := range moduleCandidates(p) {
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
	return "", &ModuleNotFoundError{Path: p}
}

// ModuleNotFoundError says which module could not be found.
type ModuleNotFoundError struct{ Path string }

func (e *ModuleNotFoundError) Error() string { return "module " + e.Path + " not found" }
