package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagGroup is a heading of a command's help and the flags under it, in
// order, each "name" or "name ARG": ARG is what the help, and a missing
// value's message, show after the flag (--addr HOST:PORT). Without one it
// comes from the flag: a `NAME` quoted in its usage, DURATION, N, VALUE.
// FILE and DIR also mark the values that a config file gives relative to
// its own folder.
type flagGroup struct {
	title string
	flags []string
}

// helpWidth is where the help wraps its lines.
const helpWidth = 80

// help writes c's usage: the synopsis, the intro, and every flag once,
// with its argument, usage and default, under its group's heading.
func (c *command) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n", c.synopsis)
	if c.intro != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(c.intro, "\n"))
	}
	shown := map[string]bool{}
	for _, g := range c.groups {
		var fs []*flag.Flag
		for _, entry := range g.flags {
			name, _, _ := strings.Cut(entry, " ")
			if f := c.fs.Lookup(name); f != nil && !shown[name] {
				fs = append(fs, f)
				shown[name] = true
			}
		}
		c.helpGroup(w, g.title, fs)
	}
	var others []*flag.Flag
	c.fs.VisitAll(func(f *flag.Flag) {
		if !shown[f.Name] {
			others = append(others, f)
		}
	})
	title := "Other flags"
	if len(c.groups) == 0 {
		title = "Flags"
	}
	c.helpGroup(w, title, others)
}

func (c *command) helpGroup(w io.Writer, title string, fs []*flag.Flag) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", title)
	for _, f := range fs {
		_, usage := flag.UnquoteUsage(f)
		lines := wrap(usage, helpWidth-6)
		if d := shownDefault(f); d != "" && !strings.Contains(usage, "(default") {
			// On the last line if it fits there, never broken.
			if last := len(lines) - 1; len(lines[last])+len(d)+1 <= helpWidth-6 {
				lines[last] += " " + d
			} else {
				lines = append(lines, d)
			}
		}
		fmt.Fprintf(w, "  %s\n", strings.TrimSpace("--"+f.Name+" "+c.arg(f)))
		for _, line := range lines {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
}

// shownDefault is "(default X)", X as one would type it (5m, not
// 5m0s), or "" for a zero default.
func shownDefault(f *flag.Flag) string {
	d := f.DefValue
	switch d {
	case "", "false", "0", "0s":
		return ""
	}
	if kindOf(f) == "duration" && strings.HasSuffix(d, "m0s") {
		d = strings.TrimSuffix(d, "0s")
	}
	if kindOf(f) == "duration" && strings.HasSuffix(d, "h0m") {
		d = strings.TrimSuffix(d, "0m")
	}
	return "(default " + shellQuote(d) + ")"
}

// arg is what follows --name in the help: the group's ARG, else the
// flag's own (see flagGroup); "" for a bool.
func (c *command) arg(f *flag.Flag) string {
	for _, g := range c.groups {
		for _, entry := range g.flags {
			if name, arg, ok := strings.Cut(entry, " "); ok && name == f.Name {
				return arg
			}
		}
	}
	if isBool(f) {
		return ""
	}
	switch name, _ := flag.UnquoteUsage(f); name {
	case "duration":
		return "DURATION"
	case "int", "uint":
		return "N"
	case "float":
		return "NUMBER"
	case "string", "value", "":
		return "VALUE"
	default: // a `NAME` of the usage
		return name
	}
}

// wrap breaks text into lines of at most width bytes, at spaces; a longer
// word has a line of its own.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
