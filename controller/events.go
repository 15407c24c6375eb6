package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"duplex/lib"
)

// DefaultEventQueue is Options.EventQueue when left zero.
const DefaultEventQueue = 1024

// Why events were not delivered, as duplex_js_events_dropped_total counts
// them.
const (
	DropQueueFull = "queue_full" // the listeners fell behind (--js-event-queue)
	DropInvalid   = "invalid"    // another node sent what no duplex node sends
	DropStopping  = "stopping"   // still queued when the application stopped
)

// queued is one event waiting for the application's listeners.
type queued struct {
	// event is the object listeners get, as JSON, with localOrigin false.
	event       []byte
	typ         string
	local       bool // sent on this node
	distributed bool
}

// eventStats counts the events not delivered, by drop reason.
type eventStats struct {
	queueFull, invalid, stopping atomic.Int64
	// logged is when a drop was last logged (unix nanos): a flood must not
	// flood the log too.
	logged atomic.Int64
}

func (s *eventStats) snapshot() map[string]int64 {
	return map[string]int64{
		DropQueueFull: s.queueFull.Load(),
		DropInvalid:   s.invalid.Load(),
		DropStopping:  s.stopping.Load(),
	}
}

// bus is the engine as /lib/xp/event sees it (lib.Events).
type bus struct{ e *Engine }

// Send implements lib.Events. The event is encoded once, as the JSON of
// the object listeners get: that is what the local queue holds and what
// the other nodes receive, so a listener sees the same data wherever the
// event came from, and runtimes never share a JavaScript value.
func (b bus) Send(ev lib.Event) error {
	e := b.e
	body := encodeEvent(ev, time.Now())
	if hub := e.opts.Hub; hub != nil && int64(len(body)) > hub.MaxEvent() {
		return fmt.Errorf("event.send: the event is %d bytes as JSON, longer than the %d that --ws-max-message allows", len(body), hub.MaxEvent())
	}
	if m := e.main; m != nil {
		if !m.enqueue(queued{event: body, typ: ev.Type, local: true, distributed: ev.Distributed}) {
			e.events.queueFull.Add(1)
			return fmt.Errorf("event.send: %d events wait for the listeners of main.js already (--js-event-queue); not sent", cap(m.queue))
		}
	}
	if ev.Distributed && e.opts.Hub != nil {
		e.opts.Hub.PublishEvent(body)
	}
	return nil
}

// errNoMain refuses a listener outside main.js.
var errNoMain = errors.New("event.listener: register listeners in main.js: they run on the application's own runtime, one event at a time, not on the runtimes that serve requests")

// Listen implements lib.Events.
func (b bus) Listen(env *lib.Env, l lib.Listener) error {
	m := b.e.main
	if m == nil || m.env.Load() != env {
		return errNoMain
	}
	m.listeners = append(m.listeners, l) // env is the loop's runtime: the loop goroutine runs this
	return nil
}

// encodeEvent is the object XP's listeners get (ScriptEventListenerImpl),
// as JSON, its properties in XP's order.
func encodeEvent(ev lib.Event, now time.Time) []byte {
	typ, _ := json.Marshal(ev.Type) // a string always marshals
	b := make([]byte, 0, len(ev.Data)+len(typ)+96)
	b = append(b, `{"type":`...)
	b = append(b, typ...)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, now.UnixMilli(), 10)
	b = append(b, `,"localOrigin":false,"distributed":`...)
	b = strconv.AppendBool(b, ev.Distributed)
	b = append(b, `,"data":`...)
	b = append(b, ev.Data...)
	return append(b, '}')
}

// remoteEvent is what a node must find in another node's event.
type remoteEvent struct {
	Type        string          `json:"type"`
	Distributed bool            `json:"distributed"`
	Data        json.RawMessage `json:"data"`
}

// received queues an event another node published. It runs on the
// cluster's receiving goroutine, so it never waits: when the listeners
// are behind, the event is dropped, counted and logged.
func (e *Engine) received(body []byte) {
	var ev remoteEvent
	if err := json.Unmarshal(body, &ev); err != nil || !ev.Distributed || len(ev.Data) == 0 || ev.Data[0] != '{' {
		e.events.invalid.Add(1)
		e.logDrop("event from another node is not one a duplex node sends; dropped", DropInvalid)
		return
	}
	if !e.main.enqueue(queued{event: body, typ: ev.Type, distributed: true}) {
		e.events.queueFull.Add(1)
		e.logDrop("event from another node dropped: the listeners of main.js are behind (raise --js-event-queue)", DropQueueFull)
	}
}

// logDrop logs a dropped event, at most once a second.
func (e *Engine) logDrop(msg, reason string) {
	now := time.Now().UnixNano()
	if last := e.events.logged.Load(); now-last > int64(time.Second) && e.events.logged.CompareAndSwap(last, now) {
		e.log.Warn().Str("reason", reason).Msg(msg + " (counted in duplex_js_events_dropped_total)")
	}
}
