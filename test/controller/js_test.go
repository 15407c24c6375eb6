package controller

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"duplex/test/harness"
)

// TestRequireResolution: XP require() rules (absolute, ./, ../, bare names,
// .js, /index.js, .json, /index.json in that order, JSON parsed, cache).
func TestRequireResolution(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "1")
	for i := 1; i <= 2; i++ {
		r := harness.Get(t, s.URL+"/_/service/myapp/require")
		harness.WantStatus(t, r, 200, "require service")
		m := r.JSON(t)
		checks := []struct {
			key  string
			want any
		}{
			{"upper", "ABC"},                   // lib requiring ./case
			{"stringsTag", "strings"},          // '/lib/util/strings'
			{"sameStrings", true},              // '/lib/...' and '../../lib/...' are one module
			{"helperTag", "helper"},            // './helper'
			{"sameHelper", true},               // './helper', bare 'helper', './helper.js'
			{"pkgTag", "pkg-index"},            // '/lib/pkg' -> /lib/pkg/index.js
			{"pkgSibling", "pkg-sibling"},      // bare 'sibling' relative to lib/pkg/
			{"dataKind", "json-data"},          // '/lib/data' -> data.json parsed
			{"dataList", []any{1.0, 2.0, 3.0}}, // JSON values
			{"jpkgKind", "json-index"},         // '/lib/jpkg' -> jpkg/index.json
			{"modexpType", "function"},         // module.exports = function
			{"modexpValue", "modexp-fn"},       //
			{"deeper", "strings-via-deeper"},   // '../../util/strings' from lib/uplevel/deeper
			{"prec", "prec.js"},                // .js before /index.js and .json
			{"prec2", "prec2/index.js"},        // /index.js before .json
			{"prec3", "prec3.json"},            // .json before /index.json
			{"sameOnce", true},                 // one module object
			{"onceEvaluations", 1.0},           // evaluated once per runtime, also across requests
			{"missing", "error"},               // require of a missing module throws
		}
		for _, c := range checks {
			got, ok := m[c.key]
			if !ok || !reflect.DeepEqual(got, c.want) {
				t.Errorf("request %d: %s = %#v, want %#v", i, c.key, got, c.want)
			}
		}
		if v, _ := m["resolveRel"].(string); !strings.Contains(v, "/services/require/helper.js") {
			t.Errorf("resolve('./helper.js') = %q, want it to name /services/require/helper.js", v)
		}
		if v, _ := m["resolveAbs"].(string); !strings.Contains(v, "/lib/data.json") {
			t.Errorf("resolve('/lib/data.json') = %q, want it to name /lib/data.json", v)
		}
	}
}

type counterResp struct {
	Count  float64 `json:"count"`
	ID     string  `json:"id"`
	Shared float64 `json:"shared"`
}

func getCounter(t testing.TB, s *harness.Server, svc string) counterResp {
	t.Helper()
	r := harness.Get(t, s.URL+"/_/service/myapp/"+svc)
	harness.WantStatus(t, r, 200, svc)
	m := r.JSON(t)
	var c counterResp
	c.Count, _ = m["count"].(float64)
	c.ID, _ = m["id"].(string)
	c.Shared, _ = m["shared"].(float64)
	return c
}

// TestModuleState: with one worker, module-level state persists across
// requests and a lib module is shared by all controllers of the runtime.
func TestModuleState(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "1")
	a := getCounter(t, s, "counter")
	b := getCounter(t, s, "counter")
	c := getCounter(t, s, "counter2")
	d := getCounter(t, s, "counter")
	if a.Count != 1 || b.Count != 2 || d.Count != 3 {
		t.Errorf("module-level counter over requests = %v, %v, %v, want 1, 2, 3", a.Count, b.Count, d.Count)
	}
	if a.ID == "" || a.ID != b.ID || b.ID != d.ID {
		t.Errorf("module evaluated more than once on one worker: ids %q %q %q", a.ID, b.ID, d.ID)
	}
	if a.Shared != 1 || b.Shared != 2 || c.Shared != 3 || d.Shared != 4 {
		t.Errorf("lib module shared by two controllers counted %v %v %v %v, want 1 2 3 4", a.Shared, b.Shared, c.Shared, d.Shared)
	}
}

