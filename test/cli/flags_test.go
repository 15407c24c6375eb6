package cli

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"duplex/test/harness"
)

// flagLine is a flag's first line in --help: "  --name" and its argument.
var flagLine = regexp.MustCompile(`^  --([a-z0-9-]+)(?: (\S+))?$`)

// helpFlags parses --help: each flag's argument and the lines under it.
func helpFlags(t *testing.T, help string) (args map[string]string, text map[string]string) {
	t.Helper()
	args, text = map[string]string{}, map[string]string{}
	name := ""
	for _, line := range strings.Split(help, "\n") {
		if m := flagLine.FindStringSubmatch(line); m != nil {
			if _, dup := args[m[1]]; dup {
				t.Errorf("--%s is listed twice", m[1])
			}
			name = m[1]
			args[name] = m[2]
			continue
		}
		if name != "" && strings.HasPrefix(line, "      ") {
			text[name] += strings.TrimSpace(line) + " "
			continue
		}
		name = ""
	}
	return args, text
}

// singleDash is a flag written with one dash (-name), as the flag package
// prints them.
var singleDash = regexp.MustCompile(`(^|[\s(\[,])-[a-z]`)

// TestHelp: every command's --help goes to stdout, exits 0, and writes
// its flags with two dashes and an argument that says what to give.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args  []string
		flags map[string]string // flag: its argument in the help
	}{
		{[]string{"serve", "--help"}, map[string]string{"addr": "HOST:PORT", "app": "DIR", "js-timeout": "DURATION", "js-workers": "N",
			"config": "FILE", "users": "FILE", "dev": "", "max-body": "BYTES", "nats-routes": "URL", "log-level": "LEVEL"}},
		{[]string{"serve", "-h"}, map[string]string{"addr": "HOST:PORT"}},
		{[]string{"user", "add", "--help"}, map[string]string{"users": "FILE", "login": "LOGIN", "role": "ROLE", "force": "", "bcrypt-cost": "N"}},
		{[]string{"init", "--help"}, map[string]string{"ts": ""}},
	} {
		code, stdout, stderr := duplex.RunSplit(t, nil, c.args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "Usage: duplex ") {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 0 and the help on stdout", c.args, code, stderr, harness.Trunc(stdout))
			continue
		}
		if m := singleDash.FindString(stdout); m != "" {
			t.Errorf("%v writes a flag with one dash (%q):\n%s", c.args, m, stdout)
		}
		args, _ := helpFlags(t, stdout)
		for name, want := range c.flags {
			if got, ok := args[name]; !ok || got != want {
				t.Errorf("%v: --%s %q, want --%s %q", c.args, name, got, name, want)
			}
		}
	}

	// serve's defaults, as one would type them.
	_, help := duplex.Run(t, nil, "serve", "--help")
	_, text := helpFlags(t, help)
	for name, want := range map[string]string{
		"addr": "(default 127.0.0.1:8080)", "js-timeout": "(default 10s)", "read-timeout": "(default 1m)",
		"ws-idle-timeout": "(default 5m)", "session-ttl": "(default 12h)", "log-level": "(default info)",
		"app": "(default: the bundled chat)",
	} {
		if !strings.Contains(text[name], want) {
			t.Errorf("serve --help: --%s says %q, want %q", name, text[name], want)
		}
	}
	for _, name := range []string{"dev", "users", "nats"} {
		if strings.Contains(text[name], "(default") {
			t.Errorf("serve --help: --%s shows an empty default: %q", name, text[name])
		}
	}
	for _, heading := range []string{"Applications:", "HTTP:", "JavaScript:", "WebSockets:", "Login:", "Cluster:", "Monitoring:"} {
		if !strings.Contains(help, "\n"+heading+"\n") {
			t.Errorf("serve --help has no heading %q", heading)
		}
	}
	for i, line := range strings.Split(help, "\n") {
		if len(line) > 80 {
			t.Errorf("serve --help: line %d is %d characters long: %q", i+1, len(line), line)
		}
	}
}

