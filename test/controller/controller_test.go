package controller

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"duplex/test/harness"
)

// headerCI looks a key up case-insensitively in a JSON object of headers.
func headerCI(m map[string]any, name string) (any, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func asStringSet(t testing.TB, v any, what string) []string {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: got %#v (%T), want a JSON array", what, v, v)
	}
	var out []string
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			t.Fatalf("%s: element %#v is not a string", what, e)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// TestRequestObject checks every field of the request object handed to a
// controller, for GET with query/headers/cookies and for the body kinds.
func TestRequestObject(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))
	echo := s.URL + "/_/service/myapp/echo"

	t.Run("GET", func(t *testing.T) {
		r := harness.Get(t, echo+"?a=1&b=x&b=y", "X-Custom-Header", "abc", "Cookie", "c1=one; c2=two")
		harness.WantStatus(t, r, 200, "GET echo")
		harness.WantMediaType(t, r, "application/json", "utf-8", "object body")
		m := r.JSON(t)
		harness.WantField(t, m, "method", "GET")
		harness.WantField(t, m, "scheme", "http")
		harness.WantField(t, m, "host", "127.0.0.1")
		harness.WantField(t, m, "port", float64(s.Port))
		harness.WantField(t, m, "path", "/_/service/myapp/echo")
		harness.WantField(t, m, "rawPath", "/_/service/myapp/echo")
		harness.WantField(t, m, "url", s.URL+"/_/service/myapp/echo?a=1&b=x&b=y")
		harness.WantField(t, m, "remoteAddress", "127.0.0.1")
		harness.WantField(t, m, "webSocket", false)
		types := m["types"].(map[string]any)
		harness.WantField(t, types, "port", "number")
		harness.WantField(t, types, "webSocket", "boolean")
		harness.WantField(t, types, "params", "object")
		harness.WantField(t, types, "headers", "object")
		harness.WantField(t, types, "cookies", "object")
		harness.WantField(t, types, "getHeader", "function")
		harness.WantField(t, types, "body", "undefined") // no body on a GET

		params, _ := m["params"].(map[string]any)
		harness.WantField(t, params, "a", "1")
		if got := asStringSet(t, params["b"], "params.b (repeated name)"); !reflect.DeepEqual(got, []string{"x", "y"}) {
			t.Fatalf("params.b = %v, want [x y]", got)
		}
		headers, _ := m["headers"].(map[string]any)
		if v, ok := headerCI(headers, "x-custom-header"); !ok || v != "abc" {
			t.Fatalf("headers[X-Custom-Header] = %#v (present %v), want \"abc\"; headers %v", v, ok, headers)
		}
		if v, ok := headerCI(headers, "host"); !ok || v != s.Addr {
			t.Fatalf("headers[Host] = %#v (present %v), want %q", v, ok, s.Addr)
		}
		cookies, _ := m["cookies"].(map[string]any)
		harness.WantField(t, cookies, "c1", "one")
		harness.WantField(t, cookies, "c2", "two")
		gh, _ := m["getHeader"].(map[string]any)
		if gh == nil {
			t.Fatalf("req.getHeader is not a function")
		}
		harness.WantField(t, gh, "lower", "abc")
		harness.WantField(t, gh, "upper", "abc")
		harness.WantField(t, gh, "mixed", "abc")
		harness.WantField(t, gh, "missing", true)
	})

	t.Run("POST form", func(t *testing.T) {
		r := harness.Post(t, echo+"?a=1&b=x", "application/x-www-form-urlencoded", "c=3&b=z&d=%C3%A9t%C3%A9")
		harness.WantStatus(t, r, 200, "POST form echo")
		m := r.JSON(t)
		harness.WantField(t, m, "method", "POST")
		harness.WantField(t, m, "contentType", "application/x-www-form-urlencoded")
		params, _ := m["params"].(map[string]any)
		harness.WantField(t, params, "a", "1")
		harness.WantField(t, params, "c", "3")
		harness.WantField(t, params, "d", "été")
		if got := asStringSet(t, params["b"], "params.b (query + form)"); !reflect.DeepEqual(got, []string{"x", "z"}) {
			t.Fatalf("params.b = %v, want [x z]", got)
		}
		types := m["types"].(map[string]any)
		harness.WantField(t, types, "body", "undefined") // form bodies are not text
	})

	t.Run("POST json", func(t *testing.T) {
		r := harness.Post(t, echo, "application/json", `{"x":[1,2],"y":"z"}`)
		harness.WantStatus(t, r, 200, "POST json echo")
		m := r.JSON(t)
		harness.WantField(t, m, "contentType", "application/json")
		harness.WantField(t, m, "body", `{"x":[1,2],"y":"z"}`)
		if params, _ := m["params"].(map[string]any); params["x"] != nil || params["y"] != nil {
			t.Errorf("JSON body fields leaked into params: %v", params)
		}
		r = harness.Post(t, echo, "application/json; charset=utf-8", `{"é":"ü"}`)
		harness.WantStatus(t, r, 200, "POST json with charset")
		harness.WantField(t, r.JSON(t), "body", `{"é":"ü"}`)
	})

	t.Run("POST form with charset", func(t *testing.T) {
		r := harness.Post(t, echo, "application/x-www-form-urlencoded; charset=UTF-8", "f=1&g=%C3%BC")
		harness.WantStatus(t, r, 200, "POST form with charset")
		params, _ := r.JSON(t)["params"].(map[string]any)
		harness.WantField(t, params, "f", "1")
		harness.WantField(t, params, "g", "ü")
	})

	t.Run("large text body", func(t *testing.T) {
		big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
		r := harness.Post(t, echo, "text/plain", big)
		harness.WantStatus(t, r, 200, "1 MiB text body")
		if got, _ := r.JSON(t)["body"].(string); got != big {
			t.Errorf("1 MiB text body arrived with %d bytes, want %d identical", len(got), len(big))
		}
	})

	t.Run("PUT text", func(t *testing.T) {
		r := harness.Do(t, http.MethodPut, echo, strings.NewReader("héllo\nwörld"), "Content-Type", "text/plain; charset=utf-8")
		harness.WantStatus(t, r, 200, "PUT text echo")
		m := r.JSON(t)
		harness.WantField(t, m, "method", "PUT")
		harness.WantField(t, m, "body", "héllo\nwörld")
		ct, _ := m["contentType"].(string)
		if !strings.HasPrefix(ct, "text/plain") {
			t.Fatalf("contentType = %q, want text/plain...", ct)
		}
	})

	t.Run("POST binary", func(t *testing.T) {
		r := harness.Post(t, echo, "application/octet-stream", "\x00\x01\x02binary")
		harness.WantStatus(t, r, 200, "POST binary echo")
		m := r.JSON(t)
		harness.WantField(t, m, "contentType", "application/octet-stream")
		types := m["types"].(map[string]any)
		harness.WantField(t, types, "body", "undefined")
	})
}

