package harness

import (
	"bufio"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Resp is a fully read response.
type Resp struct {
	Status int
	Header http.Header
	Body   string
	Resp   *http.Response
}

// JSON decodes the body as a JSON object.
func (r *Resp) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("response body is not a JSON object (%v): status %d, Content-Type %q, body %q",
			err, r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	return m
}

// Do sends a request; hdr is alternating name, value pairs.
func Do(t testing.TB, method, url string, body io.Reader, hdr ...string) *Resp {
	t.Helper()
	r, err := DoErr(method, url, body, hdr...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

// DoErr is Do returning the error. Its client never follows a redirect (a
// test checks the redirect itself) and never waits forever.
func DoErr(method, url string, body io.Reader, hdr ...string) (*Resp, error) {
	return DoWith(&http.Client{}, method, url, body, hdr...)
}

// DoWith is DoErr through client (with its transport: TLS, a source
// address), which it sets to never follow a redirect nor wait forever.
func DoWith(client *http.Client, method, url string, body io.Reader, hdr ...string) (*Resp, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	client.Timeout = 30 * time.Second
	client.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &Resp{Status: res.StatusCode, Header: res.Header, Body: string(b), Resp: res}, nil
}

// Get is Do with GET.
func Get(t testing.TB, url string, hdr ...string) *Resp {
	t.Helper()
	return Do(t, http.MethodGet, url, nil, hdr...)
}

// Post is Do with POST and a body of contentType.
func Post(t testing.TB, url, contentType, body string, hdr ...string) *Resp {
	t.Helper()
	return Do(t, http.MethodPost, url, strings.NewReader(body), append([]string{"Content-Type", contentType}, hdr...)...)
}

// WantStatus fails the test unless r has the given status.
func WantStatus(t testing.TB, r *Resp, want int, what string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d; Content-Type %q; body %q", what, r.Status, want, r.Header.Get("Content-Type"), Trunc(r.Body))
	}
}

// WantMediaType checks a Content-Type header: the media type and, when
// charset is non-empty, the charset parameter (case-insensitive).
func WantMediaType(t testing.TB, r *Resp, mediaType, charset, what string) {
	t.Helper()
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("%s: unparsable Content-Type %q: %v (body %q)", what, ct, err, Trunc(r.Body))
	}
	if mt != mediaType {
		t.Fatalf("%s: Content-Type %q, want media type %q (body %q)", what, ct, mediaType, Trunc(r.Body))
	}
	if charset != "" && !strings.EqualFold(params["charset"], charset) {
		t.Fatalf("%s: Content-Type %q, want charset=%s", what, ct, charset)
	}
}

// WantField fails the test unless the JSON object m has key with value want.
func WantField(t testing.TB, m map[string]any, key string, want any) {
	t.Helper()
	got, ok := m[key]
	if !ok {
		t.Fatalf("field %q missing; object: %v", key, m)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("field %q = %#v (%T), want %#v (%T)", key, got, got, want, want)
	}
}

// Trunc shortens s for a failure message.
func Trunc(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}

// Tail is the last n bytes of s, for a log in a failure message.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

// RawRequest writes a raw HTTP request to the server and reads one response.
// The request text must use \r\n line endings and end with an empty line.
func RawRequest(t testing.TB, s *Server, request string) *Resp {
	t.Helper()
	conn := dialRaw(t, s)
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatalf("write raw request: %v", err)
	}
	method := strings.SplitN(request, " ", 2)[0]
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read raw response for %q: %v", strings.SplitN(request, "\r\n", 2)[0], err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read raw response body: %v", err)
	}
	return &Resp{Status: res.StatusCode, Header: res.Header, Body: string(b), Resp: res}
}

// RawGet sends "GET <target> HTTP/1.1" with the target written verbatim
// (no client-side cleaning or re-escaping).
func RawGet(t testing.TB, s *Server, target string) *Resp {
	t.Helper()
	return RawRequest(t, s, "GET "+target+" HTTP/1.1\r\nHost: "+s.Addr+"\r\nConnection: close\r\n\r\n")
}

// RawExchange writes a raw request (which should say Connection: close) and
// returns everything the server sends until it closes the connection.
func RawExchange(t testing.TB, s *Server, request string) string {
	t.Helper()
	conn := dialRaw(t, s)
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatalf("write raw request: %v", err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read raw response: %v (got %q)", err, b)
	}
	return string(b)
}

// dialRaw opens a TCP connection to s, with a deadline for the exchange.
func dialRaw(t testing.TB, s *Server) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.Addr, 10*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	return conn
}
