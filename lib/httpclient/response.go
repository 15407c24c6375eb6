package httpclient

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// response is lib-http-client's ResponseMapper, in its order: status,
// message, body (text only; null otherwise), contentType, headers (a
// name's values as one string, or an array when it repeats) and cookies.
// duplex has no streams: bodyStream is left out.
func response(vm *goja.Runtime, resp *http.Response, body []byte) goja.Value {
	o := vm.NewObject()
	_ = o.Set("status", resp.StatusCode)
	_ = o.Set("message", http.StatusText(resp.StatusCode))
	contentType := resp.Header.Get("Content-Type")
	if isText(contentType) {
		_ = o.Set("body", string(body))
	} else {
		_ = o.Set("body", goja.Null())
	}
	if contentType != "" {
		_ = o.Set("contentType", contentType)
	}
	headers := vm.NewObject()
	for name, vals := range resp.Header {
		key := strings.ToLower(name)
		if len(vals) == 1 {
			_ = headers.Set(key, vals[0])
		} else {
			_ = headers.Set(key, vals)
		}
	}
	_ = o.Set("headers", headers)
	cookies := []any{}
	now := time.Now()
	for _, c := range resp.Cookies() {
		cookie := map[string]any{"name": c.Name, "value": c.Value, "path": c.Path, "domain": c.Domain, "secure": c.Secure, "httpOnly": c.HttpOnly}
		switch {
		case c.MaxAge > 0:
			cookie["expires"] = now.Add(time.Duration(c.MaxAge) * time.Second).UTC().Format(time.RFC3339)
		case !c.Expires.IsZero():
			cookie["expires"] = c.Expires.UTC().Format(time.RFC3339)
		}
		cookies = append(cookies, cookie)
	}
	_ = o.Set("cookies", cookies)
	return o
}

// isText is what lib-http-client reads as a string (Utils.guessTextCharset):
// text/*, JSON, XML, JavaScript and form data.
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"), mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"), mt == "application/javascript",
		mt == "application/x-www-form-urlencoded":
		return true
	}
	return false
}
