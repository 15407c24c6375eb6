package controller

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// A controller of about a hundred lines, in each form a user writes: the
// cost of a file's first load (esbuild's transform, then goja's compile),
// against goja's compile alone, which was all a CommonJS file cost before
// the transform. Later loads cost neither: the program is cached per
// engine (BenchmarkServeTrivial measures that path).
var benchSources = map[string]string{
	"/s/cjs.js": strings.Repeat(`var websocket = require('/lib/xp/websocket');
exports.webSocketEvent = function (event) {
  if (event.type === 'open') { websocket.addToGroup('chat', event.session.id); }
  else if (event.type === 'message') { websocket.sendToGroup('chat', JSON.stringify({ text: event.message, at: Date.now() })); }
  else if (event.type === 'close') { websocket.removeFromGroup('chat', event.session.id); }
};
exports.get = function (req) { return req.webSocket ? { webSocket: { data: { name: req.params.name || 'anon' } } } : { status: 404 }; };
`, 12),
	"/s/esm.js": `import { addToGroup, removeFromGroup, sendToGroup } from '/lib/xp/websocket';
export function webSocketEvent(event) {
  if (event.type === 'open') { addToGroup('chat', event.session.id); }
  else if (event.type === 'message') { sendToGroup('chat', JSON.stringify({ text: event.message, at: Date.now() })); }
  else if (event.type === 'close') { removeFromGroup('chat', event.session.id); }
}
` + helpers("function helper%d(x) { return [x, x * 2, { x }].map((v) => JSON.stringify(v)).join(','); }\n", 60),
	"/s/ts.ts": `import { addToGroup, removeFromGroup, sendToGroup } from '/lib/xp/websocket';
interface ChatEvent { type: 'open' | 'message' | 'close'; session: { id: string }; message?: string }
export function webSocketEvent(event: ChatEvent): void {
  if (event.type === 'open') { addToGroup('chat', event.session.id); }
  else if (event.type === 'message') { sendToGroup('chat', JSON.stringify({ text: event.message, at: Date.now() })); }
  else if (event.type === 'close') { removeFromGroup('chat', event.session.id); }
}
` + helpers("function helper%d(x: number): string { return [x, x * 2, { x }].map((v: unknown) => JSON.stringify(v)).join(','); }\n", 60),
}

// helpers repeats format n times, numbering each copy.
func helpers(format string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, format, i)
	}
	return b.String()
}

func BenchmarkFirstLoad(b *testing.B) {
	for _, file := range []string{"/s/cjs.js", "/s/esm.js", "/s/ts.ts"} {
		src := []byte(benchSources[file])
		b.Run("transform"+file, func(b *testing.B) {
			for b.Loop() {
				if _, err := transform(file, src); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("transform+compile"+file, func(b *testing.B) {
			for b.Loop() {
				code, err := transform(file, src)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := goja.Compile(file, code, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// What a CommonJS file cost before: the wrapper added by hand, then
	// goja's compile.
	src := benchSources["/s/cjs.js"]
	b.Run("compile-only/s/cjs.js", func(b *testing.B) {
		for b.Loop() {
			if _, err := goja.Compile("/s/cjs.js", moduleWrapperHead+src+"\n"+moduleWrapperTail, true); err != nil {
				b.Fatal(err)
			}
		}
	})
}