// TestWorkersState: with N workers, module-level variables live per worker:
// at most N module instances, each counting 1..k without gaps or duplicates.
func TestWorkersState(t *testing.T) {
	t.Parallel()
	const workers = 2
	const requests = 24
	s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", fmt.Sprint(workers))
	var mu sync.Mutex
	counts := map[string][]int{}
	var wg sync.WaitGroup
	for i := 0; i < requests; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := harness.DoErr("GET", s.URL+"/_/service/myapp/counter", nil)
			if err != nil || r.Status != 200 {
				t.Errorf("concurrent counter request: %v %+v", err, r)
				return
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
				t.Errorf("counter body not JSON: %q", r.Body)
				return
			}
			id, _ := m["id"].(string)
			n, _ := m["count"].(float64)
			mu.Lock()
			counts[id] = append(counts[id], int(n))
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(counts) == 0 || len(counts) > workers {
		t.Fatalf("%d distinct module instances over %d workers: %v", len(counts), workers, counts)
	}
	total := 0
	for id, ns := range counts {
		seen := map[int]bool{}
		for _, n := range ns {
			if seen[n] || n < 1 || n > len(ns) {
				t.Errorf("instance %s counted %v: not 1..%d each once (shared or racy module state)", id, ns, len(ns))
				break
			}
			seen[n] = true
		}
		total += len(ns)
	}
	if total != requests {
		t.Errorf("%d successful requests, want %d", total, requests)
	}
}

// TestWorkersConcurrent: with 2 workers a busy controller doesn't block
// another request; with 1 worker requests are served one at a time.
func TestWorkersConcurrent(t *testing.T) {
	t.Parallel()
	t.Run("two workers", func(t *testing.T) {
		t.Parallel()
		s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "2", "--js-timeout", "20s")
		slowDone := make(chan *harness.Resp, 1)
		go func() {
			r, _ := harness.DoErr("GET", s.URL+"/_/service/myapp/slow?ms=4000&tag=par", nil)
			slowDone <- r
		}()
		s.WaitLog(t, harness.MessageHas("slow-start par"), 15*time.Second)
		r := harness.Get(t, s.URL+"/_/service/myapp/echo")
		harness.WantStatus(t, r, 200, "echo while the other worker is busy")
		select {
		case <-slowDone:
			t.Errorf("echo was only answered after the slow request finished: workers are not concurrent")
		default:
		}
		sr := <-slowDone
		if sr == nil || sr.Status != 200 || sr.Body != "slow-done:par" {
			t.Errorf("slow request: %+v", sr)
		}
	})
	t.Run("one worker", func(t *testing.T) {
		t.Parallel()
		s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "1", "--js-timeout", "20s")
		harness.AssertSerial(t, s, "ser")
	})
}

// TestJSTimeout: while(true){} is stopped by --js-timeout, logged, and the
// single worker serves the next request.
func TestJSTimeout(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "1", "--js-timeout", "1s")
	for i := 1; i <= 2; i++ {
		start := time.Now()
		r := harness.Get(t, s.URL+"/_/service/myapp/loop?tag=t"+fmt.Sprint(i))
		harness.WantStatus(t, r, 500, "endless loop")
		if el := time.Since(start); el > 10*time.Second {
			t.Errorf("endless loop answered after %v with --js-timeout 1s", el)
		}
		s.WaitLogCount(t, harness.IsTimeoutLog("/services/loop/loop.js"), i, 10*time.Second)
		r = harness.Get(t, s.URL+"/_/service/myapp/echo")
		harness.WantStatus(t, r, 200, "request on the same worker after a timeout")
		getCounter(t, s, "counter")
	}
}

