package browser

// A real-browser test of the bundled chat (site/app): the server binary with
// no --app, headless Chromium driven by chromedp, two people in one room.
// Outside CI the test skips only when no Chromium is installed; with CI=true
// a missing Chromium is a failure.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"duplex/test/harness"
)

const (
	browserStepTimeout = 25 * time.Second // one action or one wait in a tab
	browserPollEvery   = 50 * time.Millisecond
)

// chromiumPath returns the Chromium to drive, or skips (fails under CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	harness.Missing(t, "chromium not installed: no /usr/bin/chromium and none on PATH (apt-get install -y chromium)", "the browser test must run")
	return ""
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// tab is one browser tab showing the chat.
type tab struct {
	t    *testing.T
	name string // for messages: "A" or "B"
	ctx  context.Context
	srv  func() *harness.Server // the server currently running, for failure reports

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// openTab makes a tab (in its own browser context when isolated), starts
// recording its console, and navigates to url.
func openTab(t *testing.T, browser context.Context, name, url string, isolated bool, srv func() *harness.Server) (*tab, context.CancelFunc) {
	t.Helper()
	var opts []chromedp.ContextOption
	if isolated {
		opts = append(opts, chromedp.WithNewBrowserContext())
	}
	ctx, cancel := chromedp.NewContext(browser, opts...)
	p := &tab{t: t, name: name, ctx: ctx, srv: srv}
	if err := chromedp.Do(ctx); err != nil { // creates the tab
		cancel()
		t.Fatalf("tab %s: open: %v", name, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, m)
			p.mu.Unlock()
		}
	}()
	p.do("navigate to "+url, chromedp.Navigate(url))
	return p, cancel
}

// consoleErrors returns the uncaught exceptions and error messages so far.
// With ignoreNetwork, failed connections (expected while the server is down)
// are left out.
func (p *tab) consoleErrors(ignoreNetwork bool) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.console {
		if !m.IsException() && m.Type != chromedp.ConsoleError {
			continue
		}
		if ignoreNetwork && (m.Source == "network" || strings.Contains(m.Text, "WebSocket connection to")) {
			continue
		}
		out = append(out, fmt.Sprintf("%s (source %q, %s:%d)", m.String(), m.Source, m.URL, m.Line+1))
	}
	return out
}

