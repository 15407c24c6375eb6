package main

import (
	"fmt"
	"io"

	"duplex/cmd/duplex/scaffold"
)

// initIntro is what init --help says before the flags.
const initIntro = `Makes DIR, a new or empty folder, a duplex application named after it: a
JSON service (services/hello), a WebSocket chat (services/chat), a page
that chats through it (webapp/, assets/), duplex's TypeScript declarations
in types/ with a tsconfig.json that extends them, a .gitignore and a
README. Serve it with duplex serve --app DIR --dev.`

// initCommand runs `duplex init [--ts] DIR`.
func initCommand(args []string, stdout io.Writer) error {
	cmd := newCommand("init", "duplex init [--ts] DIR", initIntro)
	ts := cmd.fs.Bool("ts", false, "write the controllers in TypeScript, as ES modules (import, export function get)")
	rest, _, err := cmd.parse(args, stdout)
	switch {
	case err != nil:
		return err
	case len(rest) != 1:
		return cmd.usagef("name one folder to make the application in, e.g. duplex init myapp; duplex init --help says more")
	}
	dir := rest[0]
	name, err := scaffold.Write(dir, *ts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Made the application %s in %s. Serve it with\n\n  duplex serve --app %s --dev\n\nand open http://127.0.0.1:8080/\n", name, dir, shellQuote(dir))
	return nil
}