// TestNoWorkerFree: a call that waits twice --js-timeout for a runtime is
// refused with 503, and the log line says which settings change that.
func TestNoWorkerFree(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "1", "--js-timeout", "1s")
	// One runtime, four calls of a second each: the last ones wait 2 s.
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := harness.DoErr("GET", fmt.Sprintf("%s/_/service/myapp/loop?tag=busy%d", s.URL, i), nil); err == nil {
				statuses[i] = r.Status
			}
		}()
	}
	wg.Wait()
	if !slices.Contains(statuses, http.StatusServiceUnavailable) {
		t.Fatalf("four calls of a second on one runtime with --js-timeout 1s: %v, want a 503", statuses)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Level() == "warn" && e.Has("call not run", "--js-workers", "--js-timeout")
	}, harness.Wait)
}

// TestInfiniteRecursion: a stack overflow is a 500, not a crash.
func TestInfiniteRecursion(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "1", "--js-timeout", "5s")
	start := time.Now()
	r := harness.Get(t, s.URL+"/_/service/myapp/recurse")
	harness.WantStatus(t, r, 500, "infinite recursion")
	if el := time.Since(start); el >= 5*time.Second {
		t.Errorf("infinite recursion took %v: stopped by the timeout, not by a stack limit", el)
	}
	s.WaitLog(t, func(e harness.LogEntry) bool {
		return e.Level() == "error" && e.Has("/services/recurse/recurse.js", "--js-max-stack")
	}, 10*time.Second)
	r = harness.Get(t, s.URL+"/_/service/myapp/echo")
	harness.WantStatus(t, r, 200, "request after a stack overflow")
	r = harness.Get(t, s.URL+"/_/service/myapp/recurse")
	harness.WantStatus(t, r, 500, "infinite recursion again")
}

// TestRegexpBacktracking: catastrophic backtracking is bounded.
func TestRegexpBacktracking(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "1", "--js-timeout", "1s")
	start := time.Now()
	r, err := harness.DoErr("GET", s.URL+"/_/service/myapp/regexp", nil)
	el := time.Since(start)
	if err != nil {
		t.Fatalf("regexp request failed after %v: %v", el, err)
	}
	if el > 10*time.Second {
		t.Errorf("catastrophic regexp answered only after %v (--js-timeout 1s)", el)
	}
	if r.Status != 200 && r.Status != 500 {
		t.Errorf("regexp: status %d body %q", r.Status, r.Body)
	}
	r2 := harness.Get(t, s.URL+"/_/service/myapp/echo")
	harness.WantStatus(t, r2, 200, "request after the regexp")
}

// TestAppGlobal: app.name/version/config from app.json; name defaults to the
// folder name.
func TestAppGlobal(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--app", harness.App("noname"))
	r := harness.Get(t, s.URL+"/_/service/myapp/appinfo")
	harness.WantStatus(t, r, 200, "appinfo")
	m := r.JSON(t)
	harness.WantField(t, m, "name", "myapp")
	harness.WantField(t, m, "version", "1.2.3")
	harness.WantField(t, m, "config", map[string]any{"greeting": "hello"})

	// The name in app.json wins over the folder name.
	dir := filepath.Join(t.TempDir(), "folder-name-differs")
	harness.CopyDir(t, harness.App("myapp"), dir)
	s2 := duplex.Start(t, "--app", dir)
	r2 := harness.Get(t, s2.URL+"/_/service/myapp/appinfo")
	harness.WantStatus(t, r2, 200, "app addressed by its app.json name")
	harness.WantField(t, r2.JSON(t), "name", "myapp")
	r2 = harness.Get(t, s2.URL+"/_/service/folder-name-differs/appinfo")
	harness.WantStatus(t, r2, 404, "app addressed by its folder name although app.json names it")

	r = harness.Get(t, s.URL+"/_/service/noname/whoami")
	harness.WantStatus(t, r, 200, "app without a name in app.json, addressed by folder name")
	m = r.JSON(t)
	harness.WantField(t, m, "name", "noname")
	harness.WantField(t, m, "version", "0.0.1")
}

