package lib

import "github.com/dop251/goja"

// Alias is a module registered under a second import path: requiring it
// returns the exports of target in the same runtime (net/v4/websockets is
// net/websockets), never a second instance.
func Alias(path, target string) Module { return alias{path: path, target: target} }

type alias struct{ path, target string }

func (a alias) Path() string { return a.path }

func (a alias) Instantiate(env *Env) (goja.Value, error) { return env.Require(a.target) }
