// Package site is the bundled chat application, embedded in the binary so
// that `duplex serve` works from any folder without --app.
package site

import (
	"embed"
	"io/fs"
)

//go:embed all:app
var files embed.FS

// FS returns the application's resources root.
func FS() fs.FS {
	sub, err := fs.Sub(files, "app")
	if err != nil {
		panic(err) // the embed pattern above guarantees "app" exists
	}
	return sub
}
