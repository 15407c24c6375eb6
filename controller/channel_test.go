package controller

import (
	"reflect"
	"testing"
	"testing/fstest"
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

// A module already compiled resolves without the file system (it is asked
// for every client event and channel frame); one not compiled yet is
// looked for on disk, in XP's order.
func TestResolveModuleCached(t *testing.T) {
	files := fstest.MapFS{"h.js": {Data: []byte(`exports.x = 1;`)}, "d/index.js": {Data: []byte(``)}}
	e := newTestEngine(t, files, 1)
	if f, err := e.ResolveModule("/d"); err != nil || f != "/d/index.js" {
		t.Fatalf("ResolveModule(/d) = %q %v", f, err)
	}
	if _, err := e.compile("/h.js"); err != nil {
		t.Fatal(err)
	}
	delete(files, "h.js")
	if f, err := e.ResolveModule("h"); err != nil || f != "/h.js" {
		t.Errorf("compiled module: %q %v, want /h.js without a look at the disk", f, err)
	}
	if _, err := e.ResolveModule("/gone"); err == nil {
		t.Error("a module that exists nowhere resolved")
	}
}
