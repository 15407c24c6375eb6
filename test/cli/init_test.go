package cli

import (
	"bytes"
	"context"
	"errors"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// initApp runs `duplex init [--ts] DIR` for a new folder named name and
// returns its path.
func initApp(t *testing.T, name string, ts bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	args := []string{"init", dir}
	if ts {
		args = []string{"init", "--ts", dir}
	}
	code, stdout, stderr := duplex.RunSplit(t, nil, args...)
	if code != 0 || stderr != "" {
		t.Fatalf("%v: exit %d, stderr %q", args, code, stderr)
	}
	if want := "duplex serve --app " + dir + " --dev"; !strings.Contains(stdout, want) {
		t.Errorf("%v says %q, which does not give %q", args, stdout, want)
	}
	return dir
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestInitFiles: the scaffold's files, for both languages, and its copy
// of the repository's TypeScript declarations.
func TestInitFiles(t *testing.T) {
	t.Parallel()
	root, err := harness.Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"js", "ts"} {
		dir := initApp(t, "chat-"+ext, ext == "ts")
		for _, f := range []string{"services/hello/hello." + ext, "services/chat/chat." + ext, "webapp/webapp." + ext, "assets/chat.js", "assets/chat.css"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %v", ext, err)
			}
		}
		other := map[string]string{"js": "ts", "ts": "js"}[ext]
		if _, err := os.Stat(filepath.Join(dir, "services/hello/hello."+other)); err == nil {
			t.Errorf("the %s scaffold has a .%s controller too", ext, other)
		}
		if got := readFile(t, filepath.Join(dir, "app.json")); !regexp.MustCompile(`"name": "chat-` + ext + `"`).MatchString(got) {
			t.Errorf("app.json does not name the folder's name chat-%s: %s", ext, got)
		}
		if got := readFile(t, filepath.Join(dir, "tsconfig.json")); !strings.Contains(got, `"extends": "./types/tsconfig.json"`) {
			t.Errorf("tsconfig.json does not extend ./types/tsconfig.json: %s", got)
		}
		if got := readFile(t, filepath.Join(dir, ".gitignore")); !strings.Contains(got, "node_modules") || !strings.Contains(got, "*.log") {
			t.Errorf(".gitignore: %q", got)
		}
		readme := readFile(t, filepath.Join(dir, "README.md"))
		if lines := strings.Split(strings.TrimSuffix(readme, "\n"), "\n"); len(lines) != 3 {
			t.Errorf("README.md has %d lines, want 3:\n%s", len(lines), readme)
		}
		for _, want := range []string{"duplex serve --app . --dev", "webapp/webapp." + ext, "services/chat/chat." + ext} {
			if !strings.Contains(readme, want) {
				t.Errorf("README.md lacks %q:\n%s", want, readme)
			}
		}
		// types/ is the repository's, byte for byte.
		shipped, err := filepath.Glob(filepath.Join(root, "types", "*.d.ts"))
		if err != nil || len(shipped) == 0 {
			t.Fatalf("no declarations in types/: %v", err)
		}
		for _, src := range append(shipped, filepath.Join(root, "types", "tsconfig.json")) {
			if got := readFile(t, filepath.Join(dir, "types", filepath.Base(src))); got != readFile(t, src) {
				t.Errorf("%s: types/%s differs from the repository's", ext, filepath.Base(src))
			}
		}
	}
}

// TestInitRefuses: a folder that is not empty, a file, a folder name that
// cannot name an application, no folder or two: each is one clear error,
// and nothing is written.
func TestInitRefuses(t *testing.T) {
	t.Parallel()
	full := t.TempDir()
	harness.WriteFile(t, filepath.Join(full, "notes.txt"), "mine")
	file := filepath.Join(full, "notes.txt")
	badName := filepath.Join(t.TempDir(), "my app")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"init", full}, 1, "duplex: " + full + " is not empty (it holds notes.txt)"},
		{[]string{"init", file}, 1, "duplex: " + file + " is a file"},
		{[]string{"init", badName}, 1, `"my app" cannot name one: use letters, digits, '.', '_' and '-'`},
		{[]string{"init"}, 2, "duplex init: name one folder"},
		{[]string{"init", "a", "b"}, 2, "duplex init: name one folder"},
	} {
		code, stdout, stderr := duplex.RunSplit(t, nil, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and one line with %q", c.args, code, stdout, stderr, c.code, c.want)
		}
	}
	if entries, _ := os.ReadDir(full); len(entries) != 1 {
		t.Errorf("init wrote into a folder that was not empty: %d entries", len(entries))
	}
	if _, err := os.Stat(badName); err == nil {
		t.Errorf("init made %s although it refused its name", badName)
	}
}

// TestInitServes: both scaffolds, JavaScript and TypeScript (no build
// step), served as their README says with
// --dev: the service answers, the page hands out the chat's WebSocket URL
// and its assets, two clients chat through that URL, and an edit is live
// at the next request.
func TestInitServes(t *testing.T) {
	t.Parallel()
	for _, ts := range []bool{false, true} {
		t.Run(map[bool]string{false: "js", true: "ts"}[ts], func(t *testing.T) {
			t.Parallel()
			testInitServes(t, ts)
		})
	}
}