// TestLogGlobal: log.* lines with %s formatting, JSON objects, level, module.
func TestLogGlobal(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"))
	r := harness.Get(t, s.URL+"/_/service/myapp/logsvc")
	harness.WantStatus(t, r, 200, "logsvc")
	if r.Body != "logged" {
		t.Errorf("logsvc body %q", r.Body)
	}
	info := s.WaitLog(t, harness.MessageHas("greet world and "), 10*time.Second)
	if info.Level() != "info" {
		t.Errorf("log.info line has level %q: %s", info.Level(), info.Raw)
	}
	if !strings.Contains(info.Message(), `greet world and {"a":1,"b":[true,"x"]}`) {
		t.Errorf("log.info message %q, want it to contain greet world and {\"a\":1,\"b\":[true,\"x\"]}", info.Message())
	}
	if mod, _ := info.Fields["module"].(string); !strings.Contains(mod, "/services/logsvc/logsvc.js") {
		t.Errorf("log line field module = %#v, want the script path /services/logsvc/logsvc.js; line %s", info.Fields["module"], info.Raw)
	}
	warn := s.WaitLog(t, harness.MessageHas("warn-line 42"), 10*time.Second)
	if l := warn.Level(); l != "warn" && l != "warning" {
		t.Errorf("log.warning line has level %q: %s", l, warn.Raw)
	}
	errl := s.WaitLog(t, harness.MessageHas("err-line e"), 10*time.Second)
	if errl.Level() != "error" {
		t.Errorf("log.error line has level %q: %s", errl.Level(), errl.Raw)
	}
	for _, e := range s.Entries() {
		if e.Has("dbg-line") && e.Level() != "debug" {
			t.Errorf("log.debug line logged at level %q: %s", e.Level(), e.Raw)
		}
	}
}

