package controller

import "io/fs"

// Controller finds the script of a controller given its path without an
// extension ("/services/chat/chat", "/webapp/webapp"): a .js file as in
// XP, else a TypeScript or ES module file. Outside dev mode the answer is
// kept, so that a request pays no file system call for it.
func (e *Engine) Controller(base string) (string, bool) {
	if e.reload == nil {
		if file, ok := e.controllers.Load(base); ok {
			return file.(string), true
		}
	}
	for _, ext := range scriptExtensions {
		if file := base + ext; e.Exists(file) {
			if e.reload == nil {
				e.controllers.Store(base, file)
			}
			return file, true
		}
	}
	return "", false
}

// ControllerFiles lists the files in fsys that could be the controller
// base names; more than one is a mistake the server refuses to start
// with, rather than pick one silently.
func ControllerFiles(fsys fs.FS, base string) []string {
	var found []string
	for _, ext := range scriptExtensions {
		if info, err := fs.Stat(fsys, base[1:]+ext); err == nil && info.Mode().IsRegular() {
			found = append(found, base+ext)
		}
	}
	return found
}
