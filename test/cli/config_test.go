package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duplex/test/harness"
)

// writeConfig writes content to duplex.toml in a fresh folder and returns
// its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "duplex.toml")
	harness.WriteFile(t, path, content)
	return path
}

// bodyStatus is the status of a POST of n bytes to url.
func bodyStatus(t *testing.T, url string, n int) int {
	t.Helper()
	return harness.Post(t, url, "text/plain", strings.Repeat("x", n)).Status
}

// served reports whether the test application name is served by s.
func served(t *testing.T, s *harness.Server, name string) bool {
	t.Helper()
	path := map[string]string{"myapp": "/_/service/myapp/echo", "second": "/_/service/second/hello", "wsecho": "/_/service/wsecho/reqinfo"}[name]
	switch r := harness.Get(t, s.URL+path); r.Status {
	case 200:
		return true
	case 404:
		return false
	default:
		t.Fatalf("GET %s: %d %s", path, r.Status, harness.Trunc(r.Body))
		return false
	}
}

// devErrorPage reports whether a thrown error's HTML page shows where it
// was thrown, as it does with --dev only.
func devErrorPage(t *testing.T, s *harness.Server) bool {
	t.Helper()
	r := harness.Get(t, s.URL+"/_/service/myapp/boom", "Accept", "text/html")
	harness.WantStatus(t, r, 500, "boom")
	return strings.Contains(r.Body, "boom.js:3")
}

// TestConfigPrecedence: the config file's settings apply, the environment
// overrides them and the command line overrides both, a repeatable flag
// (app) included, whose list is replaced, not added to. DUPLEX_CONFIG
// names the file as --config does, and the file's paths are relative to
// its folder (each server runs in a folder of its own).
func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	file := writeConfig(t, "# the file's settings\napp = [\"apps/myapp\", \"apps/second\"]\ndev = true\nmax-body = 100\n")
	for _, name := range []string{"myapp", "second"} {
		harness.CopyDir(t, harness.App(name), filepath.Join(filepath.Dir(file), "apps", name))
	}
	for _, c := range []struct {
		name              string
		opts              harness.Opts
		served, notServed []string
		dev               bool
		maxBody           int
	}{
		{"file", harness.Opts{Env: []string{"DUPLEX_CONFIG=" + file}}, []string{"myapp", "second"}, nil, true, 100},
		{"environment over file", harness.Opts{
			Args: []string{"--config", file},
			Env:  []string{"DUPLEX_APP=" + harness.App("myapp"), "DUPLEX_MAX_BODY=200"},
		}, []string{"myapp"}, []string{"second"}, true, 200},
		{"command line over both", harness.Opts{
			Args: []string{"--config", file, "--app", harness.App("myapp"), "--max-body", "300", "--dev=false"},
			Env:  []string{"DUPLEX_APP=" + harness.App("wsecho"), "DUPLEX_MAX_BODY=200", "DUPLEX_DEV=true"},
		}, []string{"myapp"}, []string{"second", "wsecho"}, false, 300},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := duplex.StartOpts(t, c.opts)
			for _, name := range c.served {
				if !served(t, s, name) {
					t.Errorf("%s is not served", name)
				}
			}
			for _, name := range c.notServed {
				if served(t, s, name) {
					t.Errorf("%s is served, from a source the higher one overrides", name)
				}
			}
			if got := devErrorPage(t, s); got != c.dev {
				t.Errorf("dev mode %v, want %v", got, c.dev)
			}
			if got := bodyStatus(t, s.URL+"/_/service/myapp/echo", c.maxBody-50); got != 200 {
				t.Errorf("a body of %d bytes, under max-body %d: %d, want 200", c.maxBody-50, c.maxBody, got)
			}
			if got := bodyStatus(t, s.URL+"/_/service/myapp/echo", c.maxBody+50); got != 413 {
				t.Errorf("a body of %d bytes, over max-body %d: %d, want 413", c.maxBody+50, c.maxBody, got)
			}
		})
	}
}

