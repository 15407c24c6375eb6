// Command duplex serves Enonic-XP-style JavaScript applications over HTTP
// and WebSockets.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
)

const usage = `duplex serves Enonic-XP-style JavaScript controllers over HTTP and WebSockets.

Usage:
  duplex serve [flags]     serve applications (duplex serve --help lists the flags)
  duplex init [--ts] DIR   make a new application in DIR
  duplex user add [flags]  add a user to a users file (see duplex user add --help)
  duplex version           print duplex's version and Go's (also duplex --version)
  duplex help              show this text
`

// commands are run's subcommands, for the suggestion an unknown one gets.
func commands() []string { return []string{"serve", "init", "user", "version", "help"} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return exitCode(serve(ctx, args[1:], stdout, stderr), stderr)
	case "init":
		return exitCode(initCommand(args[1:], stdout), stderr)
	case "user":
		return exitCode(userCommand(args[1:], os.Stdin, stdout, stderr), stderr)
	case "version", "--version", "-version":
		if len(args) > 1 {
			return exitCode(usageError{"duplex version: takes no arguments"}, stderr)
		}
		fmt.Fprintln(stdout, versionLine(debug.ReadBuildInfo()))
		return 0
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	what, hint := "command "+args[0], suggest("", args[0], commands())
	if strings.HasPrefix(args[0], "-") {
		what, hint = "flag "+args[0], suggest("--", strings.TrimLeft(args[0], "-"), []string{"help", "version"})
	}
	return exitCode(usageError{"duplex: unknown " + what + hint + "; duplex help lists the commands"}, stderr)
}

// exitCode is a command's outcome as the shell sees it: 2 (and the
// message) for a command line that cannot run, 0 for --help, 1 (and the
// error) for a failure.
func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, ue.msg)
		return 2
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintln(stderr, "duplex:", err)
		return 1
	}
	return 0
}
