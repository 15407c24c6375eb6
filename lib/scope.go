package lib

import (
	"context"
	"net/http"
)

// Scope is what the server resolved about a request before the engine runs
// it: who is calling. It travels in the request's context, so that the
// engine never reads cookies or credentials itself.
type Scope struct {
	// User is XP's user object of the caller, shown as event.session.user
	// on the WebSocket sessions the request opens; nil when anonymous.
	User map[string]any
	// Values seed Call.Values of every call made for the request, and of
	// every event of a WebSocket session it opens (XP 7.15 runs events in
	// the context captured at the upgrade). They outlive the request, so
	// they must not hold it or its writer.
	Values map[string]any
	// Track, when set, is told of each WebSocket session the request
	// opens, with a function that closes that session; the function it
	// returns runs once the session has ended. The server uses it to close
	// a user's sessions at logout.
	Track func(close func(code int, reason string)) (untrack func())
}

type scopeKey struct{}

// WithScope returns ctx carrying s.
func WithScope(ctx context.Context, s *Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the Scope of ctx, or nil for an anonymous request.
func ScopeFrom(ctx context.Context) *Scope {
	s, _ := ctx.Value(scopeKey{}).(*Scope)
	return s
}

// NewCall starts the Call of one controller invocation from scope (which may
// be nil); w and r are nil for WebSocket events.
func NewCall(scope *Scope, w http.ResponseWriter, r *http.Request) *Call {
	c := MakeCall(scope, w, r)
	return &c
}

// MakeCall is NewCall for a Call that lives inside a larger per-call
// allocation of the caller's (a WebSocket event's objects).
func MakeCall(scope *Scope, w http.ResponseWriter, r *http.Request) Call {
	c := Call{Request: r, Response: w}
	// Most calls carry no values: the map is made only when there are
	// some (a module that stores one makes it itself).
	if scope != nil && len(scope.Values) > 0 {
		c.Values = make(map[string]any, len(scope.Values))
		for k, v := range scope.Values {
			c.Values[k] = v
		}
	}
	return c
}
