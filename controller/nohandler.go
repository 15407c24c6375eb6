package controller

import (
	"strings"

	"github.com/dop251/goja"
)

// socketExport is the export XP gives a controller's WebSocket events to.
const socketExport = "webSocketEvent"

// exportFn is script's export name as a callable, nil when it is not a
// function. The callable is kept: goja.AssertFunction allocates for every
// call, and events and requests come by the hundred thousand. The export
// is still read every time, since a script may replace it.
func (wk *worker) exportFn(script string, exports goja.Value, name string) goja.Callable {
	obj, ok := exports.(*goja.Object)
	if !ok {
		return nil
	}
	fo, ok := obj.Get(name).(*goja.Object)
	if !ok {
		return nil
	}
	key := exportKey{script, name}
	if c, ok := wk.exportFns[key]; ok && c.obj == fo {
		return c.fn
	}
	fn, ok := goja.AssertFunction(fo)
	if !ok {
		return nil
	}
	if wk.exportFns == nil {
		wk.exportFns = map[exportKey]cachedFn{}
	}
	wk.exportFns[key] = cachedFn{fo, fn}
	return fn
}

type exportKey struct{ script, name string }

// cachedFn is an export and its callable.
type cachedFn struct {
	obj *goja.Object
	fn  goja.Callable
}

// checkSocketExports warns that script accepted a WebSocket with no
// webSocketEvent to give its events to. XP accepts such an upgrade and
// drops the events, and so does duplex; a misspelled export must not go
// unnoticed for that. Once per version of the controller (a --dev reload
// compiles a new one), not once per upgrade: they come by the thousand.
func (wk *worker) checkSocketExports(script string, exports goja.Value) {
	if wk.exportFn(script, exports, socketExport) != nil {
		return
	}
	e := wk.engine
	version, _ := e.programs.Load(script)
	if prev, warned := e.unhandled.Swap(script, version); warned && prev == version {
		return
	}
	var keys []string
	if obj, ok := exports.(*goja.Object); ok {
		keys = obj.Keys()
	}
	msg := "controller " + script + " accepted a WebSocket but exports no " + socketExport
	ev := e.log.Warn().Str("script", script)
	if near := nearMiss(keys, socketExport); near != "" {
		msg += " (found " + near + ": did you mean " + socketExport + "?)"
		ev = ev.Str("found", near)
	}
	ev.Msg(msg + "; its sessions' events are dropped (messages counted in duplex_ws_dropped_total as no_handler)")
}

// nearMiss returns the name in names that is most likely a misspelling of
// want: equal to it but for case, or at most two edits from it, case
// aside (websocketEvent, webSocketEvents, onWebSocketEvent). "" when none
// is.
func nearMiss(names []string, want string) string {
	want = strings.ToLower(want)
	best, bestDist := "", 3
	for _, name := range names {
		if d := editDistance(strings.ToLower(name), want); d < bestDist {
			best, bestDist = name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
