package controller

import (
	"reflect"
	"testing"
)

// Frames are read as Dirigible 2 read them: a module name and string
// parameters; anything else is the wrong format.
func TestParseChannelRequest(t *testing.T) {
	good := []struct {
		frame  string
		module string
		params map[string]any
	}{
		{`{"module": "/p/m.js", "params": {"a": "x", "n": 7, "f": 1.5e2, "b": false, "z": null}}`, "/p/m.js",
			map[string]any{"a": "x", "n": "7", "f": "1.5e2", "b": "false", "z": nil}},
		{`{"module": "/p/m.js"}`, "/p/m.js", map[string]any{}},
		{`  {"params": {}, "module": "p/m"}  `, "p/m", map[string]any{}},
	}
	for _, g := range good {
		module, params, ok := parseChannelRequest([]byte(g.frame))
		if !ok || module != g.module || !reflect.DeepEqual(params, g.params) {
			t.Errorf("%s: %q %v %v", g.frame, module, params, ok)
		}
	}
	for _, bad := range []string{
		``, `hello`, `[]`, `{}`, `{"module": ""}`, `{"module": 1}`, `{"module": null}`,
		`{"module": "/p/m.js", "params": {"o": {}}}`, `{"module": "/p/m.js", "params": {"a": [1]}}`,
		`{"module": "/p/m.js", "params": []}`, `{"module": "/p/m.js"} {"module": "/q"}`, `{"module": "/p/m.js"`,
	} {
		if module, _, ok := parseChannelRequest([]byte(bad)); ok {
			t.Errorf("%q accepted as module %q", bad, module)
		}
	}
}
