package lib

import (
	"regexp"
	"strings"

	"github.com/dop251/goja"
)

// Events is an application's event bus, as /lib/xp/event sees it: the
// engine queues what is sent, and runs the listeners of the application's
// main.js on their own runtime, one event at a time, as XP runs them on
// the application's one background thread.
type Events interface {
	// Send queues ev for the application's listeners and, when
	// ev.Distributed, publishes it to the application's other nodes. It
	// fails when the queue is full or the data is too long to travel.
	Send(ev Event) error
	// Listen registers l in the runtime env belongs to; it fails where
	// listeners cannot live (a pooled runtime serving requests).
	Listen(env *Env, l Listener) error
}

// Event is one event as sent.
type Event struct {
	// Type is the full type, "custom.<type>" for a script's own.
	Type        string
	Distributed bool
	// Data is the event's data as JSON: an object.
	Data []byte
}

// Listener is a callback and the events it wants.
type Listener struct {
	Type      *regexp.Regexp
	LocalOnly bool
	Callback  goja.Callable
}

// TypePattern compiles an event type pattern as XP's
// ScriptEventListenerBuilder does: '.' is literal, '*' any run of
// characters, anything else regular-expression syntax, and the pattern
// matches the whole type.
func TypePattern(pattern string) (*regexp.Regexp, error) {
	expr := strings.ReplaceAll(strings.ReplaceAll(pattern, ".", `\.`), "*", ".*")
	return regexp.Compile(`^(?:` + expr + `)$`)
}
