package controller

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"duplex/test/harness"
)

// TestModernModules: ES modules and TypeScript run without a build step,
// importing CommonJS, TypeScript, ES modules and built-ins by name and by
// default, and CommonJS requires them back; `export default {get}` is a
// controller; a TypeScript WebSocket chat chats.
func TestModernModules(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("modern"))
	for path, want := range map[string]map[string]any{
		"esm": {"twice": 42.0, "kind": "cjs", "shout": "HI!", "colour": "blue", "triple": 9.0,
			"esmDefault": "esm default", "sameBuiltin": true, "groupSize": 0.0},
		"cjsuser": {"triple": 6.0, "esmDefault": "esm default", "shout": "A!"},
	} {
		r := harness.Get(t, s.URL+"/_/service/modern/"+path)
		harness.WantStatus(t, r, 200, path)
		if got := r.JSON(t); !reflect.DeepEqual(got, want) {
			t.Errorf("%s answered %v, want %v", path, got, want)
		}
	}
	if r := harness.Get(t, s.URL+"/_/service/modern/defaultexport"); r.Status != 200 || r.Body != "from the default export" {
		t.Errorf("default export: %d %q", r.Status, r.Body)
	}

	ann := harness.DialWS(t, s, "/_/service/modern/tschat?name=ann", harness.WSOpts{})
	ann.ExpectText("welcome ann")
	bob := harness.DialWS(t, s, "/_/service/modern/tschat?name=bob", harness.WSOpts{})
	bob.ExpectText("welcome bob")
	ann.SendText("hey")
	ann.ExpectText("ann: HEY!")
	bob.ExpectText("ann: HEY!")
}

// positionOf is file:line:column (from 1) of the first occurrence of what
// in the app's file, moved right by skip characters.
func positionOf(t *testing.T, file, what string, skip int) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(harness.App("modern"), file))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(src), "\n") {
		if col := strings.Index(line, what); col >= 0 {
			return file + ":" + strconv.Itoa(i+1) + ":" + strconv.Itoa(col+skip+1)
		}
	}
	t.Fatalf("%s has no %q", file, what)
	return ""
}

// TestErrorPositions: what goes wrong is reported at the user's own file,
// line and column, for CommonJS, ES module and TypeScript files alike: a
// runtime error in the stack of the error page and in the log, a syntax
// error in its message, a missing module at the require, with the paths
// tried.
func TestErrorPositions(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("modern"), "--dev")
	errorOf := func(service string) (string, string) {
		t.Helper()
		r := harness.Get(t, s.URL+"/_/service/modern/"+service, "Accept", "application/json")
		harness.WantStatus(t, r, 500, service)
		var page struct{ Message, Stack string }
		if err := json.Unmarshal([]byte(r.Body), &page); err != nil {
			t.Fatalf("%s: error page %q: %v", service, r.Body, err)
		}
		return page.Message, page.Stack
	}
	for service, c := range map[string]struct{ file, at, message string }{
		"cjserr": {"/services/cjserr/cjserr.js", "nope", "ReferenceError: nope is not defined"},
		"esmerr": {"/services/esmerr/esmerr.mjs", "missingThing", "ReferenceError: missingThing is not defined"},
		"tserr":  {"/services/tserr/tserr.ts", "notDeclared", "ReferenceError: notDeclared is not defined"},
	} {
		message, stack := errorOf(service)
		at := positionOf(t, c.file, c.at, 0)
		if message != c.message || !strings.Contains(stack, at+"(") {
			t.Errorf("%s: message %q, stack %q; want %q at %s", service, message, stack, c.message, at)
		}
		s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("controller threw", at) }, harness.Wait)
	}
	for service, want := range map[string]string{
		// The end of the file, where the missing } was due.
		"cjssyntax": "SyntaxError: /services/cjssyntax/cjssyntax.js:7:1: Unexpected end of file",
		"tssyntax":  "SyntaxError: " + positionOf(t, "/services/tssyntax/tssyntax.ts", "body ;", 5) + `: Expected "}" but found ";"`,
	} {
		if message, _ := errorOf(service); message != want {
			t.Errorf("%s: %q, want %q", service, message, want)
		}
	}
	// A log line says where the log call is.
	if r := harness.Get(t, s.URL+"/_/service/modern/logs"); r.Status != 200 {
		t.Fatalf("logs: %d %s", r.Status, r.Body)
	}
	logAt := positionOf(t, "/services/logs/logs.ts", "log.info(", 0)
	line := logAt[:strings.LastIndexByte(logAt, ':')] // file:line
	// --dev logs in the console format, whose fields are text.
	s.WaitLog(t, func(e harness.LogEntry) bool { return e.Has("logged from line 4", "at=", line+":") }, harness.Wait)
	message, stack := errorOf("missing")
	for _, want := range []string{
		"Cannot find module '/lib/doesnotexist' from " + positionOf(t, "/services/missing/missing.js", "require(", 0) + "; tried",
		"tried /lib/doesnotexist.js, /lib/doesnotexist/index.js, /lib/doesnotexist.json, /lib/doesnotexist/index.json and the same with .ts,",
		"/lib/xp/websocket", "there is no node_modules",
	} {
		if !strings.Contains(message, want) {
			t.Errorf("missing module: %q lacks %q", message, want)
		}
	}
	if strings.Contains(stack, "duplex/controller") {
		t.Errorf("a Go frame in the stack: %s", stack)
	}
}

// TestControllerTwoFiles: a controller with both a .js and a .ts file is
// refused at start, naming both, rather than one picked silently.
func TestControllerTwoFiles(t *testing.T) {
	t.Parallel()
	app := t.TempDir()
	harness.CopyDir(t, harness.App("modern"), app)
	harness.WriteFile(t, filepath.Join(app, "services", "both", "both.js"), `exports.get = function () { return { body: 'js' }; };`)
	harness.WriteFile(t, filepath.Join(app, "services", "both", "both.ts"), `export function get() { return { body: 'ts' }; }`)
	out := duplex.ExpectStartFailure(t, "--app", app)
	if !strings.Contains(out, "/services/both/both.js and /services/both/both.ts: one controller, 2 files") {
		t.Fatalf("start failure: %s", harness.Tail(out, 2000))
	}
}
