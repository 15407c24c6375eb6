package controller

import (
	"fmt"
	"path"

	"github.com/evanw/esbuild/pkg/api"
)

// Every script goes through esbuild once per version of its file, before
// goja compiles it: ES modules become CommonJS, TypeScript loses its
// types, the syntax goja lacks (async generators, for await) is lowered,
// and the module wrapper is added as esbuild's banner, so that the inline
// source map it writes maps every position, those of plain CommonJS files
// included, back to the user's file. Without it the wrapper's text shifted
// the columns of line 1 and the line of a syntax error at the end.

// scriptExtensions are the files that are scripts, in the order a module
// path without one tries them (after XP's ".js").
var scriptExtensions = []string{".js", ".ts", ".mjs", ".mts", ".cjs", ".cts"}

// isScript reports whether file is a script duplex runs.
func isScript(file string) bool {
	ext := path.Ext(file)
	for _, e := range scriptExtensions {
		if ext == e {
			return true
		}
	}
	return false
}

func loaderFor(file string) api.Loader {
	switch path.Ext(file) {
	case ".ts", ".mts", ".cts":
		return api.LoaderTS
	}
	return api.LoaderJS
}

// SyntaxError is a script that cannot be compiled, where the user wrote
// it: line and column count from 1.
type SyntaxError struct {
	File         string
	Line, Column int
	Message      string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("SyntaxError: %s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

// transform turns the source of file into the wrapped CommonJS program
// goja compiles, with an inline source map.
func transform(file string, src []byte) (string, error) {
	res := api.Transform(string(src), api.TransformOptions{
		Loader:         loaderFor(file),
		Format:         api.FormatCommonJS,
		Platform:       api.PlatformNeutral,
		Sourcefile:     file,
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentExclude,
		Banner:         moduleWrapperHead,
		Footer:         moduleWrapperTail,
		Charset:        api.CharsetUTF8,
		// What goja cannot run yet; esbuild rewrites it with generators.
		Supported: map[string]bool{"async-generator": false, "for-await": false},
		LogLevel:  api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		m := res.Errors[0]
		e := &SyntaxError{File: file, Message: m.Text}
		if l := m.Location; l != nil {
			e.Line, e.Column = l.Line, l.Column+1
		}
		if n := len(res.Errors) - 1; n > 0 {
			e.Message += fmt.Sprintf(" (and %d more %s)", n, plural(n, "error", "errors"))
		}
		return "", e
	}
	comment, err := inlineSourceMap(res.Map)
	if err != nil {
		return "", err
	}
	return string(res.Code) + comment, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// moduleWrapperTail closes moduleWrapperHead.
const moduleWrapperTail = "})"