// TestWebSocketFlag checks req.webSocket: true only for a valid upgrade request.
func TestWebSocketFlag(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))
	const path = "/_/service/myapp/echo"
	validKey := "dGhlIHNhbXBsZSBub25jZQ==" // 16 bytes
	req := func(method, proto string, hdrs ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s\r\nHost: %s\r\n", method, path, proto, s.Addr)
		for _, h := range hdrs {
			b.WriteString(h + "\r\n")
		}
		if method == "POST" {
			b.WriteString("Content-Length: 0\r\n")
		}
		b.WriteString("\r\n")
		return b.String()
	}
	cases := []struct {
		name string
		req  string
		want bool
	}{
		{"valid", req("GET", "HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: "+validKey, "Sec-WebSocket-Version: 13"), true},
		{"valid token list, mixed case", req("GET", "HTTP/1.1", "Upgrade: WebSocket", "Connection: keep-alive, upgrade", "Sec-WebSocket-Key: "+validKey, "Sec-WebSocket-Version: 13"), true},
		{"plain GET", req("GET", "HTTP/1.1"), false},
		{"missing key", req("GET", "HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13"), false},
		{"key not base64", req("GET", "HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: not*base64*at*all!", "Sec-WebSocket-Version: 13"), false},
		{"key 15 bytes", req("GET", "HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA", "Sec-WebSocket-Version: 13"), false},
		{"POST", req("POST", "HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: "+validKey, "Sec-WebSocket-Version: 13"), false},
		{"HTTP/1.0", req("GET", "HTTP/1.0", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: "+validKey, "Sec-WebSocket-Version: 13"), false},
		{"Upgrade h2c", req("GET", "HTTP/1.1", "Upgrade: h2c", "Connection: Upgrade", "Sec-WebSocket-Key: "+validKey), false},
		{"no Connection upgrade", req("GET", "HTTP/1.1", "Upgrade: websocket", "Connection: keep-alive", "Sec-WebSocket-Key: "+validKey, "Sec-WebSocket-Version: 13"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := harness.RawRequest(t, s, c.req)
			harness.WantStatus(t, r, 200, c.name)
			m := r.JSON(t)
			harness.WantField(t, m, "webSocket", c.want)
		})
	}
}

// TestMethodDispatch: handler = export named after the lower-cased method,
// HEAD runs get without a body, missing handler => 405, OPTIONS default.
func TestMethodDispatch(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))
	u := s.URL + "/_/service/myapp/methods"
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH"} {
		r := harness.Do(t, m, u, strings.NewReader(""))
		harness.WantStatus(t, r, 200, m)
		want := strings.ToLower(m) + ":" + m
		if r.Body != want {
			t.Errorf("%s: body %q, want %q", m, r.Body, want)
		}
		if h := r.Header.Get("X-Handler"); h != strings.ToLower(m) {
			t.Errorf("%s: X-Handler %q, want %q", m, h, strings.ToLower(m))
		}
	}

	t.Run("HEAD runs get", func(t *testing.T) {
		r := harness.Do(t, http.MethodHead, u, nil)
		harness.WantStatus(t, r, 200, "HEAD")
		if h := r.Header.Get("X-Handler"); h != "get" {
			t.Errorf("HEAD: X-Handler %q, want get", h)
		}
		if h := r.Header.Get("X-Method"); h != "HEAD" {
			t.Errorf("HEAD: req.method seen by the controller %q, want HEAD", h)
		}
		// Read the raw bytes: no body may follow the headers.
		raw := harness.RawExchange(t, s, "HEAD /_/service/myapp/methods HTTP/1.1\r\nHost: "+s.Addr+"\r\nConnection: close\r\n\r\n")
		i := strings.Index(raw, "\r\n\r\n")
		if i < 0 || !strings.HasPrefix(raw, "HTTP/1.1 200") {
			t.Fatalf("raw HEAD response malformed: %q", raw)
		}
		if rest := raw[i+4:]; rest != "" {
			t.Errorf("HEAD response carries a body: %q", rest)
		}
	})

	t.Run("no handler => 405", func(t *testing.T) {
		r := harness.Do(t, http.MethodTrace, u, nil)
		harness.WantStatus(t, r, 405, "TRACE without trace/all export")
	})

	t.Run("OPTIONS default", func(t *testing.T) {
		r := harness.Do(t, http.MethodOptions, u, nil)
		harness.WantStatus(t, r, 200, "OPTIONS without options/all export")
		allow := r.Header.Values("Allow")
		got := map[string]bool{}
		for _, v := range allow {
			for _, p := range strings.Split(v, ",") {
				got[strings.ToUpper(strings.TrimSpace(p))] = true
			}
		}
		for _, m := range []string{"GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE", "PATCH"} {
			if !got[m] {
				t.Errorf("Allow header %q lacks %s", allow, m)
			}
		}
		r = harness.Do(t, http.MethodOptions, s.URL+"/webapp/myapp/", nil)
		harness.WantStatus(t, r, 200, "OPTIONS on a webapp without options/all export")
		if r.Header.Get("Allow") == "" {
			t.Errorf("OPTIONS on a webapp: no Allow header")
		}
	})

	t.Run("non-standard methods => 405", func(t *testing.T) {
		for _, m := range []string{"PROPFIND", "MKCOL", "FOO"} {
			r := harness.Do(t, m, u, nil)
			harness.WantStatus(t, r, 405, m+" on methods service")
			r = harness.Do(t, m, s.URL+"/_/service/myapp/allsvc", nil)
			harness.WantStatus(t, r, 405, m+" on a service exporting all")
			r = harness.Do(t, m, s.URL+"/webapp/myapp/", nil)
			harness.WantStatus(t, r, 405, m+" on a webapp")
		}
	})

	t.Run("module.exports controller", func(t *testing.T) {
		r := harness.Get(t, s.URL+"/_/service/myapp/modsvc")
		harness.WantStatus(t, r, 200, "GET modsvc")
		if r.Body != "modsvc-get" {
			t.Errorf("modsvc body %q, want modsvc-get", r.Body)
		}
		r = harness.Post(t, s.URL+"/_/service/myapp/modsvc", "text/plain", "x")
		harness.WantStatus(t, r, 405, "POST modsvc (no post/all)")
	})
}

