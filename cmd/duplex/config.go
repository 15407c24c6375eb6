package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// loadConfig sets c's flags from the TOML file at path, whose keys are the
// flags' names (js-timeout = "10s", app = ["./myapp"]), except the flags
// that skip says a higher source (the environment, the command line)
// set. A key that is no flag, a secret written into the file and a value
// of the wrong type are errors naming the file and the key. FILE and DIR
// values are relative to the file's folder.
func (c *command) loadConfig(path string, skip func(name string) bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var values map[string]any
	md, err := toml.Decode(string(data), &values)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	// Keys in the file's order, so that the first mistake is reported; a
	// table's own keys ([t] x = 1 is t.x) are the table's mistake.
	for _, key := range md.Keys() {
		if len(key) != 1 {
			continue
		}
		if err := c.setFromConfig(key[0], values[key[0]], dir, skip); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

func (c *command) setFromConfig(name string, v any, dir string, skip func(string) bool) error {
	f := c.fs.Lookup(name)
	switch {
	case f == nil || name == "config":
		keys := slices.DeleteFunc(c.flagNames(), func(n string) bool { return n == "config" || slices.Contains(secretFlags, n) })
		return fmt.Errorf("unknown key %q%s; duplex %s --help lists the keys, which are its flags' names", name, suggest("", name, keys), c.name)
	case slices.Contains(secretFlags, name):
		// A config file is copied, committed and read by whoever deploys;
		// a secret belongs in a file of its own, or in the environment.
		return fmt.Errorf("%s: a secret does not belong in the config file; name a file holding it with %s-file = \"FILE\", or set %s in the environment", name, name, envName(name))
	case skip(name):
		return nil
	}
	values, err := configStrings(f, v)
	if err != nil {
		return fmt.Errorf("%s = %s: %w", name, tomlValue(v), err)
	}
	relative := c.arg(f) == "FILE" || c.arg(f) == "DIR"
	for _, s := range values {
		if relative && s != "" && !filepath.IsAbs(s) {
			s = filepath.Join(dir, s)
		}
		if err := c.fs.Set(name, s); err != nil {
			return fmt.Errorf("%s = %s: %w", name, tomlValue(v), valueError(f, s, err))
		}
	}
	return nil
}

// configStrings turns a TOML value into the strings f is set with, if it
// has f's type: true or false for a bool, an integer for a number, a
// string for a duration or a string, a string or an array of them for a
// repeatable flag (each element one value, as if the flag were repeated).
func configStrings(f *flag.Flag, v any) ([]string, error) {
	var want string
	switch kindOf(f) {
	case "bool":
		if b, ok := v.(bool); ok {
			return []string{strconv.FormatBool(b)}, nil
		}
		want = "true or false"
	case "duration":
		switch v := v.(type) {
		case string:
			return []string{v}, nil
		case int64, float64:
			return nil, errors.New(`a duration needs a unit, and quotes: e.g. "10s" or "500ms"`)
		}
		want = `a duration in quotes, e.g. "10s" or "500ms"`
	case "int":
		if n, ok := v.(int64); ok {
			return []string{strconv.FormatInt(n, 10)}, nil
		}
		want = "a whole number (without quotes)"
	case "list":
		var out []string
		for _, e := range listOf(v) {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want a string or a list of strings, but an element is %s", tomlType(e))
			}
			for _, part := range strings.Split(s, ",") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
		return out, nil
	default:
		if s, ok := v.(string); ok {
			return []string{s}, nil
		}
		want = "a string"
	}
	return nil, fmt.Errorf("want %s, not %s", want, tomlType(v))
}

// listOf is an array's elements, or a single value as a list of one.
func listOf(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

// tomlType names a decoded TOML value's type for an error message.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a decimal number"
	case bool:
		return "true or false"
	case []any, []map[string]any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// tomlValue is v as it would be written in TOML, near enough for an
// error message to quote the line.
func tomlValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = tomlValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any, []map[string]any:
		return "(a table)"
	}
	return fmt.Sprint(v)
}