// testInitServes serves the scaffold (TypeScript with ts: no build step).
func testInitServes(t *testing.T, ts bool) {
	dir := initApp(t, "myapp", ts)
	s := duplex.Start(t, "--app", dir, "--dev")
	ext := map[bool]string{false: ".js", true: ".ts"}[ts]

	r := harness.Get(t, s.URL+"/_/service/myapp/hello?name=Ada")
	harness.WantStatus(t, r, 200, "hello")
	harness.WantField(t, r.JSON(t), "message", "Hello, Ada!")
	harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/myapp/chat"), 426, "the chat without an upgrade")

	// The page, at the webapp and at the root: each hands its own URL of
	// the chat to the browser, with the script and style it loads.
	attr := func(page, name string) string {
		m := regexp.MustCompile(name + `="([^"]*)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the page has no %s: %s", name, page)
		}
		return html.UnescapeString(m[1])
	}
	for base, want := range map[string]string{
		"/webapp/myapp/": "ws://" + s.Addr + "/webapp/myapp/_/service/myapp/chat",
		"/":              "ws://" + s.Addr + "/_/service/myapp/chat",
	} {
		r := harness.Get(t, s.URL+base)
		harness.WantStatus(t, r, 200, "page "+base)
		harness.WantMediaType(t, r, "text/html", "utf-8", "page "+base)
		if got := attr(r.Body, "data-chat"); got != want {
			t.Errorf("page %s: data-chat %q, want %q", base, got, want)
		}
		for name, file := range map[string]string{"src": "chat.js", "href": "chat.css"} {
			asset := harness.Get(t, s.URL+attr(r.Body, name))
			harness.WantStatus(t, asset, 200, "page "+base+": "+file)
			if asset.Body != readFile(t, filepath.Join(dir, "assets", file)) {
				t.Errorf("page %s: %s=%q does not serve assets/%s", base, name, attr(r.Body, name), file)
			}
		}
	}

	// The chat, through the URL the page gives.
	page := harness.Get(t, s.URL+"/webapp/myapp/").Body
	path := strings.TrimPrefix(attr(page, "data-chat"), "ws://"+s.Addr)
	ada := harness.DialWS(t, s, path+"?name=ada", harness.WSOpts{})
	ada.ExpectText("ada joined")
	bob := harness.DialWS(t, s, path+"?name=bob", harness.WSOpts{})
	bob.ExpectText("bob joined")
	ada.ExpectText("bob joined")
	ada.SendText("hello, bob")
	ada.ExpectText("ada: hello, bob")
	bob.ExpectText("ada: hello, bob")
	bob.SendText("hi ada")
	bob.ExpectText("bob: hi ada")
	ada.ExpectText("bob: hi ada")
	bob.CloseWith(1000, "")
	ada.ExpectText("bob left")

	// --dev: an edited controller answers the next request.
	hello := filepath.Join(dir, "services", "hello", "hello"+ext)
	edited := strings.Replace(strings.Replace(readFile(t, hello), "'Hello, '", "'Howdy, '", 1), "`Hello, ", "`Howdy, ", 1)
	if !strings.Contains(edited, "Howdy") {
		t.Fatalf("hello%s does not build its message from 'Hello, '", ext)
	}
	harness.WriteFile(t, hello, edited)
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(hello, later, later); err != nil {
		t.Fatal(err)
	}
	harness.WantField(t, harness.Get(t, s.URL+"/_/service/myapp/hello?name=Ada").JSON(t), "message", "Howdy, Ada!")
}

// TestInitTypeChecks: both scaffolds compile against the declarations
// they carry, with the TypeScript of test/types, and a misuse added to a
// controller fails, so that the check does look at the controllers.
func TestInitTypeChecks(t *testing.T) {
	t.Parallel()
	tsc := harness.Tsc(t, "the scaffolds must type-check")
	for _, ext := range []string{"js", "ts"} {
		dir := initApp(t, "typed-"+ext, ext == "ts")
		if code, out := runTsc(t, tsc, dir); code != 0 {
			t.Errorf("tsc -p over the %s scaffold: exit %d\n%s", ext, code, out)
		}
		chat := filepath.Join(dir, "services", "chat", "chat."+ext)
		harness.WriteFile(t, chat, readFile(t, chat)+"\nrequire('/lib/xp/websocket').sendToGroup('chat', 42);\n")
		if code, out := runTsc(t, tsc, dir); code == 0 || !strings.Contains(out, "chat."+ext) || !strings.Contains(out, "TS2345") {
			t.Errorf("tsc -p over the %s scaffold with sendToGroup('chat', 42): exit %d, want the error TS2345 in chat.%s\n%s", ext, code, ext, out)
		}
	}
}

func runTsc(t *testing.T, tsc, dir string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, tsc, "-p", dir, "--pretty", "false")
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("tsc: %v", err)
	}
	return harness.ExitCode(err), out.String()
}