// TestConfigSecretFiles: the secrets are files named in the config file,
// relative to its folder, and the session secret is read from there
// rather than generated beside the users file.
func TestConfigSecretFiles(t *testing.T) {
	t.Parallel()
	file := writeConfig(t, "users = \"users.json\"\nsession-secret-file = \"secret.txt\"\napp = [\""+harness.App("myapp")+"\"]\n")
	dir := filepath.Dir(file)
	harness.CopyDir(t, filepath.Dir(duplex.UsersFile(t, harness.Alice())), dir)
	harness.WriteFile(t, filepath.Join(dir, "secret.txt"), harness.AuthSecret+"\n")
	s := duplex.Start(t, "--config", file)
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Message() == "id provider system ready" && e.Fields["users"] == filepath.Join(dir, "users.json")
	}, harness.Wait)
	if _, err := os.Stat(filepath.Join(dir, "users.json.secret")); err == nil {
		t.Error("a secret was generated beside the users file although the config file names one")
	}
}

// TestConfigErrors: a config file duplex cannot use stops the start with
// one error naming the file and the key, and never shows a secret.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	secret := "an-inline-secret-that-must-never-be-printed-0123"
	for _, c := range []struct {
		content string
		want    string
	}{
		{"js-timout = \"10s\"\n", `unknown key "js-timout" (did you mean js-timeout?)`},
		{"[server]\naddr = \"127.0.0.1:0\"\n", `unknown key "server"`},
		{"config = \"other.toml\"\n", `unknown key "config"`},
		{"js-workers = \"4\"\n", `js-workers = "4": want a whole number (without quotes), not a string`},
		{"dev = \"yes\"\n", `dev = "yes": want true or false, not a string`},
		{"app = [1]\n", `app = [1]: want a string or a list of strings, but an element is an integer`},
		{"js-timeout = 10\n", `js-timeout = 10: a duration needs a unit, and quotes: e.g. "10s" or "500ms"`},
		{"js-timeout = \"10\"\n", `js-timeout = "10": a duration needs a unit, e.g. 10s or 500ms`},
		{"js-workers = 2\njs-workers = 3\n", `toml: line 2`},
		{"session-secret = \"" + secret + "\"\n", `session-secret: a secret does not belong in the config file; name a file holding it with session-secret-file = "FILE", or set DUPLEX_SESSION_SECRET in the environment`},
		{"cluster-secret = \"" + secret + "\"\n", `cluster-secret: a secret does not belong in the config file; name a file holding it with cluster-secret-file = "FILE", or set DUPLEX_CLUSTER_SECRET in the environment`},
	} {
		file := writeConfig(t, c.content)
		out := duplex.ExpectStartFailure(t, "--config", file)
		if want := "duplex: " + file + ": " + c.want; !strings.Contains(out, want) || strings.Contains(out, "\n") {
			t.Errorf("config file %q: %q, want one line with %q", c.content, out, want)
		}
		if strings.Contains(out, secret) {
			t.Errorf("the error shows the secret: %s", out)
		}
	}
	missing := filepath.Join(t.TempDir(), "none.toml")
	for file, want := range map[string]string{
		missing:                     "duplex: config file: open " + missing + ": no such file or directory",
		filepath.Dir(missing) + "/": "duplex: config file: read " + filepath.Dir(missing) + "/: is a directory",
	} {
		if out := duplex.ExpectStartFailure(t, "--config", file); out != want {
			t.Errorf("--config %s: %q, want %q", file, out, want)
		}
	}
	// The environment's value is checked as the file's would be.
	s := duplex.Launch(t, harness.Opts{Env: []string{"DUPLEX_CONFIG=" + missing}, NoCheck: true})
	if code := s.WaitExit(t, harness.StartDeadline); code != 1 || !strings.Contains(s.Stderr(), missing) {
		t.Errorf("DUPLEX_CONFIG=%s: exit %d, %q", missing, code, s.Stderr())
	}
}