// TestAllFallback: 'all' handles every standard method without its own export.
func TestAllFallback(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))
	u := s.URL + "/_/service/myapp/allsvc"
	r := harness.Get(t, u)
	harness.WantStatus(t, r, 200, "GET allsvc")
	if r.Body != "get:GET" {
		t.Errorf("GET allsvc body %q, want get:GET (the get export wins over all)", r.Body)
	}
	r = harness.Do(t, http.MethodHead, u, nil)
	harness.WantStatus(t, r, 200, "HEAD allsvc")
	if h := r.Header.Get("X-Handler"); h != "get" {
		t.Errorf("HEAD allsvc X-Handler %q, want get", h)
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"} {
		r := harness.Do(t, m, u, strings.NewReader(""))
		harness.WantStatus(t, r, 200, m+" allsvc")
		if want := "all:" + m; r.Body != want {
			t.Errorf("%s allsvc body %q, want %q", m, r.Body, want)
		}
	}
}

func isBoomLog(e harness.LogEntry) bool {
	return e.Level() == "error" && e.Has("/services/boom/boom.js")
}

// TestControllerThrows: 500 error page (JSON or HTML by Accept), no stack
// outside dev mode, one error log line per failure, server keeps serving.
func TestControllerThrows(t *testing.T) {
	t.Parallel()
	t.Run("prod", func(t *testing.T) {
		t.Parallel()
		s := duplex.Start(t, "--app", harness.App("myapp"))
		u := s.URL + "/_/service/myapp/boom"

		r := harness.Get(t, u, "Accept", "application/json")
		harness.WantStatus(t, r, 500, "throwing controller, JSON")
		harness.WantMediaType(t, r, "application/json", "", "JSON error page")
		m := r.JSON(t)
		harness.WantField(t, m, "status", float64(500))
		msg, _ := m["message"].(string)
		if !strings.Contains(msg, "kaboom-1") {
			t.Errorf("error message %q does not contain the JS error message kaboom-1", msg)
		}
		if strings.Contains(r.Body, "boom.js:3") {
			t.Errorf("JSON error page leaks the stack outside dev mode: %s", r.Body)
		}

		r = harness.Get(t, u)
		harness.WantStatus(t, r, 500, "throwing controller, no Accept")
		harness.WantMediaType(t, r, "application/json", "", "error page without Accept")

		r = harness.Get(t, u, "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		harness.WantStatus(t, r, 500, "throwing controller, HTML")
		harness.WantMediaType(t, r, "text/html", "", "HTML error page")
		if !strings.Contains(r.Body, "500") {
			t.Errorf("HTML error page does not mention 500: %s", harness.Trunc(r.Body))
		}
		if strings.Contains(r.Body, "boom.js:3") {
			t.Errorf("HTML error page leaks the stack outside dev mode: %s", harness.Trunc(r.Body))
		}

		// One error line per failure, naming the script and the message.
		s.WaitLogCount(t, isBoomLog, 3, 10*time.Second)
		for _, e := range s.Entries() {
			if isBoomLog(e) && !e.Has("kaboom-1") {
				t.Errorf("error log line lacks the error message kaboom-1: %s", e.Raw)
			}
		}
		r = harness.Get(t, s.URL+"/_/service/myapp/echo")
		harness.WantStatus(t, r, 200, "request after a throwing controller")
		if n := s.CountLogs(isBoomLog); n != 3 {
			t.Errorf("%d error log lines mention boom.js after 3 failing requests, want exactly 3; stderr:\n%s", n, s.Stderr())
		}
	})
	t.Run("dev", func(t *testing.T) {
		t.Parallel()
		s := duplex.Start(t, "--app", harness.App("myapp"), "--dev")
		u := s.URL + "/_/service/myapp/boom"
		r := harness.Get(t, u, "Accept", "text/html")
		harness.WantStatus(t, r, 500, "throwing controller, HTML, dev")
		harness.WantMediaType(t, r, "text/html", "", "dev HTML error page")
		if !strings.Contains(r.Body, "boom.js:3") {
			t.Errorf("dev HTML error page lacks the JS stack position boom.js:3: %s", harness.Trunc(r.Body))
		}
		r = harness.Get(t, u, "Accept", "application/json")
		harness.WantStatus(t, r, 500, "throwing controller, JSON, dev")
		m := r.JSON(t)
		harness.WantField(t, m, "status", float64(500))
		r = harness.Get(t, s.URL+"/_/service/myapp/echo")
		harness.WantStatus(t, r, 200, "request after a throwing controller (dev)")
	})
}

// TestResponseObject checks the mapping of the returned response object.
func TestResponseObject(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))
	u := s.URL + "/_/service/myapp/respond?case="

	t.Run("string body", func(t *testing.T) {
		r := harness.Get(t, u+"string")
		harness.WantStatus(t, r, 200, "string")
		harness.WantMediaType(t, r, "text/html", "utf-8", "string body default")
		if r.Body != "plain string body" {
			t.Errorf("body %q", r.Body)
		}
	})
	jsonBody := func(t *testing.T, c string, want any) {
		t.Helper()
		r := harness.Get(t, u+c)
		harness.WantStatus(t, r, 200, c)
		harness.WantMediaType(t, r, "application/json", "utf-8", c+" body default")
		var got any
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatalf("%s body is not JSON: %q", c, r.Body)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s body = %#v, want %#v", c, got, want)
		}
	}
	t.Run("object body", func(t *testing.T) {
		jsonBody(t, "object", map[string]any{"a": float64(1), "s": "x", "list": []any{float64(1), float64(2), float64(3)}, "nested": map[string]any{"ok": true}})
	})
	t.Run("array body", func(t *testing.T) {
		jsonBody(t, "array", []any{float64(1), "two", map[string]any{"three": float64(3)}})
	})
	t.Run("nothing", func(t *testing.T) {
		r := harness.Get(t, u+"nothing")
		harness.WantStatus(t, r, 200, "controller returning nothing")
		if r.Body != "" {
			t.Errorf("body %q, want empty", r.Body)
		}
	})
	t.Run("status", func(t *testing.T) {
		r := harness.Get(t, u+"status")
		harness.WantStatus(t, r, 201, "status 201")
		if r.Body != "created" {
			t.Errorf("body %q, want created", r.Body)
		}
	})
	t.Run("contentType", func(t *testing.T) {
		r := harness.Get(t, u+"ctype")
		harness.WantStatus(t, r, 200, "ctype")
		harness.WantMediaType(t, r, "text/csv", "utf-8", "explicit contentType")
		if r.Body != "some,csv" {
			t.Errorf("body %q", r.Body)
		}
	})
	t.Run("headers", func(t *testing.T) {
		r := harness.Get(t, u+"headers")
		harness.WantStatus(t, r, 200, "headers")
		if r.Header.Get("X-One") != "1" || r.Header.Get("X-Two") != "two" {
			t.Errorf("headers X-One=%q X-Two=%q, want 1 and two", r.Header.Get("X-One"), r.Header.Get("X-Two"))
		}
	})
	t.Run("4xx/5xx without body => default error page", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			status int
		}{{"404", 404}, {"503", 503}} {
			r := harness.Get(t, u+c.name, "Accept", "application/json")
			harness.WantStatus(t, r, c.status, "status "+c.name+" without body (JSON)")
			harness.WantMediaType(t, r, "application/json", "", "default error page "+c.name)
			m := r.JSON(t)
			harness.WantField(t, m, "status", float64(c.status))
			if _, ok := m["message"].(string); !ok {
				t.Errorf("default error page %s lacks a string message: %s", c.name, r.Body)
			}
			r = harness.Get(t, u+c.name, "Accept", "text/html")
			harness.WantStatus(t, r, c.status, "status "+c.name+" without body (HTML)")
			harness.WantMediaType(t, r, "text/html", "", "default HTML error page "+c.name)
			if !strings.Contains(r.Body, c.name) {
				t.Errorf("HTML error page for %s does not mention the status: %s", c.name, harness.Trunc(r.Body))
			}
		}
	})
	t.Run("4xx with body is sent as is", func(t *testing.T) {
		r := harness.Get(t, u+"418body", "Accept", "application/json")
		harness.WantStatus(t, r, 418, "418 with body")
		if r.Body != "i am a teapot" {
			t.Errorf("body %q, want the controller's body", r.Body)
		}
	})
}