// sandboxLayout copies myapp into root/apps/myapp next to secret files and
// creates symlinks inside the app pointing outside it.
func sandboxLayout(t *testing.T) (root, app string) {
	root = t.TempDir()
	app = filepath.Join(root, "apps", "myapp")
	harness.CopyDir(t, harness.App("myapp"), app)
	for _, dir := range []string{root, filepath.Join(root, "apps")} {
		harness.WriteFile(t, filepath.Join(dir, "secret.js"), "exports.secret = 'TOPSECRET-JS';\n")
		harness.WriteFile(t, filepath.Join(dir, "secret.json"), `{"secret": "TOPSECRET-JSON"}`+"\n")
		harness.WriteFile(t, filepath.Join(dir, "secret.txt"), "TOPSECRET-TXT\n")
	}
	// app.json is inside the app but not an asset: it must not be served either.
	harness.WriteFile(t, filepath.Join(app, "app.json"), `{"name":"myapp","version":"1.2.3","config":{"greeting":"hello","key":"TOPSECRET-APPJSON"}}`)
	harness.WriteFile(t, filepath.Join(root, "outsvc", "outsvc.js"), "exports.get = function () { return { body: 'TOPSECRET-SVC' }; };\n")
	links := map[string]string{
		filepath.Join(app, "lib", "link.js"):           filepath.Join(root, "secret.js"),
		filepath.Join(app, "lib", "link.json"):         filepath.Join(root, "secret.json"),
		filepath.Join(app, "lib", "linkdir"):           root,
		filepath.Join(app, "assets", "leak.txt"):       filepath.Join(root, "secret.txt"),
		filepath.Join(app, "assets", "linkdir"):        root,
		filepath.Join(app, "services", "outsvc"):       filepath.Join(root, "outsvc"),
		filepath.Join(app, "services", "echo", "x.js"): filepath.Join(root, "secret.js"),
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	return root, app
}

// TestSandboxRequire: require() can't read outside the app folder, neither
// with ../ escapes, absolute host paths nor symlinks.
func TestSandboxRequire(t *testing.T) {
	t.Parallel()
	root, app := sandboxLayout(t)
	s := duplex.Start(t, "--app", app)

	// Sanity: the probe service loads an in-app module.
	r := harness.Get(t, s.URL+"/_/service/myapp/escape?p="+url.QueryEscape("/lib/modexp"))
	harness.WantStatus(t, r, 200, "escape probe on an in-app module")
	harness.WantField(t, r.JSON(t), "ok", true)

	paths := []string{
		"../../../../secret", "../../../../secret.js", "../../../../secret.json",
		"../../../secret", "../../../secret.json",
		"../../../../../../../../../../.." + root + "/secret",
		"/../../secret", "/../../secret.js", "/../secret", "/../secret.json",
		"/../../../../../../../../../.." + root + "/secret.js",
		root + "/secret", root + "/secret.js", root + "/secret.json",
		"/lib/link", "/lib/link.js", "/lib/link.json",
		"/lib/linkdir/secret", "/lib/linkdir/secret.js", "/lib/linkdir/apps/secret.json",
		"../echo/x.js", "../echo/x",
	}
	for _, p := range paths {
		r := harness.Get(t, s.URL+"/_/service/myapp/escape?p="+url.QueryEscape(p))
		if strings.Contains(r.Body, "TOPSECRET") {
			t.Errorf("require(%q) read a file outside the app: status %d body %s", p, r.Status, harness.Trunc(r.Body))
			continue
		}
		if r.Status == 500 {
			continue
		}
		if r.Status != 200 {
			t.Errorf("require(%q): status %d body %q, want an exception (200 with ok=false) or 500", p, r.Status, harness.Trunc(r.Body))
			continue
		}
		if ok := r.JSON(t)["ok"]; ok != false {
			t.Errorf("require(%q) did not throw: %s", p, harness.Trunc(r.Body))
		}
	}
	r = harness.Get(t, s.URL+"/_/service/myapp/echo")
	harness.WantStatus(t, r, 200, "server alive after escape attempts")
}

// TestSandboxHTTP: assets, webapp asset fallback and services never serve
// files outside the app (path traversal, encoded dots, symlinks).
func TestSandboxHTTP(t *testing.T) {
	t.Parallel()
	_, app := sandboxLayout(t)
	s := duplex.Start(t, "--app", app)

	r := harness.Get(t, s.URL+"/_/asset/myapp/hello.txt")
	harness.WantStatus(t, r, 200, "plain asset in the sandbox copy")
	// XP serves assets below a webapp's base too, where its pages'
	// assetUrl points, fingerprint and all.
	r = harness.Get(t, s.URL+"/webapp/myapp/_/asset/myapp:18c1f/hello.txt")
	harness.WantStatus(t, r, 200, "asset below the webapp's base")

	mustNot200 := []string{
		"/_/asset/myapp/leak.txt",
		"/_/asset/myapp/linkdir/secret.txt",
		"/_/asset/myapp/../../secret.txt",
		"/_/asset/myapp/../../../secret.txt",
		"/_/asset/myapp/../app.json",
		"/_/asset/myapp/%2e%2e/%2e%2e/secret.txt",
		"/_/asset/myapp/%2e%2e/app.json",
		"/_/asset/myapp/..%2f..%2fsecret.txt",
		"/_/asset/myapp/..%2fapp.json",
		"/_/asset/myapp/sub/../../app.json",
		"/webapp/myapp/_/asset/myapp/leak.txt",
		"/webapp/myapp/_/asset/myapp/linkdir/secret.txt",
		"/webapp/myapp/_/asset/myapp/..%2fapp.json",
		"/webapp/myapp/_/asset/myapp:x/%2e%2e/%2e%2e/secret.txt",
		"/_/service/myapp/outsvc",
	}
	anyStatus := []string{
		"/webapp/myapp/leak.txt",
		"/webapp/myapp/linkdir/secret.txt",
		"/webapp/myapp/../../../secret.txt",
		"/webapp/myapp/%2e%2e/%2e%2e/secret.txt",
		"/webapp/myapp/%2e%2e/app.json",
		"/webapp/myapp/..%2f..%2fsecret.txt",
		"/webapp/myapp/..%2fapp.json",
		"/webapp/myapp/../app.json",
		"/_/service/myapp/..%2f..%2f..%2fsecret",
		"/_/service/myapp/%2e%2e/outsvc",
		"/_/service/myapp/..%2foutsvc",
		"/../../secret.txt",
		"/%2e%2e/%2e%2e/secret.txt",
	}
	for _, p := range append(append([]string{}, mustNot200...), anyStatus...) {
		r := harness.RawGet(t, s, p)
		if strings.Contains(r.Body, "TOPSECRET") {
			t.Errorf("GET %s served a file outside the app / outside assets: status %d body %q", p, r.Status, harness.Trunc(r.Body))
		}
	}
	for _, p := range mustNot200 {
		r := harness.RawGet(t, s, p)
		if r.Status == 200 {
			t.Errorf("GET %s: status 200 (body %q), want a non-200 status", p, harness.Trunc(r.Body))
		}
	}
}

// TestRunawayVariants: a script swallowing its interruption in try/catch, a
// module looping at load time, and two workers timing out at once are all
// bounded by --js-timeout; the workers keep serving afterwards.
func TestRunawayVariants(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "myapp")
	harness.CopyDir(t, harness.App("myapp"), dir)
	harness.WriteFile(t, filepath.Join(dir, "services", "loadloop", "loadloop.js"),
		"// loops while the module is evaluated\nwhile (true) {\n}\nexports.get = function () { return { body: 'unreachable' }; };\n")
	s := duplex.Start(t, "--app", dir, "--js-workers", "2", "--js-timeout", "1s")

	bounded := func(path string) {
		start := time.Now()
		r := harness.Get(t, s.URL+path)
		if el := time.Since(start); el > 10*time.Second {
			t.Errorf("GET %s answered after %v with --js-timeout 1s", path, el)
		}
		harness.WantStatus(t, r, 500, path)
	}
	bounded("/_/service/myapp/stubborn")
	s.WaitLog(t, harness.IsTimeoutLog("/services/stubborn/stubborn.js"), 10*time.Second)
	bounded("/_/service/myapp/loadloop")
	s.WaitLog(t, harness.IsTimeoutLog("/services/loadloop/loadloop.js"), 10*time.Second)

	// Both workers stuck at once, then both must serve again.
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := harness.DoErr("GET", fmt.Sprintf("%s/_/service/myapp/loop?tag=par%d", s.URL, i), nil)
			if err != nil || r.Status != 500 {
				t.Errorf("concurrent endless loop %d: %v %+v", i, err, r)
			}
		}(i)
	}
	wg.Wait()
	for i := 0; i < 6; i++ {
		harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/myapp/echo"), 200, "echo after the timeouts")
	}
	r := harness.Get(t, s.URL+"/_/service/myapp/require")
	harness.WantStatus(t, r, 200, "require after the timeouts")
}

