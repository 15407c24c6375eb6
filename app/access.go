package app

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"duplex/lib/auth"
)

// serviceAccess is the access control of a service's descriptor: XP's
// services/<name>/<name>.xml,
//
//	<service><allow><principal>role:system.authenticated</principal></allow></service>
//
// or duplex's services/<name>/<name>.json, {"allow": ["role:...",
// "user:system:alice"]}. Without a descriptor, or without an allow list,
// anyone may call the service; with one, only callers holding one of its
// principals (an empty list lets no one in).
type serviceAccess struct {
	allow []string // nil: everyone
	err   error    // the descriptor is unreadable: no one may call
}

// descriptorFiles are where a service's descriptor may live, XP's form
// first. Neither is ever a controller: the router runs <name>.js only.
func descriptorFiles(name string) [2]string {
	base := "services/" + name + "/" + name
	return [2]string{base + ".xml", base + ".json"}
}

// readServiceAccess reads the descriptor of service name. Both forms at
// once is an error: which one holds would be a guess.
func readServiceAccess(fsys fs.FS, name string) serviceAccess {
	var found []string
	var access serviceAccess
	for _, file := range descriptorFiles(name) {
		data, err := fs.ReadFile(fsys, file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		found = append(found, file)
		if err != nil {
			access = serviceAccess{err: err}
			continue
		}
		allow, err := parseAllow(file, data)
		if err != nil {
			access = serviceAccess{err: fmt.Errorf("%s: %w", file, err)}
			continue
		}
		access = serviceAccess{allow: allow}
	}
	if len(found) > 1 {
		return serviceAccess{err: fmt.Errorf("%s and %s: one descriptor per service (remove one)", found[0], found[1])}
	}
	return access
}

// parseAllow reads the allow list of one descriptor; nil: everyone.
func parseAllow(file string, data []byte) ([]string, error) {
	if strings.HasSuffix(file, ".json") {
		var d struct {
			Allow *[]string `json:"allow"`
		}
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, err
		}
		if d.Allow == nil {
			return nil, nil
		}
		return append([]string{}, *d.Allow...), nil
	}
	// XP's schema: <service> with an optional <allow> of <principal>s
	// (and <mounts>, which has no meaning here).
	var d struct {
		XMLName xml.Name `xml:"service"`
		Allow   *struct {
			Principals []string `xml:"principal"`
		} `xml:"allow"`
	}
	if err := xml.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	if d.Allow == nil {
		return nil, nil
	}
	allow := make([]string, 0, len(d.Allow.Principals))
	for _, p := range d.Allow.Principals {
		allow = append(allow, strings.TrimSpace(p))
	}
	return allow, nil
}

// checkServiceDescriptors reads every service descriptor of an application
// as it loads: one duplex cannot read stops the start, naming the file,
// rather than locking its service at the first call.
func checkServiceDescriptors(fsys fs.FS) error {
	dirs, err := fs.ReadDir(fsys, "services")
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		if access := readServiceAccess(fsys, path.Base(d.Name())); access.err != nil {
			errs = append(errs, access.err)
		}
	}
	return errors.Join(errs...)
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