// TestResponseCookies: string and object cookies become Set-Cookie headers.
func TestResponseCookies(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))
	r := harness.Get(t, s.URL+"/_/service/myapp/cookies")
	harness.WantStatus(t, r, 200, "cookies")
	byName := map[string]*http.Cookie{}
	for _, c := range r.Resp.Cookies() {
		byName[c.Name] = c
	}
	simple := byName["simple"]
	if simple == nil || simple.Value != "v1" {
		t.Fatalf("cookie simple = %+v, want value v1; Set-Cookie: %q", simple, r.Header.Values("Set-Cookie"))
	}
	full := byName["full"]
	if full == nil {
		t.Fatalf("cookie full missing; Set-Cookie: %q", r.Header.Values("Set-Cookie"))
	}
	if full.Value != "v2" || full.Path != "/p" || full.Domain != "example.com" || full.MaxAge != 3600 ||
		!full.Secure || !full.HttpOnly || full.SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie full parsed as %+v; want value v2, path /p, domain example.com, Max-Age 3600, Secure, HttpOnly, SameSite=Strict; raw %q",
			full, r.Header.Values("Set-Cookie"))
	}

	r = harness.Get(t, s.URL+"/_/service/myapp/cookies?variant=more")
	harness.WantStatus(t, r, 200, "more cookies")
	raw := map[string]string{}
	for _, line := range r.Header.Values("Set-Cookie") {
		name, _, _ := strings.Cut(line, "=")
		raw[strings.TrimSpace(name)] = line
	}
	if v := raw["gone"]; !strings.Contains(v, "Max-Age=0") && !strings.Contains(strings.ToLower(v), "expires=thu, 01 jan 1970") {
		t.Errorf("cookie with maxAge 0 must be deleted (Max-Age=0); Set-Cookie %q", v)
	}
	if v := raw["session"]; v == "" || strings.Contains(strings.ToLower(v), "max-age") || strings.Contains(strings.ToLower(v), "expires") {
		t.Errorf("cookie without maxAge must be a session cookie (no Max-Age/Expires); Set-Cookie %q", v)
	}
	if v := raw["laxone"]; !strings.Contains(strings.ToLower(v), "samesite=lax") {
		t.Errorf("sameSite lax: Set-Cookie %q", v)
	}
	if v := raw["noneone"]; !strings.Contains(strings.ToLower(v), "samesite=none") || !strings.Contains(strings.ToLower(v), "secure") {
		t.Errorf("sameSite none + secure: Set-Cookie %q", v)
	}
}