// TestUsageErrors: a command line that cannot run is one line on stderr,
// exit 2: what is wrong, the flag or command meant when one is near, and
// where help is. The server never starts.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--js-timout", "10s"}, "duplex serve: unknown flag --js-timout (did you mean --js-timeout?); duplex serve --help lists them all"},
		{[]string{"serve", "--js-timout=10s"}, "duplex serve: unknown flag --js-timout (did you mean --js-timeout?); duplex serve --help lists them all"},
		{[]string{"serve", "-adr", "127.0.0.1:0"}, "duplex serve: unknown flag --adr (did you mean --addr?); duplex serve --help lists them all"},
		{[]string{"serve", "--frobnicate"}, "duplex serve: unknown flag --frobnicate; duplex serve --help lists them all"},
		{[]string{"serve", "--js-timeout", "10"}, "duplex serve: --js-timeout 10: a duration needs a unit, e.g. 10s or 500ms"},
		{[]string{"serve", "--ws-idle-timeout=300"}, "duplex serve: --ws-idle-timeout 300: a duration needs a unit, e.g. 10s or 500ms"},
		{[]string{"serve", "--js-timeout", "soon"}, "duplex serve: --js-timeout soon: not a duration: write a number and a unit, e.g. 10s, 500ms or 1m30s"},
		{[]string{"serve", "--js-workers", "many"}, "duplex serve: --js-workers many: not a whole number"},
		{[]string{"serve", "--dev=maybe"}, "duplex serve: --dev=maybe: use true or false"},
		{[]string{"serve", "--addr"}, "duplex serve: --addr needs a value: --addr HOST:PORT"},
		{[]string{"serve", "myapp"}, `duplex serve: unexpected argument "myapp" (flags start with --); duplex serve --help lists them`},
		{[]string{"user", "add", "--logn", "alice"}, "duplex user add: unknown flag --logn (did you mean --login?); duplex user add --help lists them all"},
		{[]string{"user", "ad"}, "duplex user: unknown command ad (did you mean add?); duplex user add --help says how to add a user"},
		{[]string{"init", "--tss", "x"}, "duplex init: unknown flag --tss (did you mean --ts?); duplex init --help lists them all"},
		{[]string{"serv"}, "duplex: unknown command serv (did you mean serve?); duplex help lists the commands"},
		{[]string{"--halp"}, "duplex: unknown flag --halp (did you mean --help?); duplex help lists the commands"},
		{[]string{"--verison"}, "duplex: unknown flag --verison (did you mean --version?); duplex help lists the commands"},
	} {
		// An --addr of its own keeps a command line that wrongly runs
		// off the default port.
		args := c.args
		if args[0] == "serve" && !slices.Contains(args, "--addr") {
			args = append(args, "--addr", "127.0.0.1:0")
		}
		code, stdout, stderr := duplex.RunSplit(t, nil, args...)
		if code != 2 || stdout != "" || stderr != c.want+"\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.want)
		}
	}
}

// TestEnvErrors: a variable that cannot be its flag's value says so
// naming the variable, as --js-timeout 10 does on the command line.
func TestEnvErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ env, want string }{
		{"DUPLEX_JS_TIMEOUT=10", "duplex: DUPLEX_JS_TIMEOUT=10: a duration needs a unit, e.g. 10s or 500ms"},
		{"DUPLEX_JS_TIMEOUT=soon", "duplex: DUPLEX_JS_TIMEOUT=soon: not a duration: write a number and a unit, e.g. 10s, 500ms or 1m30s"},
		{"DUPLEX_JS_WORKERS=many", "duplex: DUPLEX_JS_WORKERS=many: not a whole number"},
		{"DUPLEX_DEV=yes please", "duplex: DUPLEX_DEV='yes please': use true or false"},
	} {
		code, _, stderr := duplex.RunSplit(t, []string{c.env}, "serve", "--addr", "127.0.0.1:0", "--app", harness.App("myapp"))
		if code != 1 || stderr != c.want+"\n" {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q", c.env, code, stderr, c.want)
		}
	}
}
