package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rs/zerolog"

	"duplex/controller"
	"duplex/lib"
	"duplex/lib/dirigible/websockets"
	"duplex/lib/outbound"
	"duplex/websocket"
)

// Platform is what one server runs: its applications, by name, and what
// Eclipse Dirigible's APIs share between them. Dirigible names modules
// across projects ("my-project/ws-handler"), lists every outbound client to
// every script, and takes endpoint names from one namespace.
type Platform struct {
	cfg      Config
	shared   Shared
	log      zerolog.Logger
	apps     []*App
	byName   map[string]*App
	dirs     map[string]string // app name -> where it was loaded from
	clients  *websockets.Clients
	endpoint *endpointTable
	// channel holds the sessions of Dirigible 2's service channel
	// (/service/js); nil unless Config.DirigibleV2.
	channel *websocket.Hub
	// bodies bounds the request bodies all applications hold at once.
	bodies *controller.BodyBudget
	// memory stops scripts that run the heap past --js-max-memory; nil
	// without a limit.
	memory *controller.MemoryGuard
	// outbound is where scripts may connect (--outbound-allow): the
	// Dirigible client and /lib/http-client dial through it.
	outbound *outbound.Policy
	// proxies may say, in X-Forwarded-*, who the client is (--trust-proxy).
	proxies trustedProxies
}

// outboundSetting is what opens exceptions to the outbound policy.
const outboundSetting = "--outbound-allow (DUPLEX_OUTBOUND_ALLOW)"

// NewPlatform prepares an empty platform; load applications into it with
// LoadDir and LoadFS.
func NewPlatform(cfg Config, sh Shared) (*Platform, error) {
	cfg = cfg.withDefaults()
	policy, err := outbound.New(cfg.OutboundAllow, outboundSetting)
	if err != nil {
		return nil, err
	}
	proxies, err := parseTrustedProxies(cfg.TrustProxy)
	if err != nil {
		return nil, err
	}
	if cfg.MaxBufferedBodies < cfg.MaxBody {
		return nil, fmt.Errorf("--max-buffered-bodies %d is less than --max-body %d: a body of the largest allowed size could never be read", cfg.MaxBufferedBodies, cfg.MaxBody)
	}
	p := &Platform{
		cfg:      cfg,
		shared:   sh,
		log:      sh.Log,
		byName:   map[string]*App{},
		dirs:     map[string]string{},
		endpoint: newEndpointTable(cfg.Dev),
		bodies:   controller.NewBodyBudget(cfg.MaxBufferedBodies),
		outbound: policy,
		proxies:  proxies,
	}
	p.clients = websockets.NewClients(websockets.ClientsOptions{
		Max:            cfg.MaxClients,
		ConnectTimeout: cfg.JSTimeout,
		Dial: websocket.ClientOptions{
			NetDial:      policy.DialContext,
			MaxMessage:   cfg.WebSocket.MaxMessage,
			WriteTimeout: cfg.WebSocket.WriteTimeout,
		},
		Dispatcher: p,
		Setting:    "--ws-max-clients (DUPLEX_WS_MAX_CLIENTS)",
		Log:        sh.Log.With().Str("component", "websocket-client").Logger(),
	})
	if cfg.JSMaxMemory > 0 {
		p.memory = controller.NewMemoryGuard(cfg.JSMaxMemory, sh.Log)
	}
	if cfg.DirigibleV2 {
		// No application: the channel's sessions are this node's alone.
		p.channel = websocket.NewHub(sh.hubOptions(cfg, ""), sh.Log.With().Str("channel", "/service/js").Logger())
	}
	return p, nil
}

// LoadDir loads the application in dir.
func (p *Platform) LoadDir(dir string) (*App, error) {
	a, err := loadDir(dir, p.cfg, p)
	if err != nil {
		return nil, err
	}
	return a, p.add(a, filepath.Clean(dir))
}

// LoadFS loads an application from fsys (the bundled chat); defaultName is
// used when app.json names none, where names app.json in errors.
func (p *Platform) LoadFS(fsys fs.FS, defaultName, where string) (*App, error) {
	a, err := loadFS(fsys, defaultName, where, p.cfg, p)
	if err != nil {
		return nil, err
	}
	return a, p.add(a, where)
}

func (p *Platform) add(a *App, where string) error {
	if other, dup := p.dirs[a.Name]; dup {
		_ = a.Close(context.Background())
		return errors.New("two applications are named " + a.Name + ": " + other + " and " + where)
	}
	p.dirs[a.Name] = where
	p.byName[a.Name] = a
	p.apps = append(p.apps, a)
	return nil
}

// resolve finds the application and file of a module named as Dirigible
// names it: "my-project/ws-handler", "/my-project/handlers/upper",
// "my-project/templ-service-handler.js" — the project (application) first,
// then the path inside it, ".js" optional.
func (p *Platform) resolve(ref string) (*App, string, error) {
	name, rest, ok := strings.Cut(strings.TrimPrefix(ref, "/"), "/")
	if !ok || name == "" || rest == "" {
		return nil, "", fmt.Errorf("module %q: name it as project/path, e.g. my-project/ws-handler", ref)
	}
	a, ok := p.byName[name]
	if !ok {
		return nil, "", fmt.Errorf("module %q: no application is named %s", ref, name)
	}
	file, err := a.Engine.ResolveModule("/" + rest)
	if err != nil {
		return nil, "", fmt.Errorf("module %q: %w", ref, err)
	}
	return a, file, nil
}

// resolveModule is resolve for the service channel.
func (p *Platform) resolveModule(module string) (*controller.Engine, string, error) {
	a, file, err := p.resolve(module)
	if err != nil {
		return nil, "", err
	}
	return a.Engine, file, nil
}

// Dispatch implements lib.HandlerDispatcher for the outbound clients.
func (p *Platform) Dispatch(ref string, ev lib.HandlerEvent, from *lib.Env) error {
	a, file, err := p.resolve(ref)
	if err != nil {
		return err
	}
	return a.Engine.Dispatch(file, ref, ev, from)
}

// Check implements lib.HandlerDispatcher.
func (p *Platform) Check(ref string) error {
	_, _, err := p.resolve(ref)
	return err
}

// shutdown closes what the platform holds beside the applications: the
// outbound clients (1001, each with its onClose) and the service channel's
// sessions. It runs beside the applications' own shutdown.
func (p *Platform) shutdown(ctx context.Context) error {
	var wg sync.WaitGroup
	var clientsErr, channelErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		clientsErr = p.clients.Shutdown(ctx)
	}()
	if p.channel != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			channelErr = p.channel.Shutdown(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(clientsErr, channelErr)
}

// Close shuts down what the platform holds and closes every application;
// for a platform that never served (start-up failed).
func (p *Platform) Close(ctx context.Context) error {
	err := p.shutdown(ctx)
	for _, a := range p.apps {
		err = errors.Join(err, a.Close(ctx))
	}
	p.stopMemoryGuard()
	return err
}

func (p *Platform) stopMemoryGuard() {
	if p.memory != nil {
		p.memory.Stop()
	}
}
