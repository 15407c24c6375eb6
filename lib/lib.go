// Package lib holds duplex's built-in JavaScript modules, the ones a
// controller reaches with require('/lib/xp/...'). Each module is its own Go
// package below this one; this file is only the contract between them and the
// JavaScript engine that instantiates them.
package lib

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"

	"duplex/websocket"
)

// Module is one built-in module. The engine calls Instantiate once per goja
// runtime, the first time a script of that runtime requires Path, so a
// module's state may be shared across runtimes (a websocket hub) while the
// JavaScript objects it hands out never are.
type Module interface {
	// Path is the import path, e.g. "/lib/xp/websocket".
	Path() string
	// Instantiate builds the module's exports for one runtime.
	Instantiate(env *Env) (goja.Value, error)
}

// Env is what a module instance may use of the runtime it lives in.
type Env struct {
	VM  *goja.Runtime
	Log zerolog.Logger
	// Call returns the state of the controller call the runtime is executing,
	// or nil between calls; modules such as auth read the current request
	// from it.
	Call func() *Call
	// Require returns another built-in module's exports in this runtime, the
	// same object a script's require gets, so that an alias (sdk/net's
	// websockets) is the module it names and not a copy.
	Require func(path string) (goja.Value, error)
	// Defer registers fn to run when the current call's script returns (or
	// fails), before the runtime serves anyone else: core/globals writes
	// back there what a script changed in a shared value.
	Defer func(fn func())
	// Deadline is when the current call's time limit (--js-timeout)
	// interrupts it: a module that waits on the network (createWebsocket's
	// connect) gives up before it, so that the script can still catch the
	// failure. Zero between calls.
	Deadline func() time.Time
	// JSON serializes a value as the script's JSON.stringify would (its
	// toJSON methods run), bounded as the engine bounds it: nesting past
	// its depth limit and an interrupted call are errors, not a stalled or
	// crashed process. undefined and functions give "null".
	JSON func(goja.Value) ([]byte, error)
	// Events is the application's event bus (/lib/xp/event).
	Events Events
}

// Bounded is a context for work a module waits on for the call (the
// network): it ends after d at most, and a little before the call's
// --js-timeout interrupts it, so that the script can still catch the
// failure.
func (e *Env) Bounded(d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	if e.Deadline == nil {
		return ctx, cancel
	}
	deadline := e.Deadline()
	if deadline.IsZero() {
		return ctx, cancel
	}
	margin := min(100*time.Millisecond, time.Until(deadline)/10)
	bounded, cancelBounded := context.WithDeadline(ctx, deadline.Add(-margin))
	return bounded, func() { cancelBounded(); cancel() }
}

// Call is the per-invocation context of one controller call.
type Call struct {
	// Values carries per-call state keyed by module, e.g. the authenticated
	// user; the engine seeds it from the request's Scope for every call.
	// It is nil when there is nothing to seed: reading a nil map is fine,
	// a module that stores into it makes it first.
	Values map[string]any
	// Request and Response are the HTTP exchange the call serves, so that a
	// module can act on it (/lib/xp/auth sets its cookie at login). Both are
	// nil for WebSocket events: their upgrade request is long over.
	Request  *http.Request
	Response http.ResponseWriter
	// Session is the WebSocket session whose event the call handles, nil
	// for HTTP: /lib/xp/websocket writes a reply to it when the handler
	// returns, in one write with the handler's other replies.
	Session *websocket.Session
	// Context is Eclipse Dirigible's execution context (its __context):
	// what core/context reads and the event that net/websockets describes
	// (method, message, error, handler). Nil for calls that have none.
	Context map[string]any
	// Upgrade is where the request that opened Session came to, for the
	// events of XP controllers' sessions (Call.Origin).
	Upgrade *Endpoint
	// ThisNodeOnly is set while a listener handles a distributed event,
	// one that every node of a cluster handles: /lib/xp/websocket then
	// reaches this node's sessions only, as XP's always does.
	ThisNodeOnly bool
}

// Registry maps import paths to modules. It is built once per application and
// read concurrently afterwards.
type Registry struct {
	modules map[string]Module
}

// NewRegistry registers mods by their paths; a later module with the same
// path replaces an earlier one, so an application can override a default.
func NewRegistry(mods ...Module) *Registry {
	r := &Registry{modules: make(map[string]Module, len(mods))}
	for _, m := range mods {
		r.modules[m.Path()] = m
	}
	return r
}

// Lookup returns the module registered at path.
func (r *Registry) Lookup(path string) (Module, bool) {
	if r == nil {
		return nil, false
	}
	m, ok := r.modules[path]
	return m, ok
}

// Paths lists the import paths registered, sorted: what an error about a
// missing module tells the user exists.
func (r *Registry) Paths() []string {
	if r == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(r.modules))
}
