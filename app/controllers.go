package app

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"duplex/controller"
)

// checkControllers refuses an application where one controller has two
// files (chat.js and chat.ts): which one ran would be a surprise.
func checkControllers(fsys fs.FS) error {
	bases := []string{"/main", "/webapp/webapp", "/error/error"}
	if dirs, err := fs.ReadDir(fsys, "services"); err == nil {
		for _, d := range dirs {
			if d.IsDir() {
				bases = append(bases, "/services/"+d.Name()+"/"+d.Name())
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var errs []error
	for _, base := range bases {
		if files := controller.ControllerFiles(fsys, base); len(files) > 1 {
			errs = append(errs, fmt.Errorf("%s: one controller, %d files; keep one", strings.Join(files, " and "), len(files)))
		}
	}
	return errors.Join(errs...)
}
