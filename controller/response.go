package controller

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// httpResponse is a controller's answer, copied out of the runtime so that
// the runtime is free again before a byte is written to the network.
type httpResponse struct {
	status      int
	body        []byte
	pooled      *[]byte // the Engine.bodyBufs buffer body is in, given back once written
	hasBody     bool
	contentType string
	headers     http.Header // nil when the controller gave none
	cookies     []*http.Cookie
	redirect    string
	webSocket   *SocketOptions
}

// SocketOptions are the `webSocket` member of a controller's response.
type SocketOptions struct {
	Data         map[string]string
	SubProtocols []string
}

const (
	contentTypeText = "text/plain; charset=utf-8"
	contentTypeHTML = "text/html; charset=utf-8"
	contentTypeJSON = "application/json; charset=utf-8"
)

// readResponse follows PortalResponseSerializer: a non-object is an empty
// 200; an object's fields are read one by one, each with XP's default.
func (w *worker) readResponse(v goja.Value) (*httpResponse, error) {
	res := &httpResponse{status: http.StatusOK, contentType: contentTypeText}
	obj, ok := v.(*goja.Object)
	if !ok || isNullish(v) {
		return res, nil
	}
	res.contentType = contentTypeHTML
	if s := obj.Get("status"); !isNullish(s) {
		res.status = int(s.ToInteger())
	}
	if b := obj.Get("body"); !isNullish(b) {
		if err := w.readBody(res, b); err != nil {
			return nil, err
		}
	}
	if ct := obj.Get("contentType"); !isNullish(ct) {
		res.contentType = ct.String()
	}
	if h, ok := obj.Get("headers").(*goja.Object); ok {
		res.headers = http.Header{}
		for _, k := range h.Keys() {
			val := h.Get(k)
			if isNullish(val) {
				continue
			}
			if arr, ok := val.Export().([]any); ok {
				for _, item := range arr {
					res.headers.Add(k, toString(item))
				}
				continue
			}
			res.headers.Set(k, val.String())
		}
	}
	if c, ok := obj.Get("cookies").(*goja.Object); ok {
		for _, name := range c.Keys() {
			if cookie := readCookie(name, c.Get(name)); cookie != nil {
				res.cookies = append(res.cookies, cookie)
			}
		}
	}
	if r := obj.Get("redirect"); !isNullish(r) {
		res.redirect = r.String()
		res.status = http.StatusSeeOther
	}
	if ws := obj.Get("webSocket"); !isNullish(ws) {
		res.webSocket = w.readSocketOptions(ws)
	}
	return res, nil
}

func (w *worker) readBody(res *httpResponse, b goja.Value) error {
	res.hasBody = true
	obj, ok := b.(*goja.Object)
	if !ok {
		res.body = []byte(b.String())
		return nil
	}
	// Only binary bodies are exported: Export of a plain object copies it
	// whole into Go maps (a tenth of a JSON request's time) to be thrown
	// away, since JSON.stringify reads the object itself.
	if obj.ClassName() == "String" { // new String('...'): its text, as before
		res.body = []byte(obj.String())
		return nil
	}
	if binaryType(obj.ExportType()) {
		switch x := obj.Export().(type) {
		case goja.ArrayBuffer:
			res.body = append([]byte(nil), x.Bytes()...)
			res.contentType = "application/octet-stream"
			return nil
		case []byte:
			res.body = append([]byte(nil), x...)
			res.contentType = "application/octet-stream"
			return nil
		}
	}
	if _, isFunc := goja.AssertFunction(b); isFunc {
		res.hasBody = false
		return nil
	}
	buf := w.engine.bodyBufs.get()
	data, err := w.marshalTo((*buf)[:0], obj)
	if err != nil {
		return err
	}
	res.body, res.pooled = data, buf
	res.contentType = contentTypeJSON
	return nil
}

// binaryType reports whether an object of export type t is bytes (an
// ArrayBuffer, a Uint8Array); asking costs no export.
func binaryType(t reflect.Type) bool {
	return t == reflect.TypeFor[goja.ArrayBuffer]() || t == reflect.TypeFor[[]byte]()
}

// readCookie accepts XP's two forms: "value" or {value, path, domain,
// maxAge, secure, httpOnly, sameSite}.
func readCookie(name string, v goja.Value) *http.Cookie {
	if isNullish(v) {
		return nil
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return &http.Cookie{Name: name, Value: v.String()}
	}
	c := &http.Cookie{Name: name}
	str := func(key string) string {
		if x := obj.Get(key); !isNullish(x) {
			return x.String()
		}
		return ""
	}
	c.Value = str("value")
	c.Path = str("path")
	c.Domain = str("domain")
	if x := obj.Get("maxAge"); !isNullish(x) {
		// XP's -1 means a session cookie; 0 deletes the cookie.
		switch age := x.ToInteger(); {
		case age == 0:
			c.MaxAge = -1
			c.Expires = time.Unix(1, 0)
		case age > 0:
			c.MaxAge = int(age)
		}
	}
	c.Secure = obj.Get("secure") != nil && obj.Get("secure").ToBoolean()
	c.HttpOnly = obj.Get("httpOnly") != nil && obj.Get("httpOnly").ToBoolean()
	switch strings.ToLower(str("sameSite")) {
	case "lax":
		c.SameSite = http.SameSiteLaxMode
	case "strict":
		c.SameSite = http.SameSiteStrictMode
	case "none":
		c.SameSite = http.SameSiteNoneMode
	}
	return c
}

// readSocketOptions copies `webSocket`; XP turns every data value into a
// string and accepts one sub-protocol or a list.
func (w *worker) readSocketOptions(v goja.Value) *SocketOptions {
	opts := &SocketOptions{Data: map[string]string{}}
	obj, ok := v.(*goja.Object)
	if !ok {
		return opts
	}
	if d, ok := obj.Get("data").(*goja.Object); ok {
		for _, k := range d.Keys() {
			val := d.Get(k)
			if isNullish(val) {
				continue
			}
			if o, ok := val.(*goja.Object); ok && o.ClassName() != "Function" {
				if data, err := w.marshal(o); err == nil {
					opts.Data[k] = string(data)
					continue
				}
			}
			opts.Data[k] = val.String()
		}
	}
	if sp := obj.Get("subProtocols"); !isNullish(sp) {
		if list, ok := sp.Export().([]any); ok {
			for _, p := range list {
				opts.SubProtocols = append(opts.SubProtocols, toString(p))
			}
		} else {
			opts.SubProtocols = []string{sp.String()}
		}
	}
	return opts
}

func isNullish(v goja.Value) bool {
	return v == nil || goja.IsUndefined(v) || goja.IsNull(v)
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return ""
}

// bodyBuffers keeps the buffers of JSON response bodies between requests:
// a 2 KB answer grew a fresh buffer four times (512 bytes, doubled) and
// left them all to the collector.
type bodyBuffers struct{ pool sync.Pool }

// maxPooledBody bounds what is kept: a rare huge answer must not stay
// allocated for ever after.
const maxPooledBody = 64 << 10

func (b *bodyBuffers) get() *[]byte {
	if p, ok := b.pool.Get().(*[]byte); ok {
		return p
	}
	buf := make([]byte, 0, 1024)
	return &buf
}

// put gives back p, now holding buf (grown from it, perhaps).
func (b *bodyBuffers) put(p *[]byte, buf []byte) {
	if cap(buf) <= maxPooledBody {
		*p = buf[:0]
		b.pool.Put(p)
	}
}
