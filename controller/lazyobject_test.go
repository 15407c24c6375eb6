package controller

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"duplex/websocket"
)

// TestLazyEventObject: the event object made on demand behaves as the plain
// object XP hands out: its keys, a stable session, assignment, deletion and
// JSON, and a message that stays valid after the buffer it came from is
// reused.
func TestLazyEventObject(t *testing.T) {
	e := newTestEngine(t, fstest.MapFS{"x.js": {Data: []byte("")}}, 1)
	wk := <-e.workers
	s := openSession(t, "/_/service/app/chat?room=a&tag=x&tag=y", map[string]string{"user": "ann"})
	buf := []byte("hello")
	ev, err := wk.eventObject(&websocket.Event{Type: websocket.EventMessage, Session: s, Message: buf})
	if err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXX") // the hub reuses the buffer once the handler returned
	if err := wk.vm.Set("e", ev); err != nil {
		t.Fatal(err)
	}
	checks := [][2]string{
		{`Object.keys(e).join()`, "type,session,data,message"},
		{`Object.keys(e.session).join()`, "id,path,params"},
		{`e.session === e.session`, "true"},
		{`e.type + " " + e.message`, "message hello"},
		{`e.session.params.room + e.session.params.tag.length`, "a2"},
		{`e.data.user`, "ann"},
		{`e.hasOwnProperty("closeReason")`, "false"},
		{`"message" in e`, "true"},
		// Through JSON and back; params come from a Go map, so their order
		// is left out of the comparison.
		{`var j = JSON.parse(JSON.stringify(e)); Object.keys(j).join() + " " + Object.keys(j.session).join() + " " + j.session.id + j.session.path + j.session.params.tag.join() + j.data.user + j.message`, "type,session,data,message id,path,params " + s.ID() + "/_/service/app/chatx,yannhello"},
		{`e.extra = 1; e.type = "t"; Object.keys(e).join() + " " + e.type + e.extra`, "type,session,data,message,extra t1"},
		{`delete e.data; Object.keys(e).join() + " " + e.data`, "type,session,message,extra undefined"},
		{`e.data = 2; Object.keys(e).join() + " " + e.data`, "type,session,message,extra,data 2"},
		{`var c = Object.assign({}, e.session); c.id + Object.keys(c).length`, s.ID() + "3"},
	}
	runChecks(t, wk, checks)
}

func runChecks(t *testing.T, wk *worker, checks [][2]string) {
	t.Helper()
	for _, c := range checks {
		v, err := wk.vm.RunString(c[0])
		if err != nil {
			t.Fatalf("%s: %v", c[0], err)
		}
		if got := v.String(); got != c[1] {
			t.Errorf("%s = %q, want %q", c[0], got, c[1])
		}
	}
}

// TestLazyRequestObject: the request object keeps XP's keys, leaving out
// absent ones, and reads what the request carries.
func TestLazyRequestObject(t *testing.T) {
	e := newTestEngine(t, fstest.MapFS{"x.js": {Data: []byte("")}}, 1)
	wk := <-e.workers
	r := httptestRequest(t, "GET", "http://example.com:8080/_/service/app/s?a=1&a=2&b=3", map[string]string{"Cookie": "k=v", "X-Y": "z"})
	req := &httpRequest{r: r, params: r.URL.Query()}
	if err := wk.vm.Set("r", wk.requestObject(req)); err != nil {
		t.Fatal(err)
	}
	checks := [][2]string{
		{`Object.keys(r).join()`, "method,scheme,host,port,path,rawPath,url,remoteAddress,mode,webSocket,params,headers,cookies,getHeader"},
		{`r.method + r.host + r.port + r.path`, "GETexample.com8080/_/service/app/s"},
		{`r.url`, "http://example.com:8080/_/service/app/s?a=1&a=2&b=3"},
		// params come from a Go map: their order is not defined.
		{`r.params.a.join() + "|" + r.params.b + "|" + Object.keys(r.params).sort()`, "1,2|3|a,b"},
		{`r.headers["X-Y"] + r.cookies.k + r.getHeader("x-y")`, "zvz"},
		{`r.hasOwnProperty("body") || r.hasOwnProperty("contentType")`, "false"},
		{`r.headers === r.headers`, "true"},
	}
	runChecks(t, wk, checks)
}

func httptestRequest(t *testing.T, method, url string, headers map[string]string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, url, nil)
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

// TestRequestHeadersIgnoreCase: req.headers is XP's case-insensitive map:
// any case finds a header, keys come sorted without regard to case, and a
// script's changes follow the same rule.
func TestRequestHeadersIgnoreCase(t *testing.T) {
	e := newTestEngine(t, fstest.MapFS{"x.js": {Data: []byte("")}}, 1)
	wk := <-e.workers
	r := httptestRequest(t, "GET", "http://example.com/s", map[string]string{"x-requested-with": "fetch", "Accept": "*/*", "content-type": "text/plain"})
	if err := wk.vm.Set("h", wk.requestObject(&httpRequest{r: r}).Get("headers")); err != nil {
		t.Fatal(err)
	}
	runChecks(t, wk, [][2]string{
		{`h["x-requested-with"] + " " + h["X-Requested-With"] + " " + h["CONTENT-TYPE"] + " " + h.host`, "fetch fetch text/plain example.com"},
		{`Object.keys(h).join()`, "Accept,Content-Type,Host,X-Requested-With"},
		{`("accept" in h) + " " + h.hasOwnProperty("ACCEPT") + " " + ("missing" in h) + " " + h.missing`, "true true false undefined"},
		{`h["x-extra"] = "1"; h["X-EXTRA"] = "2"; delete h.accept; Object.keys(h).join() + " " + h["X-Extra"]`, "Content-Type,Host,x-extra,X-Requested-With 2"},
		{`JSON.stringify(h)`, `{"Content-Type":"text/plain","Host":"example.com","x-extra":"2","X-Requested-With":"fetch"}`},
	})
}

// TestRequestPaths: req.path is the path as sent, percent-encoded;
// req.rawPath the decoded one.
func TestRequestPaths(t *testing.T) {
	e := newTestEngine(t, fstest.MapFS{"x.js": {Data: []byte("")}}, 1)
	wk := <-e.workers
	r := httptestRequest(t, "GET", "http://example.com/webapp/app/caf%C3%A9/a%2Fb%20c?x=1", nil)
	if err := wk.vm.Set("r", wk.requestObject(&httpRequest{r: r})); err != nil {
		t.Fatal(err)
	}
	runChecks(t, wk, [][2]string{
		{`r.path`, "/webapp/app/caf%C3%A9/a%2Fb%20c"},
		{`r.rawPath`, "/webapp/app/café/a/b c"},
	})
}