// TestConcurrentMix: many concurrent requests of every kind on two workers
// all get their expected answers (and, with -race, no data race is reported).
func TestConcurrentMix(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--app", harness.App("second"), "--js-workers", "2")
	type probe struct {
		method, path string
		status       int
		contains     string
	}
	probes := []probe{
		{"GET", "/_/service/myapp/echo?x=1", 200, `"x":"1"`},
		{"POST", "/_/service/myapp/echo", 200, `"method":"POST"`},
		{"GET", "/_/service/myapp/counter", 200, `"count"`},
		{"GET", "/_/service/myapp/require", 200, `"onceEvaluations":1`},
		{"GET", "/_/service/myapp/respond?case=object", 200, `"nested"`},
		{"GET", "/_/service/myapp/boom", 500, `"status":500`},
		{"GET", "/_/service/myapp/logsvc", 200, "logged"},
		{"GET", "/_/service/second/hello", 200, "second-hello"},
		{"GET", "/_/asset/myapp/hello.txt", 200, "hello from assets"},
		{"GET", "/webapp/second/page", 200, "second-webapp"},
		{"GET", "/anything", 200, "myapp-webapp"},
		{"GET", "/_/service/myapp/nope", 404, ""},
		{"PROPFIND", "/_/service/myapp/allsvc", 405, ""},
	}
	var wg sync.WaitGroup
	for round := 0; round < 8; round++ {
		for _, p := range probes {
			wg.Add(1)
			go func(p probe) {
				defer wg.Done()
				var body *strings.Reader
				if p.method == "POST" {
					body = strings.NewReader("k=v")
				}
				var r *harness.Resp
				var err error
				if body != nil {
					r, err = harness.DoErr(p.method, s.URL+p.path, body, "Content-Type", "application/x-www-form-urlencoded")
				} else {
					r, err = harness.DoErr(p.method, s.URL+p.path, nil)
				}
				if err != nil {
					t.Errorf("%s %s: %v", p.method, p.path, err)
					return
				}
				if r.Status != p.status || !strings.Contains(r.Body, p.contains) {
					t.Errorf("%s %s: status %d body %q, want %d containing %q", p.method, p.path, r.Status, harness.Trunc(r.Body), p.status, p.contains)
				}
			}(p)
		}
	}
	wg.Wait()
}

