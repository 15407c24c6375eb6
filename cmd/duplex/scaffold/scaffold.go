// Package scaffold writes a new application, as `duplex init` makes it:
// app.json, a JSON service, a WebSocket chat service, a page that uses
// it, duplex's TypeScript declarations in types/ with a tsconfig.json
// that extends them, a .gitignore and a README.
//
// files/common holds what every application gets, files/js and files/ts
// the controllers in JavaScript (CommonJS, as XP's) or TypeScript (ES
// modules, as XP's TypeScript starters). A file ending in .tmpl is a
// text/template, given the application's Name and its controllers' Ext,
// and is written without that ending.
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/template"

	"duplex/app"
	"duplex/types"
)

//go:embed all:files
var files embed.FS

// Write makes dir, a new or empty folder, an application named after the
// folder, with controllers in TypeScript when ts is true, else in
// JavaScript. It returns the application's name. It never replaces a file:
// one that appears meanwhile makes it fail.
func Write(dir string, ts bool) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	name := filepath.Base(abs)
	if !app.ValidName(name) {
		return "", fmt.Errorf("%s: an application is named after its folder, and %q cannot name one: use letters, digits, '.', '_' and '-'", dir, name)
	}
	if err := newFolder(dir); err != nil {
		return "", err
	}
	lang := "js"
	if ts {
		lang = "ts"
	}
	data := struct{ Name, Ext string }{name, lang}
	for _, part := range []string{"files/common", "files/" + lang} {
		sub, err := fs.Sub(files, part)
		if err == nil {
			err = copyTree(sub, abs, data)
		}
		if err != nil {
			return "", err
		}
	}
	return name, copyTree(types.FS(), filepath.Join(abs, "types"), data)
}

// newFolder makes dir, or checks that it is an empty folder.
func newFolder(dir string) error {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case !info.IsDir():
		return fmt.Errorf("%s is a file: duplex init makes an application in a new or empty folder", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty (it holds %s): duplex init makes an application in a new or empty folder", dir, entries[0].Name())
	}
	return nil
}

// copyTree writes the files of src below dst, executing templates.
func copyTree(src fs.FS, dst string, data any) error {
	return fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dst, filepath.FromSlash(strings.TrimSuffix(p, ".tmpl")))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		content, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		if path.Ext(p) == ".tmpl" {
			t, err := template.New(p).Option("missingkey=error").Parse(string(content))
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if err := t.Execute(&b, data); err != nil {
				return err
			}
			content = b.Bytes()
		}
		return writeNew(target, content)
	})
}

// writeNew creates path with content, failing if it exists.
func writeNew(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
