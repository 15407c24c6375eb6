package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// command is a subcommand's flags and what its --help says of them.
type command struct {
	name     string // "serve", "user add": what messages start with after "duplex "
	synopsis string // the usage line, without "Usage: "
	intro    string // the paragraphs between the usage line and the flags
	fs       *flag.FlagSet
	// groups orders the help's flags under headings and names their
	// arguments; a flag no group lists is shown under "Other flags".
	groups []flagGroup
}

// newCommand is a command whose flags are declared on its fs afterwards.
func newCommand(name, synopsis, intro string, groups ...flagGroup) *command {
	return &command{name: name, synopsis: synopsis, intro: intro, fs: flag.NewFlagSet(name, flag.ContinueOnError), groups: groups}
}

// usageError is a command line that cannot run: its message is printed as
// it is, and the exit status is 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef is a usage error of c, its message prefixed with the command.
func (c *command) usagef(format string, args ...any) error {
	return usageError{"duplex " + c.name + ": " + fmt.Sprintf(format, args...)}
}

// boolFlag is the flag package's own test for a flag that takes no value.
type boolFlag interface{ IsBoolFlag() bool }

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(boolFlag)
	return ok && b.IsBoolFlag()
}

// parse sets c's flags from args as the flag package would (--name,
// -name, --name=value, --name value; a bool takes no value but
// --name=false; "--" ends the flags), except that flags may also follow
// the other arguments, and that a mistake is one line saying what is
// wrong and where help is, instead of the whole usage. It returns the
// arguments that are not flags and the names it set. --help and -h write
// the help to stdout and return flag.ErrHelp.
func (c *command) parse(args []string, stdout io.Writer) (rest []string, set map[string]bool, err error) {
	set = map[string]bool{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(rest, args[i+1:]...), set, nil
		}
		if len(arg) < 2 || arg[0] != '-' {
			rest = append(rest, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg[1:], "-"), "=")
		f := c.fs.Lookup(name)
		switch {
		case f == nil && (name == "help" || name == "h"):
			c.help(stdout)
			return nil, nil, flag.ErrHelp
		case f == nil:
			return nil, nil, c.usagef("unknown flag --%s%s; duplex %s --help lists them all", name, suggest("--", name, c.flagNames()), c.name)
		case isBool(f):
			if !hasValue {
				value = "true"
			}
		case !hasValue && i+1 == len(args):
			return nil, nil, c.usagef("--%s needs a value: --%s %s", name, name, c.arg(f))
		case !hasValue:
			i++
			value = args[i]
		}
		if err := c.fs.Set(name, value); err != nil {
			sep := " "
			if isBool(f) {
				sep = "="
			}
			return nil, nil, c.usagef("--%s%s%s: %v", name, sep, shellQuote(value), valueError(f, value, err))
		}
		set[name] = true
	}
	return rest, set, nil
}

// noArgs is the usage error of arguments that are not flags, for a
// command that takes none.
func (c *command) noArgs(rest []string) error {
	if len(rest) == 0 {
		return nil
	}
	return c.usagef("unexpected argument %q (flags start with --); duplex %s --help lists them", rest[0], c.name)
}

// flagNames lists c's flags, sorted.
func (c *command) flagNames() []string {
	var names []string
	c.fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// valueError says why value does not suit f, for people: the flag
// package's own errors say "parse error" and name no unit.
func valueError(f *flag.Flag, value string, err error) error {
	switch kindOf(f) {
	case "bool":
		return errors.New("use true or false")
	case "duration":
		if _, nerr := strconv.ParseFloat(value, 64); nerr == nil {
			return errors.New("a duration needs a unit, e.g. 10s or 500ms")
		}
		return errors.New("not a duration: write a number and a unit, e.g. 10s, 500ms or 1m30s")
	case "int":
		if _, nerr := strconv.ParseInt(value, 0, 64); errors.Is(nerr, strconv.ErrRange) {
			return errors.New("out of range")
		}
		return errors.New("not a whole number")
	}
	return err
}

// kindOf is what type of value f takes: bool, duration, int, list (a
// repeatable flag) or string (anything else).
func kindOf(f *flag.Flag) string {
	if isBool(f) {
		return "bool"
	}
	if _, ok := f.Value.(listFlag); ok {
		return "list"
	}
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case time.Duration:
			return "duration"
		case int, int64, uint, uint64:
			return "int"
		}
	}
	return "string"
}

// suggest is " (did you mean PREFIXname?)" for the candidate nearest to
// name, when it is near enough to be a typo of it: at most a third of
// name's length in edits (one at least). Otherwise it is "".
func suggest(prefix, name string, candidates []string) string {
	best, bestDist := "", max(1, len(name)/3)+1
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + prefix + best + "?)"
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (flag and command names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// shellQuote writes s as a shell would need it typed: as it is when it
// holds only characters that need no quotes, else in single quotes.
func shellQuote(s string) string {
	safe := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:,=@+%", r))
	}) < 0
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
