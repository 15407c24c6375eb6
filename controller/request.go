package controller

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"duplex/websocket"
)

// httpRequest is what a controller learns of one HTTP request, gathered
// before a runtime is borrowed so that no JavaScript waits on the network.
type httpRequest struct {
	r           *http.Request
	contextPath string
	// params are the query's and a form body's parameters, made on first
	// use (query): most GETs are answered without reading them.
	params url.Values
	// form is a form body's parameters, which params adds to the query's.
	form      url.Values
	body      *string
	webSocket bool
	appErrors bool // error/error.js renders its errors (Target.AppErrors)
	// held is what the body took from Options.Bodies, given back when the
	// request is answered.
	held int64
}

// query is the request's parameters, the query's then a form body's.
func (req *httpRequest) query() url.Values {
	if req.params == nil {
		req.params = req.r.URL.Query()
		for k, v := range req.form {
			req.params[k] = append(req.params[k], v...)
		}
	}
	return req.params
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

// The request's own properties, in XP's order: PortalRequestMapper leaves
// out keys whose value is absent, so there is one list per combination of
// contextPath, contentType and body.
var requestKeys = func() [8][]string {
	var lists [8][]string
	for i := range lists {
		l := []string{"method", "scheme", "host", "port", "path", "rawPath", "url", "remoteAddress", "mode", "webSocket"}
		if i&1 != 0 {
			l = append(l, "contextPath")
		}
		if i&2 != 0 {
			l = append(l, "contentType")
		}
		if i&4 != 0 {
			l = append(l, "body")
		}
		lists[i] = append(l, "params", "headers", "cookies", "getHeader")
	}
	return lists
}()

// requestObject builds XP's request object; its fields are made when the
// script reads them (lazyProps).
func (w *worker) requestObject(req *httpRequest) *goja.Object {
	o := &jsRequest{w: w, req: req, contentType: req.r.Header.Get("Content-Type")}
	k := 0
	if req.contextPath != "" {
		k |= 1
	}
	if o.contentType != "" {
		k |= 2
	}
	if req.body != nil {
		k |= 4
	}
	o.src, o.names = o, requestKeys[k]
	return w.vm.NewDynamicObject(o)
}

// jsRequest is one request object (a goja.DynamicObject through lazyProps).
type jsRequest struct {
	lazyProps
	w           *worker
	req         *httpRequest
	contentType string
	pub         *websocket.Public // the client's view, looked up once
}

// public is the request as its client made it (websocket.PublicOf):
// scheme, host, port, url and remoteAddress come from it.
func (o *jsRequest) public() *websocket.Public {
	if o.pub == nil {
		p := websocket.PublicOf(o.req.r)
		o.pub = &p
	}
	return o.pub
}

func (o *jsRequest) field(key string) goja.Value {
	vm := o.w.vm
	r := o.req.r
	switch key {
	case "method":
		return vm.ToValue(r.Method)
	case "scheme":
		return vm.ToValue(o.public().Scheme)
	case "host":
		p := o.public()
		host, _ := splitHostPort(p.Host, p.Scheme)
		return vm.ToValue(host)
	case "port":
		p := o.public()
		_, port := splitHostPort(p.Host, p.Scheme)
		return vm.ToValue(port)
	case "path":
		// The path as the client sent it, percent-encoding kept, as XP's
		// request.path; rawPath is the decoded one.
		return vm.ToValue(r.URL.EscapedPath())
	case "rawPath":
		return vm.ToValue(r.URL.Path)
	case "url":
		p := o.public()
		host, port := splitHostPort(p.Host, p.Scheme)
		return vm.ToValue(fullURL(r, p.Scheme, host, port))
	case "remoteAddress":
		return vm.ToValue(o.public().Addr)
	case "mode":
		return vm.ToValue("live")
	case "webSocket":
		return vm.ToValue(o.req.webSocket)
	case "contextPath":
		return vm.ToValue(o.req.contextPath)
	case "contentType":
		return vm.ToValue(o.contentType)
	case "body":
		return vm.ToValue(*o.req.body)
	case "params":
		return o.w.multiMap(o.req.query())
	case "headers":
		return newHeaderObject(vm, r)
	case "cookies":
		cookies := vm.NewObject()
		for _, c := range r.Cookies() {
			if cookies.Get(c.Name) == nil {
				_ = cookies.Set(c.Name, c.Value)
			}
		}
		return cookies
	case "getHeader":
		return vm.ToValue(func(c goja.FunctionCall) goja.Value {
			name := c.Argument(0).String()
			if strings.EqualFold(name, "host") {
				return vm.ToValue(r.Host)
			}
			if v := r.Header.Values(name); len(v) > 0 {
				return vm.ToValue(v[0])
			}
			return goja.Null()
		})
	}
	return nil
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
