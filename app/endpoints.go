package app

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// endpoint is one *.websocket descriptor: Eclipse Dirigible's server
// WebSocket at /websockets/v4/service/<name> (and /websockets/service/<name>),
// whose events go to the handler module.
type endpoint struct {
	name    string
	handler string // as Dirigible names modules: "my-project/ws-handler"
	app     *App   // whose files hold the descriptor
	file    string // the descriptor, in app's files
}

// endpointDescriptor is a *.websocket file. Dirigible's synchroniser also
// wrote location, createdBy and createdAt into it; they are ignored.
type endpointDescriptor struct {
	Handler     *string `json:"handler"`
	Endpoint    *string `json:"endpoint"`
	Description string  `json:"description"`
	Engine      string  `json:"engine"`
}

// endpointName is what may follow /websockets/v4/service/: one URL path
// segment.
var endpointName = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// endpointTable maps endpoint names to descriptors, over every
// application. Names are one namespace, as in Dirigible, whose table had a
// UNIQUE endpoint column.
type endpointTable struct {
	dev bool

	mu     sync.Mutex
	files  map[string]*endpointFile // app name + ":" + path -> what it held
	byName map[string]*endpoint
}

// endpointFile is what a descriptor held when it was last read.
type endpointFile struct {
	mod  time.Time
	size int64
	ep   *endpoint // nil when the file is invalid
}

func newEndpointTable(dev bool) *endpointTable {
	return &endpointTable{dev: dev, files: map[string]*endpointFile{}, byName: map[string]*endpoint{}}
}

// scan reads the descriptors of apps: all of them the first time, then
// (dev mode) those that are new or changed, dropping the removed ones. An
// invalid descriptor is one error line naming its file, when it is first
// seen so; it serves nothing, and everything else is served.
func (t *endpointTable) scan(apps []*App, log zerolog.Logger) {
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := map[string]bool{}
	changed := false
	for _, a := range apps {
		_ = fs.WalkDir(a.Files, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // an unreadable folder hides its descriptors only
			}
			if d.IsDir() {
				if p != "." && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir // .git and friends
				}
				return nil
			}
			if !strings.HasSuffix(d.Name(), ".websocket") || !d.Type().IsRegular() {
				return nil
			}
			key := a.Name + ":" + p
			seen[key] = true
			info, err := d.Info()
			if err != nil {
				return nil
			}
			if old, ok := t.files[key]; ok && old.mod.Equal(info.ModTime()) && old.size == info.Size() {
				return nil
			}
			changed = true
			df := &endpointFile{mod: info.ModTime(), size: info.Size()}
			ep, err := readEndpoint(a, p)
			if err != nil {
				log.Error().Str("app", a.Name).Str("file", p).Str("error", err.Error()).Msg("WebSocket descriptor not served")
			} else {
				df.ep = ep
			}
			t.files[key] = df
			return nil
		})
	}
	for key := range t.files {
		if !seen[key] {
			delete(t.files, key)
			changed = true
		}
	}
	if changed {
		t.rebuild(apps, log)
	}
}

// rebuild makes byName from the files; when two descriptors name the same
// endpoint, the first in application and path order keeps it.
func (t *endpointTable) rebuild(apps []*App, log zerolog.Logger) {
	order := map[string]int{}
	for i, a := range apps {
		order[a.Name] = i
	}
	var eps []*endpoint
	for _, df := range t.files {
		if df.ep != nil {
			eps = append(eps, df.ep)
		}
	}
	slices.SortFunc(eps, func(a, b *endpoint) int {
		if d := order[a.app.Name] - order[b.app.Name]; d != 0 {
			return d
		}
		return strings.Compare(a.file, b.file)
	})
	byName := map[string]*endpoint{}
	for _, ep := range eps {
		if first, taken := byName[ep.name]; taken {
			log.Error().Str("app", ep.app.Name).Str("file", ep.file).Str("endpoint", ep.name).
				Str("taken_by", first.app.Name+":"+first.file).
				Msg("WebSocket descriptor not served: its endpoint is already taken")
			continue
		}
		byName[ep.name] = ep
	}
	t.byName = byName
}

// lookup returns the endpoint called name, nil when there is none. In dev
// mode it looks at the disk first, so that descriptors added, edited or
// removed since are seen.
func (t *endpointTable) lookup(name string, apps []*App, log zerolog.Logger) *endpoint {
	if t.dev {
		t.scan(apps, log)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byName[name]
}

// readEndpoint reads the descriptor p of a.
func readEndpoint(a *App, p string) (*endpoint, error) {
	data, err := fs.ReadFile(a.Files, p)
	if err != nil {
		return nil, err
	}
	var d endpointDescriptor
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, errors.New("invalid JSON: " + err.Error())
	}
	switch {
	case d.Handler == nil || strings.TrimSpace(*d.Handler) == "":
		return nil, errors.New(`no "handler": name the handler module, e.g. "my-project/ws-handler"`)
	case d.Endpoint == nil || *d.Endpoint == "":
		return nil, errors.New(`no "endpoint": name the endpoint, e.g. "my-endpoint"`)
	case !endpointName.MatchString(*d.Endpoint) || *d.Endpoint == "." || *d.Endpoint == "..":
		return nil, errors.New(`"endpoint" ` + *d.Endpoint + `: use letters, digits, '.', '_', '~' and '-'`)
	}
	return &endpoint{name: *d.Endpoint, handler: strings.TrimSpace(*d.Handler), app: a, file: path.Clean(p)}, nil
}