// TestRedirect: redirect => 303 with Location.
func TestRedirect(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))
	r := harness.Get(t, s.URL+"/_/service/myapp/redirect")
	harness.WantStatus(t, r, http.StatusSeeOther, "redirect")
	if loc := r.Header.Get("Location"); loc != "/somewhere/else?x=1" {
		t.Errorf("Location %q, want /somewhere/else?x=1", loc)
	}
	r = harness.Get(t, s.URL+"/_/service/myapp/redirect?withStatus=1")
	harness.WantStatus(t, r, http.StatusSeeOther, "redirect together with status 200")
	if loc := r.Header.Get("Location"); loc != "/other" {
		t.Errorf("Location %q, want /other", loc)
	}
}

// TestThrowKinds: any thrown value (string, object, TypeError, a message with
// markup) is a 500 error page; the HTML page escapes the message; a controller
// file that doesn't compile is a 500 too; the server keeps serving.
func TestThrowKinds(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "myapp")
	harness.CopyDir(t, harness.App("myapp"), dir)
	harness.WriteFile(t, filepath.Join(dir, "services", "syntaxerr", "syntaxerr.js"), "exports.get = function (req) {\n  return { body: 'x' ;\n};\n")
	s := duplex.Start(t, "--app", dir)
	for _, kind := range []string{"string", "object", "html", "typeerror"} {
		for _, accept := range []string{"application/json", "text/html"} {
			r := harness.Get(t, s.URL+"/_/service/myapp/throwany?kind="+kind, "Accept", accept)
			harness.WantStatus(t, r, 500, "throw "+kind+" ("+accept+")")
			if accept == "text/html" {
				harness.WantMediaType(t, r, "text/html", "", "HTML error page for throw "+kind)
				if strings.Contains(r.Body, `<script>alert("xss")`) {
					t.Errorf("HTML error page embeds the error message unescaped: %s", harness.Trunc(r.Body))
				}
			} else {
				harness.WantField(t, r.JSON(t), "status", float64(500))
			}
		}
	}
	r := harness.Get(t, s.URL+"/_/service/myapp/throwany")
	harness.WantStatus(t, r, 200, "same controller without a throw")

	r = harness.Get(t, s.URL+"/_/service/myapp/syntaxerr", "Accept", "application/json")
	harness.WantStatus(t, r, 500, "controller with a syntax error")
	harness.WantField(t, r.JSON(t), "status", float64(500))
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Level() == "error" && e.Has("/services/syntaxerr/syntaxerr.js")
	}, 10*time.Second)
	r = harness.Get(t, s.URL+"/_/service/myapp/echo")
	harness.WantStatus(t, r, 200, "request after the failures")
}
