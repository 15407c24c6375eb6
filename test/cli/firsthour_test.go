package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// TestFirstHour replays a new user's first hour as README tells it: check
// the binary, `duplex init --ts`, `duplex serve --dev`, an edit, and then
// the usual mistakes, each of which must point at the user's own file,
// line and column, and be gone once fixed.
func TestFirstHour(t *testing.T) {
	t.Parallel()
	if code, out, _ := duplex.RunSplit(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "duplex ") {
		t.Fatalf("duplex version: exit %d, %q", code, out)
	}
	dir := initApp(t, "myapp", true)
	s := duplex.Start(t, "--app", dir, "--dev")
	url := s.URL + "/_/service/myapp/hello?name=Ada"
	hello := filepath.Join(dir, "services", "hello", "hello.ts")
	original := readFile(t, hello)
	edit := func(src string) {
		t.Helper()
		harness.WriteFile(t, hello, src)
		later := time.Now().Add(time.Duration(len(src)) * time.Second) // a new mtime every edit
		if err := os.Chtimes(hello, later, later); err != nil {
			t.Fatal(err)
		}
	}
	// failure is the error page of a request the mistake breaks.
	failure := func(what string) (string, string) {
		t.Helper()
		r := harness.Get(t, url, "Accept", "application/json")
		harness.WantStatus(t, r, 500, what)
		var page struct{ Message, Stack string }
		if err := json.Unmarshal([]byte(r.Body), &page); err != nil {
			t.Fatalf("%s: %q: %v", what, r.Body, err)
		}
		return page.Message, page.Stack
	}
	// at is where what is in the file now: its line and column from 1.
	at := func(what string) string {
		t.Helper()
		for i, line := range strings.Split(readFile(t, hello), "\n") {
			if col := strings.Index(line, what); col >= 0 {
				return "/services/hello/hello.ts:" + strconv.Itoa(i+1) + ":" + strconv.Itoa(col+1)
			}
		}
		t.Fatalf("hello.ts has no %q", what)
		return ""
	}

	harness.WantField(t, harness.Get(t, url).JSON(t), "message", "Hello, Ada!")
	edit(strings.Replace(original, "`Hello, ", "`Welcome, ", 1))
	harness.WantField(t, harness.Get(t, url).JSON(t), "message", "Welcome, Ada!")

	// A name that does not exist.
	edit(strings.Replace(original, "${name}!", "${nmae}!", 1))
	if message, stack := failure("a misspelled name"); message != "ReferenceError: nmae is not defined" || !strings.Contains(stack, at("nmae")+"(") {
		t.Errorf("misspelled name: %q, stack %q, want it at %s", message, stack, at("nmae"))
	}
	// A brace forgotten: the file ends where it was due.
	broken := strings.TrimRight(strings.TrimRight(original, "\n"), "}")
	edit(broken)
	lines := strings.Count(broken, "\n") + 1
	if message, _ := failure("a missing brace"); !strings.HasPrefix(message, "SyntaxError: /services/hello/hello.ts:"+strconv.Itoa(lines)+":") {
		t.Errorf("missing brace: %q, want a SyntaxError at line %d of hello.ts", message, lines)
	}
	// A module that is not there (used: TypeScript drops an import no
	// code uses).
	withGreet := "import { greet } from '../../lib/greetings';\n" + strings.Replace(original, "`Hello, ${name}!`", "greet(name)", 1)
	edit(withGreet)
	message, _ := failure("a missing module")
	for _, want := range []string{"Cannot find module '../../lib/greetings' from " + at("'../../lib/greetings'"), "tried /lib/greetings.js", "there is no node_modules"} {
		if !strings.Contains(message, want) {
			t.Errorf("missing module: %q lacks %q", message, want)
		}
	}
	// Fixed: the module written, the page answers again.
	harness.WriteFile(t, filepath.Join(dir, "lib", "greetings.ts"), "export function greet(name: string): string {\n  return `Hi, ${name}!`;\n}\n")
	edit(withGreet + "\n")
	harness.WantField(t, harness.Get(t, url).JSON(t), "message", "Hi, Ada!")
}
