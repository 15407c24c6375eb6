package controller

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// httpRequest is what a controller learns of one HTTP request, gathered
// before a runtime is borrowed so that no JavaScript waits on the network.
type httpRequest struct {
	r           *http.Request
	contextPath string
	params      url.Values
	body        *string
	webSocket   bool
}

// isTextType mirrors XP's RequestBodyReader.isText: only these bodies reach
// the controller as req.body.
func isTextType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json"
}

// requestObject builds XP's request object. Keys whose value is absent are
// omitted, as PortalRequestMapper does.
func (w *worker) requestObject(req *httpRequest) *goja.Object {
	vm := w.vm
	r := req.r
	o := vm.NewObject()
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host, port := splitHostPort(r.Host, scheme)
	_ = o.Set("method", r.Method)
	_ = o.Set("scheme", scheme)
	_ = o.Set("host", host)
	_ = o.Set("port", port)
	_ = o.Set("path", r.URL.Path)
	// Without virtual hosts the internal path XP calls rawPath is the path.
	_ = o.Set("rawPath", r.URL.Path)
	_ = o.Set("url", fullURL(r, scheme, host, port))
	_ = o.Set("remoteAddress", remoteIP(r.RemoteAddr))
	_ = o.Set("mode", "live")
	_ = o.Set("webSocket", req.webSocket)
	if req.contextPath != "" {
		_ = o.Set("contextPath", req.contextPath)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		_ = o.Set("contentType", ct)
	}
	if req.body != nil {
		_ = o.Set("body", *req.body)
	}
	_ = o.Set("params", w.multiMap(req.params))
	headers := vm.NewObject()
	if r.Host != "" {
		_ = headers.Set("Host", r.Host)
	}
	for name, values := range r.Header {
		if len(values) > 0 {
			_ = headers.Set(name, values[0])
		}
	}
	_ = o.Set("headers", headers)
	cookies := vm.NewObject()
	for _, c := range r.Cookies() {
		if cookies.Get(c.Name) == nil {
			_ = cookies.Set(c.Name, c.Value)
		}
	}
	_ = o.Set("cookies", cookies)
	_ = o.Set("getHeader", func(c goja.FunctionCall) goja.Value {
		name := c.Argument(0).String()
		if strings.EqualFold(name, "host") {
			return vm.ToValue(r.Host)
		}
		if v := r.Header.Values(name); len(v) > 0 {
			return vm.ToValue(v[0])
		}
		return goja.Null()
	})
	return o
}

// multiMap turns repeated names into arrays and single ones into strings,
// XP's MapperHelper.serializeMultimap.
func (w *worker) multiMap(values map[string][]string) *goja.Object {
	o := w.vm.NewObject()
	for k, v := range values {
		switch len(v) {
		case 0:
		case 1:
			_ = o.Set(k, v[0])
		default:
			_ = o.Set(k, w.vm.ToValue(v))
		}
	}
	return o
}

func splitHostPort(hostport, scheme string) (string, int) {
	port := 80
	if scheme == "https" {
		port = 443
	}
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return strings.Trim(hostport, "[]"), port
	}
	if n, err := strconv.Atoi(p); err == nil {
		port = n
	}
	return host, port
}

func fullURL(r *http.Request, scheme, host string, port int) string {
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	if strings.Contains(host, ":") {
		b.WriteString("[" + host + "]")
	} else {
		b.WriteString(host)
	}
	if (scheme == "http" && port != 80) || (scheme == "https" && port != 443) {
		b.WriteString(":" + strconv.Itoa(port))
	}
	b.WriteString(r.URL.EscapedPath())
	if r.URL.RawQuery != "" {
		b.WriteString("?" + r.URL.RawQuery)
	}
	return b.String()
}

func remoteIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
