package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"duplex/controller"
	"duplex/lib"
	xpauth "duplex/lib/auth"
	xpcontext "duplex/lib/context"
	"duplex/lib/dirigible/execcontext"
	"duplex/lib/dirigible/globals"
	"duplex/lib/dirigible/session"
	"duplex/lib/dirigible/websockets"
	"duplex/lib/event"
	"duplex/lib/httpclient"
	"duplex/lib/portal"
	libws "duplex/lib/websocket"
	"duplex/websocket"
)

// App is one loaded application.
type App struct {
	Name    string
	Version string
	Config  map[string]any
	// Files is the resources root; nothing outside it can be read.
	Files  fs.FS
	Engine *controller.Engine
	// Hub holds the application's WebSocket sessions and groups; apps never
	// see each other's.
	Hub *websocket.Hub
	// loaded stands in for the modification time of files that have none
	// (an embedded app), so that conditional GETs still work.
	loaded time.Time
	tags   assetTags
	closer func() error
	dev    bool
	// access caches each service's access control (service name ->
	// serviceAccess); unused in dev mode, where descriptors are re-read.
	access sync.Map
}

// descriptor is app.json.
type descriptor struct {
	Name    string         `json:"name"`
	Version string         `json:"version"`
	Config  map[string]any `json:"config"`
}

// dirigibleProject is the part of an Eclipse Dirigible project.json that
// duplex reads: the project's name.
type dirigibleProject struct {
	GUID string `json:"guid"`
}

// readDescriptor reads app.json; a folder without one that has a
// Dirigible project.json is that project, named by its guid.
func readDescriptor(fsys fs.FS, where string) (descriptor, error) {
	var d descriptor
	data, err := fs.ReadFile(fsys, "app.json")
	if errors.Is(err, fs.ErrNotExist) {
		projectWhere := strings.TrimSuffix(where, "app.json") + "project.json"
		data, perr := fs.ReadFile(fsys, "project.json")
		if perr != nil {
			return d, fmt.Errorf("%s: missing: every application needs an app.json (or, for an Eclipse Dirigible project, a project.json)", where)
		}
		var p dirigibleProject
		if err := json.Unmarshal(data, &p); err != nil {
			return d, fmt.Errorf("%s: invalid JSON: %w", projectWhere, err)
		}
		d.Name = p.GUID
		return d, nil
	}
	if err != nil {
		return d, fmt.Errorf("%s: %w", where, err)
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, fmt.Errorf("%s: invalid JSON: %w", where, err)
	}
	return d, nil
}

// descriptorFile is the descriptor a dev-mode server watches: app.json,
// whose config and version scripts see as `app`.
func descriptorFile(fsys fs.FS, dev bool) string {
	if _, err := fs.Stat(fsys, "app.json"); !dev || err != nil {
		return ""
	}
	return "/app.json"
}

// readAppInfo reads app.json again, for a dev-mode reload.
func readAppInfo(fsys fs.FS, where string) (controller.AppInfo, error) {
	d, err := readDescriptor(fsys, where)
	if err != nil {
		return controller.AppInfo{}, err
	}
	if d.Config == nil {
		d.Config = map[string]any{}
	}
	return controller.AppInfo{Name: d.Name, Version: d.Version, Config: d.Config}, nil
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidName reports whether name may name an application (app.json's
// name, or its folder's): letters, digits, '.', '_' and '-', starting with
// a letter or digit.
func ValidName(name string) bool { return validName.MatchString(name) }

// loadDir loads the application in dir. Its files are read through os.Root,
// so neither "../" nor a symlink can reach outside dir.
func loadDir(dir string, cfg Config, p *Platform) (*App, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("application %s: %w", dir, err)
	}
	a, err := loadFS(root.FS(), filepath.Base(abs), filepath.Join(abs, "app.json"), cfg, p)
	if err != nil {
		root.Close()
		return nil, err
	}
	a.closer = root.Close
	return a, nil
}

// loadFS loads an application from fsys. defaultName is used when app.json
// names none; where tells errors which file app.json is.
func loadFS(fsys fs.FS, defaultName, where string, cfg Config, p *Platform) (*App, error) {
	cfg = cfg.withDefaults()
	d, err := readDescriptor(fsys, where)
	if err != nil {
		return nil, err
	}
	if d.Name == "" {
		d.Name = defaultName
	}
	if !ValidName(d.Name) {
		return nil, fmt.Errorf("%s: name %q: use letters, digits, '.', '_' and '-'", where, d.Name)
	}
	if err := errors.Join(checkServiceDescriptors(fsys), checkControllers(fsys)); err != nil {
		return nil, fmt.Errorf("application %s (%s): %w", d.Name, where, err)
	}
	if d.Config == nil {
		d.Config = map[string]any{}
	}
	log := p.shared.Log.With().Str("app", d.Name).Logger()
	a := &App{Name: d.Name, Version: d.Version, Config: d.Config, Files: fsys, loaded: time.Now().UTC().Truncate(time.Second), dev: cfg.Dev}
	// A nil *Auth must not become a non-nil Provider.
	var users xpauth.Provider
	if p.shared.Auth != nil {
		users = p.shared.Auth
	}
	a.Hub = websocket.NewHub(p.shared.hubOptions(cfg, d.Name), log)
	a.Engine, err = controller.New(controller.Options{
		FS:           fsys,
		App:          controller.AppInfo{Name: d.Name, Version: d.Version, Config: d.Config},
		Descriptor:   descriptorFile(fsys, cfg.Dev),
		ReadApp:      func() (controller.AppInfo, error) { return readAppInfo(fsys, where) },
		Libs:         lib.NewRegistry(a.modules(users, p)...),
		Hub:          a.Hub,
		Workers:      cfg.JSWorkers,
		Timeout:      cfg.JSTimeout,
		MaxCallStack: cfg.JSMaxCallStack,
		EventQueue:   cfg.JSEventQueue,
		MaxBody:      cfg.MaxBody,
		Bodies:       p.bodies,
		Memory:       p.memory,
		Dev:          cfg.Dev,
		Log:          p.shared.Log,
	})
	if err != nil {
		_ = a.Hub.Shutdown(context.Background()) // leaves the cluster
		return nil, fmt.Errorf("application %s: %w", d.Name, err)
	}
	return a, nil
}

// modules are the built-in modules the application's scripts may require.
func (a *App) modules(users xpauth.Provider, p *Platform) []lib.Module {
	mods := []lib.Module{
		libws.New(a.Hub),
		xpauth.New(users),
		xpcontext.New(users),
		portal.New(a.Name, a.assetFingerprint, p.shared.Auth.RedirectTicket),
		event.Module{},
		httpclient.New(p.outbound.DialContext),
		// lib-http-client's older documentation names it so.
		lib.Alias("/lib/xp/http-client", "/lib/http-client"),
		execcontext.Module{},
		session.Module{},
		globals.New(globals.NewStore()),
	}
	return append(mods, websockets.Modules(p.clients)...)
}

// Close ends the application's WebSocket sessions (close 1001, each with its
// close event), waits for running calls and releases its files.
func (a *App) Close(ctx context.Context) error {
	err := a.Hub.Shutdown(ctx)
	err = errors.Join(err, a.Engine.Close(ctx))
	if a.closer != nil {
		err = errors.Join(err, a.closer())
	}
	return err
}
