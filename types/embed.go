// Package types embeds this folder's TypeScript declarations, so that
// `duplex init` can write them into a new application, which lives outside
// this repository.
package types

import (
	"embed"
	"io/fs"
)

//go:embed *.d.ts tsconfig.json
var files embed.FS

// FS holds the declarations (*.d.ts) and the tsconfig.json applications
// extend, at its root.
func FS() fs.FS { return files }
