package controller

import (
	"io/fs"
	"sync"
	"time"
)

// reloader implements XP's dev mode: when any compiled file changed on disk,
// every runtime drops its modules and the next call evaluates them afresh.
// It costs one stat per compiled file per call, so it runs only with --dev.
type reloader struct {
	mu         sync.Mutex
	stamps     map[string]fileStamp // compiled file -> what it was when compiled
	generation uint64
}

type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(fsys fs.FS, file string) (fileStamp, bool) {
	info, err := fs.Stat(fsys, file[1:])
	if err != nil {
		return fileStamp{}, false
	}
	return fileStamp{mod: info.ModTime(), size: info.Size()}, true
}

// remember records the state of a file as it is now.
func (r *reloader) remember(fsys fs.FS, file string) {
	st, _ := stampOf(fsys, file)
	r.record(file, st)
}

// record records st as the state of file when it was read.
func (r *reloader) record(file string, st fileStamp) {
	r.mu.Lock()
	if r.stamps == nil {
		r.stamps = map[string]fileStamp{}
	}
	r.stamps[file] = st
	r.mu.Unlock()
}

// check returns the current generation, starting a new one (and forgetting
// the compiled programs) when a file changed or disappeared.
func (r *reloader) check(fsys fs.FS, programs *sync.Map) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	for file, was := range r.stamps {
		if now, ok := stampOf(fsys, file); !ok || now != was {
			r.generation++
			r.stamps = nil
			programs.Clear()
			break
		}
	}
	return r.generation
}