// fail reports what the page shows, its console and the server's log.
func (p *tab) fail(what string, err error) {
	p.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "tab %s: %s: %v\n", p.name, what, err)
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	state, derr := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
		function t(id) { var e = document.getElementById(id); return e ? e.textContent : '(no #' + id + ')'; }
		var s = document.getElementById('status');
		return 'url: ' + location.href +
			'\nstatus: ' + (s ? s.getAttribute('data-state') + ' / ' + s.textContent : '(none)') +
			'\ncount: ' + t('count') +
			'\nmembers: ' + Array.from(document.querySelectorAll('#members li')).map(function (li) { return JSON.stringify(li.textContent); }).join(', ') +
			'\nmessages:\n  ' + Array.from(document.querySelectorAll('#messages li')).map(function (li) { return li.textContent; }).join('\n  ');
	})()`))
	cancel()
	if derr != nil {
		fmt.Fprintf(&b, "(could not read the page: %v)\n", derr)
	} else {
		b.WriteString(state + "\n")
	}
	p.mu.Lock()
	for _, m := range p.console {
		fmt.Fprintf(&b, "console: %s\n", m.String())
	}
	p.mu.Unlock()
	if s := p.srv(); s != nil {
		fmt.Fprintf(&b, "server stderr:\n%s", harness.Tail(s.Stderr(), 4000))
	}
	p.t.Fatal(b.String())
}

// do runs actions in the tab, bounded in time.
func (p *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fail(what, err)
	}
}

// waitJS waits until the JavaScript expression is truthy in the page.
func (p *tab) waitJS(what, expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(browserPollEvery),
		chromedp.WithPollingTimeout(browserStepTimeout)))
	if err != nil {
		p.fail("waiting for "+what, err)
	}
}

// eval evaluates a JavaScript expression that yields a string.
func (p *tab) eval(what, expr string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		p.fail(what, err)
	}
	return v
}

// join fills in the form and waits until the socket is up.
func (p *tab) join(name, room string) {
	p.t.Helper()
	p.do("wait for the join form", chromedp.WaitVisible(chromedp.ID("name")))
	// Empty the fields first (they may hold remembered values).
	p.eval("clear the join form", `(document.getElementById('name').value = '', document.getElementById('room').value = '', 'ok')`)
	p.do("fill in the join form",
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("room"), room),
		chromedp.Click(chromedp.ID("join")),
		chromedp.WaitVisible(chromedp.ID("messages")),
	)
	p.waitConnected("connected after joining")
}

func (p *tab) waitConnected(what string) {
	p.t.Helper()
	p.waitJS(what, `document.getElementById('status').getAttribute('data-state') === 'open' &&
		!document.getElementById('send').disabled`)
}

// waitMembers waits until the count shows n and the member list holds
// exactly names (in any order).
func (p *tab) waitMembers(names ...string) {
	p.t.Helper()
	want, _ := json.Marshal(names)
	p.waitJS(fmt.Sprintf("%d members %s", len(names), want), fmt.Sprintf(`(function () {
		var want = %s.slice().sort();
		var got = Array.from(document.querySelectorAll('#members li')).map(function (li) { return li.textContent; }).sort();
		return document.getElementById('count').textContent === %s && JSON.stringify(got) === JSON.stringify(want);
	})()`, want, jsString(fmt.Sprint(len(names)))))
}

// waitMessage waits for a chat line from name with exactly text.
func (p *tab) waitMessage(name, text string) {
	p.t.Helper()
	p.waitJS(fmt.Sprintf("message %q from %q", text, name), fmt.Sprintf(`Array.from(document.querySelectorAll('#messages li.message')).some(function (li) {
		return li.querySelector('.name').textContent === %s && li.querySelector('.text').textContent === %s;
	})`, jsString(name), jsString(text)))
}

// waitSystem waits for a system line containing text.
func (p *tab) waitSystem(text string) {
	p.t.Helper()
	p.waitJS(fmt.Sprintf("system line %q", text), fmt.Sprintf(`Array.from(document.querySelectorAll('#messages li.system')).some(function (li) {
		return li.textContent.indexOf(%s) >= 0;
	})`, jsString(text)))
}

// say types text into the composer and sends it, by the button or by Enter.
func (p *tab) say(text string, enter bool) {
	p.t.Helper()
	if enter {
		p.do("type and press Enter", chromedp.SendKeys(chromedp.ID("text"), text), pressEnter())
	} else {
		p.do("type and click Send",
			chromedp.SendKeys(chromedp.ID("text"), text),
			chromedp.Click(chromedp.ID("send")))
	}
	p.waitJS("the composer to clear", `document.getElementById('text').value === ''`)
}

// pressEnter presses Enter in the focused element the way a keyboard does:
// one keyDown that carries the text, so that preventDefault on keydown stops
// the newline (chromedp's KeyEvent sends a separate char event that a page
// cannot cancel from keydown).
func pressEnter() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		down := input.DispatchKeyEventParams{
			Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter",
			WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Text: "\r", UnmodifiedText: "\r",
		}
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		up := input.DispatchKeyEventParams{
			Type: input.DispatchKeyEventTypeKeyUp, Key: "Enter", Code: "Enter",
			WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		}
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, up)
		return err
	})
}

// screenshot saves a PNG of the tab's viewport and returns its path.
func (p *tab) screenshot(dir, file string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.fail("screenshot", err)
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatalf("write screenshot: %v", err)
	}
	return path
}

// startBrowser starts headless Chromium for a test, with the flags this
// machine needs (root, no GPU, no network besides loopback), a fresh
// profile and more options of the test's; it is stopped when the test
// ends.
func startBrowser(t *testing.T, exe string, more ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // root on the CI machine
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 720),
	}, more...)...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return browser
}

func TestBrowserChat(t *testing.T) {
	exe := chromiumPath(t)

	var srvMu sync.Mutex
	srv := duplex.Start(t) // no --app: the bundled chat
	current := func() *harness.Server { srvMu.Lock(); defer srvMu.Unlock(); return srv }

	browser := startBrowser(t, exe)

	shots := os.Getenv("DUPLEX_SCREENSHOTS") // keep screenshots somewhere to look at
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	// Two people: A at the root, B at the webapp's own mount point and in a
	// separate browser context (no shared storage).
	const (
		nameA = `Ada <b>&amp;</b>` // markup must show up as text
		nameB = "Bob"
		room  = "Browser Test"
	)
	a, cancelA := openTab(t, browser, "A", srv.URL+"/", false, current)
	t.Cleanup(cancelA)
	b, cancelB := openTab(t, browser, "B", srv.URL+"/webapp/chat/", true, current)
	t.Cleanup(cancelB)

	a.waitJS("the stylesheet to apply", `getComputedStyle(document.body).display === 'flex'`)
	b.waitJS("the stylesheet to apply", `getComputedStyle(document.body).display === 'flex'`)

	a.join(nameA, room)
	b.join(nameB, room)
	a.waitMembers(nameA, nameB)
	b.waitMembers(nameA, nameB)
	if where := b.eval("read #where", `document.getElementById('where').textContent`); !strings.Contains(where, "browser test") {
		t.Errorf("B's header says %q, want the room \"browser test\" (rooms are lower-cased)", where)
	}
	a.waitSystem(nameB + " joined")

	// A speaks (Send button), B answers (Enter key).
	msgA := `Hello Bob! <img src=x onerror="window.pwned=1"> & "quotes" 😀`
	a.say(msgA, false)
	b.waitMessage(nameA, msgA)
	a.waitMessage(nameA, msgA) // the sender sees its own line from the server
	msgB := "Hi Ada, got it."
	b.say(msgB, true)
	a.waitMessage(nameB, msgB)

	for _, p := range []*tab{a, b} {
		if v := p.eval("check escaping", `String(document.querySelectorAll('#messages img, #members b').length) + '/' + String(!!window.pwned)`); v != "0/false" {
			t.Errorf("tab %s: user text became markup (elements/pwned = %s)", p.name, v)
		}
	}

	t.Logf("screenshots: %s, %s",
		a.screenshot(shots, "chat-a.png"), b.screenshot(shots, "chat-b.png"))

	// B closes its tab: A sees the count drop.
	cancelB()
	a.waitMembers(nameA)
	a.waitSystem(nameB + " left")

	for _, p := range []*tab{a, b} {
		if errs := p.consoleErrors(false); len(errs) > 0 {
			t.Errorf("tab %s: console errors:\n%s", p.name, strings.Join(errs, "\n"))
		}
	}

	// The server restarts on the same address: A reconnects by itself and
	// rejoins the room.
	addr := srv.Addr
	srv.Signal(t, syscall.SIGTERM)
	if code := srv.WaitExit(t, harness.ShutdownDeadline); code != 0 {
		t.Errorf("server exited with %d after SIGTERM, want 0; stderr:\n%s", code, harness.Tail(srv.Stderr(), 4000))
	}
	a.waitJS("the page to notice the server is gone", `document.getElementById('status').getAttribute('data-state') === 'reconnecting'`)
	srv2 := duplex.StartOpts(t, harness.Opts{NoAddr: true, Args: []string{"--addr", addr}})
	srvMu.Lock()
	srv = srv2
	srvMu.Unlock()
	a.waitConnected("reconnected after the restart")
	a.waitMembers(nameA)
	a.waitSystem("Reconnected to #browser test")
	msgA2 := "Still here after the restart."
	a.say(msgA2, true)
	a.waitMessage(nameA, msgA2)
	a.screenshot(shots, "chat-a-after-restart.png")

	if errs := a.consoleErrors(true); len(errs) > 0 {
		t.Errorf("tab A: console errors after the restart:\n%s", strings.Join(errs, "\n"))
	}
	cancelA() // close the tab before the server's cleanup stops it
}
