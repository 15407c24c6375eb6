// Package httpclient is XP's lib-http-client, /lib/http-client: request()
// sends one HTTP request and answers the response, synchronously, as the
// library does. Every connection goes through the server's outbound policy
// (loopback, private and link-local addresses refused unless
// --outbound-allow opens them), redirects included, and the request gives
// up before the call's --js-timeout, so that the script can still catch
// the failure.
package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dop251/goja"

	"duplex/lib"
)

// Defaults of lib-http-client, and the most of a response body held in
// memory (lib-http-client's MAX_IN_MEMORY_BODY_STREAM_BYTES).
const (
	defaultTimeout = 10 * time.Second
	maxBody        = 10_000_000
	maxRedirects   = 10
)

// Dialer opens the connections; the server's is its outbound policy.
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// Module serves the scripts of one application.
type Module struct {
	dial Dialer
}

// New returns the module, connecting through dial.
func New(dial Dialer) *Module { return &Module{dial: dial} }

// Path implements lib.Module.
func (m *Module) Path() string { return "/lib/http-client" }

// Instantiate implements lib.Module.
func (m *Module) Instantiate(env *lib.Env) (goja.Value, error) {
	vm := env.VM
	o := vm.NewObject()
	_ = o.Set("request", func(c goja.FunctionCall) goja.Value {
		p, ok := c.Argument(0).(*goja.Object)
		if !ok || lib.StringOf(p, "url") == "" {
			panic(vm.NewGoError(errors.New("Parameter 'url' is required")))
		}
		res, err := m.request(env, p)
		if err != nil {
			panic(vm.NewGoError(err))
		}
		return res
	})
	return o, nil
}

func (m *Module) request(env *lib.Env, p *goja.Object) (goja.Value, error) {
	for _, unsupported := range []string{"proxy", "certificates", "clientCertificate"} {
		if v := p.Get(unsupported); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
			return nil, fmt.Errorf("http-client: %s is not supported by duplex", unsupported)
		}
	}
	req, err := buildRequest(p)
	if err != nil {
		return nil, err
	}
	connect := millis(p, "connectionTimeout")
	read := millis(p, "readTimeout")
	ctx, cancel := env.Bounded(connect + read)
	defer cancel()
	follow := true
	if v := p.Get("followRedirects"); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
		follow = v.ToBoolean()
	}
	client := &http.Client{
		Transport: &http.Transport{
			DialContext:           (&dialer{dial: m.dial, timeout: connect}).DialContext,
			ResponseHeaderTimeout: read,
			TLSHandshakeTimeout:   connect,
			DisableKeepAlives:     true,
		},
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if !follow {
				return http.ErrUseLastResponse
			}
			if len(via) >= maxRedirects {
				return fmt.Errorf("http-client: more than %d redirects", maxRedirects)
			}
			return nil
		},
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("http-client: %s %s: %w", req.Method, req.URL.Redacted(), unwrap(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("http-client: reading the response of %s: %w", req.URL.Redacted(), err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("http-client: the response of %s is larger than %d bytes", req.URL.Redacted(), maxBody)
	}
	return response(env.VM, resp, body), nil
}

// buildRequest reads lib-http-client's parameters: queryParams go to the
// URL; params too for GET and HEAD, and otherwise make a form body; else
// body (with contentType), else multipart parts.
func buildRequest(p *goja.Object) (*http.Request, error) {
	method := strings.ToUpper(strings.TrimSpace(lib.StringOf(p, "method")))
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(lib.StringOf(p, "url"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("http-client: url %q: want http:// or https:// and a host", lib.StringOf(p, "url"))
	}
	form := values(p.Get("params"))
	query := u.Query()
	for k, vs := range values(p.Get("queryParams")) {
		query[k] = append(query[k], vs...)
	}
	formInQuery := method == http.MethodGet || method == http.MethodHead
	if formInQuery {
		for k, vs := range form {
			query[k] = append(query[k], vs...)
		}
	}
	u.RawQuery = query.Encode()
	var body io.Reader
	contentType := lib.StringOf(p, "contentType")
	switch {
	case len(form) > 0 && !formInQuery:
		body = strings.NewReader(form.Encode())
		contentType = "application/x-www-form-urlencoded"
	case lib.StringOf(p, "body") != "":
		body = strings.NewReader(lib.StringOf(p, "body"))
	default:
		if parts, ok := p.Get("multipart").(*goja.Object); ok {
			var ct string
			body, ct, err = multipartBody(parts)
			if err != nil {
				return nil, err
			}
			contentType = ct
		}
	}
	req, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("http-client: %w", err)
	}
	if headers, ok := p.Get("headers").(*goja.Object); ok {
		for _, k := range headers.Keys() {
			req.Header.Set(k, headers.Get(k).String())
		}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth, ok := p.Get("auth").(*goja.Object); ok && lib.StringOf(auth, "user") != "" {
		req.SetBasicAuth(lib.StringOf(auth, "user"), lib.StringOf(auth, "password"))
	}
	return req, nil
}

// multipartBody is a multipart/form-data body of parts {name, value,
// fileName, contentType}; parts without a name or value are skipped, as
// lib-http-client skips them.
func multipartBody(parts *goja.Object) (io.Reader, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, i := range parts.Keys() {
		part, ok := parts.Get(i).(*goja.Object)
		if !ok || lib.StringOf(part, "name") == "" || lib.StringOf(part, "value") == "" {
			continue
		}
		header := make(map[string][]string)
		disposition := mime.FormatMediaType("form-data", map[string]string{"name": lib.StringOf(part, "name")})
		if fn := lib.StringOf(part, "fileName"); fn != "" {
			disposition = mime.FormatMediaType("form-data", map[string]string{"name": lib.StringOf(part, "name"), "filename": fn})
		}
		header["Content-Disposition"] = []string{disposition}
		if ct := lib.StringOf(part, "contentType"); ct != "" {
			header["Content-Type"] = []string{ct}
		}
		pw, err := w.CreatePart(header)
		if err != nil {
			return nil, "", err
		}
		if _, err := io.WriteString(pw, lib.StringOf(part, "value")); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return &buf, w.FormDataContentType(), nil
}

// values reads a params object: null values are left out, arrays repeat
// the name.
func values(v goja.Value) url.Values {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil
	}
	out := url.Values{}
	for _, k := range o.Keys() {
		val := o.Get(k)
		if val == nil || goja.IsUndefined(val) || goja.IsNull(val) {
			continue
		}
		if arr, ok := val.(*goja.Object); ok && arr.ClassName() == "Array" {
			for _, i := range arr.Keys() {
				out.Add(k, arr.Get(i).String())
			}
			continue
		}
		out.Add(k, val.String())
	}
	return out
}

func millis(p *goja.Object, key string) time.Duration {
	if v := p.Get(key); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) && v.ToInteger() > 0 {
		return time.Duration(v.ToInteger()) * time.Millisecond
	}
	return defaultTimeout
}

// unwrap keeps the cause a script can act on (the policy's refusal names
// the setting), without net/url's wrapping.
func unwrap(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// dialer bounds each connection attempt by the connection timeout.
type dialer struct {
	dial    Dialer
	timeout time.Duration
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	return d.dial(ctx, network, addr)
}
