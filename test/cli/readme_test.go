package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"duplex/test/harness"
)

// readmeSection is README.md's text under heading, up to the next heading
// of its level or higher.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	root, err := harness.Root()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	level, _, _ := strings.Cut(heading, " ")
	var section []string
	in, fenced := false, false
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if !fenced && strings.HasPrefix(line, "#") {
			hashes, _, _ := strings.Cut(line, " ")
			if in && len(hashes) <= len(level) {
				break
			}
			if line == heading {
				in = true
				continue
			}
		}
		if in {
			section = append(section, line)
		}
	}
	if !in {
		t.Fatalf("README.md has no heading %q", heading)
	}
	return strings.Join(section, "\n")
}

// TestHelpListsTheREADME: serve --help lists the flags of README's
// configuration reference, and no other, but the two secrets, which the
// README gives as environment variables only.
func TestHelpListsTheREADME(t *testing.T) {
	t.Parallel()
	section := readmeSection(t, "## Configuration reference")
	var documented []string
	for _, line := range strings.Split(section, "\n") {
		if first, ok := strings.CutPrefix(line, "| `--"); ok {
			first, _, _ = strings.Cut(first, " |")
			for _, m := range regexp.MustCompile(`--([a-z0-9-]+)`).FindAllStringSubmatch("--"+first, -1) {
				documented = append(documented, m[1])
			}
		}
	}
	if len(documented) < 30 {
		t.Fatalf("found %d flags in README's configuration reference; has its table changed form?", len(documented))
	}
	_, help := duplex.Run(t, nil, "serve", "--help")
	args, _ := helpFlags(t, help)
	var listed []string
	for name := range args {
		if name != "session-secret" && name != "cluster-secret" {
			listed = append(listed, name)
		}
	}
	slices.Sort(documented)
	slices.Sort(listed)
	if !slices.Equal(documented, listed) {
		t.Errorf("README documents %v\nserve --help lists %v", documented, listed)
	}
}

// TestREADMEConfigExample: the config file of README's *The config
// file*, as it is there, beside an application that duplex init made,
// starts a server that serves the application with the file's settings
// (every key of it passes the checks, or the start fails). The flags given
// here override its fixed ports.
func TestREADMEConfigExample(t *testing.T) {
	t.Parallel()
	section := readmeSection(t, "### The config file")
	m := regexp.MustCompile("(?s)cat > duplex.toml <<'TOML'\n(.*?\n)TOML\n").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("README's *The config file* has no cat > duplex.toml <<'TOML' ... TOML")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "duplex.toml")
	harness.WriteFile(t, file, m[1])
	if code, out := duplex.Run(t, nil, "init", filepath.Join(dir, "myapp")); code != 0 {
		t.Fatalf("duplex init: exit %d: %s", code, out)
	}
	s := duplex.Start(t, "--config", file, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0")
	r := harness.Get(t, s.URL+"/_/service/myapp/hello?name=README")
	harness.WantStatus(t, r, 200, "the README's app")
	harness.WantField(t, r.JSON(t), "message", "Hello, README!")
	// dev = true: the console format.
	if e := s.Entries()[0]; e.Fields != nil {
		t.Errorf("dev = true, yet the log is JSON: %s", e.Raw)
	}
}