// TestTimeoutPerCall: the --js-timeout budget is per controller call: calls
// that each stay under it succeed back to back on one worker, and time spent
// queued for the worker doesn't count.
func TestTimeoutPerCall(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "1", "--js-timeout", "2s")
	// Back to back: a stale timer of the previous call must not hit the next.
	for i := 0; i < 3; i++ {
		r := harness.Get(t, fmt.Sprintf("%s/_/service/myapp/slow?ms=1300&tag=seq%d", s.URL, i))
		harness.WantStatus(t, r, 200, fmt.Sprintf("call %d of 1.3 s with a 2 s budget", i))
		for j := 0; j < 3; j++ {
			harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/myapp/echo"), 200, "quick call right after")
		}
	}
	// Two concurrent 1.3 s calls on one worker: the second waits ~1.3 s, then
	// runs 1.3 s; only its run time counts.
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := harness.DoErr("GET", fmt.Sprintf("%s/_/service/myapp/slow?ms=1300&tag=q%d", s.URL, i), nil)
			if err != nil || r.Status != 200 {
				t.Errorf("queued call %d: %v %+v (queueing time must not count against --js-timeout)", i, err, r)
			}
		}(i)
	}
	wg.Wait()
}

// TestCyclicValues: a cyclic object given to log or returned as body can't
// be JSON; the call fails or degrades, but the server stays up.
func TestCyclicValues(t *testing.T) {
	t.Parallel()
	s := duplex.Start(t, "--app", harness.App("myapp"), "--js-workers", "1")
	for _, where := range []string{"log", "body"} {
		r, err := harness.DoErr("GET", s.URL+"/_/service/myapp/cyclic?where="+where, nil)
		if err != nil {
			t.Fatalf("cyclic %s: %v (server down?)", where, err)
		}
		if r.Status != 200 && r.Status != 500 {
			t.Errorf("cyclic %s: status %d body %q, want 200 or 500", where, r.Status, harness.Trunc(r.Body))
		}
		harness.WantStatus(t, harness.Get(t, s.URL+"/_/service/myapp/echo"), 200, "echo after cyclic "+where)
	}
}
