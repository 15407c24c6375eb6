package app

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// assetTags caches strong ETags by file, keyed by what would change them.
type assetTags struct {
	mu   sync.Mutex
	tags map[string]assetTag
}

type assetTag struct {
	mod  time.Time
	size int64
	etag string
}

// serveAsset serves assets/<name> with ETag, Last-Modified and conditional
// GET; it reports false when there is no such file, leaving the answer to
// the caller.
func (a *App) serveAsset(w http.ResponseWriter, r *http.Request, name string) bool {
	p := "assets/" + name
	if name == "" || strings.HasSuffix(name, "/") || !fs.ValidPath(p) {
		return false
	}
	f, err := a.Files.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	content, ok := f.(io.ReadSeeker)
	if !ok {
		return false
	}
	mod := info.ModTime()
	if mod.IsZero() {
		mod = a.loaded
	}
	etag, err := a.etag(p, mod, info.Size(), content)
	if err != nil {
		return false
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, info.Name(), mod, content)
	return true
}

func (a *App) etag(p string, mod time.Time, size int64, content io.ReadSeeker) (string, error) {
	a.tags.mu.Lock()
	t, ok := a.tags.tags[p]
	a.tags.mu.Unlock()
	if ok && t.mod.Equal(mod) && t.size == size {
		return t.etag, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, content); err != nil {
		return "", err
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	etag := `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12]) + `"`
	a.tags.mu.Lock()
	if a.tags.tags == nil {
		a.tags.tags = map[string]assetTag{}
	}
	a.tags.tags[p] = assetTag{mod: mod, size: size, etag: etag}
	a.tags.mu.Unlock()
	return etag, nil
}

// assetFingerprint is the part of the app's asset URLs (/lib/xp/portal's
// assetUrl) that changes when its files may have, as XP's: the load time in
// hex, or under --dev the time now, so that no edit is hidden by a cache.
func (a *App) assetFingerprint() string {
	t := a.loaded
	if a.dev {
		t = time.Now()
	}
	return strconv.FormatInt(t.UnixMilli(), 16)
}
