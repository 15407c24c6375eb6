package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"duplex/lib/auth"
)

// serviceAccess is the access control of a service's descriptor,
// services/<name>/<name>.json: {"allow": ["role:system.authenticated",
// "user:system:alice"]}. Without a descriptor, or without "allow", anyone
// may call the service; with "allow", only callers holding one of its
// principals (an empty list lets no one in). XP's XML descriptor is not
// read.
type serviceAccess struct {
	allow []string // nil: everyone
	err   error    // the descriptor is unreadable: no one may call
}

// descriptorFile is where a service's descriptor lives. It is never a
// controller: the router runs <name>.js only.
func descriptorFile(name string) string { return "services/" + name + "/" + name + ".json" }

func readServiceAccess(fsys fs.FS, name string) serviceAccess {
	data, err := fs.ReadFile(fsys, descriptorFile(name))
	if errors.Is(err, fs.ErrNotExist) {
		return serviceAccess{}
	}
	if err != nil {
		return serviceAccess{err: err}
	}
	var d struct {
		Allow *[]string `json:"allow"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return serviceAccess{err: fmt.Errorf("%s: %w", descriptorFile(name), err)}
	}
	if d.Allow == nil {
		return serviceAccess{}
	}
	return serviceAccess{allow: append([]string{}, *d.Allow...)}
}

// allows reports whether the caller u (nil: anonymous) may call the
// service.
func (s serviceAccess) allows(u *auth.User) bool {
	if s.err != nil {
		return false
	}
	if s.allow == nil {
		return true
	}
	for _, p := range s.allow {
		if auth.HasPrincipal(u, p) {
			return true
		}
	}
	return false
}

// serviceAccess returns the access control of service name, read once (on
// every call in dev mode, so that edits apply).
func (a *App) serviceAccess(name string) serviceAccess {
	if a.dev {
		return readServiceAccess(a.Files, name)
	}
	if v, ok := a.access.Load(name); ok {
		return v.(serviceAccess)
	}
	v, _ := a.access.LoadOrStore(name, readServiceAccess(a.Files, name))
	return v.(serviceAccess)
}
