package browser

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"duplex/test/harness"
)

// TestAuthBrowserLogin: in Chromium, the bundled chat's login form signs
// in, the page then chats under the display name with a verified mark, and
// logging out brings the form back. It reuses browser_test.go's tab helpers.
func TestAuthBrowserLogin(t *testing.T) {
	exe := chromiumPath(t)
	alice := harness.Alice()
	srv := duplex.Start(t, "--users", duplex.UsersFile(t, alice))
	current := func() *harness.Server { return srv }
	browser := startBrowser(t, exe)
	p, cancel := openTab(t, browser, "A", srv.URL+"/", false, current)
	t.Cleanup(cancel)

	p.do("wrong password", chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("login-user"), "alice"),
		chromedp.SendKeys(chromedp.ID("login-password"), "wrong"),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("login-error")))
	p.eval("clear the login form", `(document.getElementById('login-user').value = '', 'ok')`)
	p.do("log in", chromedp.SendKeys(chromedp.ID("login-user"), "alice"),
		chromedp.SendKeys(chromedp.ID("login-password"), alice.Password),
		chromedp.Click(chromedp.ID("login")))
	waitAcrossReload(p, "signed in", `!!document.getElementById('account') && document.getElementById('account').textContent.indexOf(`+jsString(alice.Name)+`) >= 0`)
	if v := p.eval("name field", `document.getElementById('name').value`); v != alice.Name {
		t.Errorf("name field holds %q, want the display name", v)
	}
	if cookie := p.eval("document.cookie", `document.cookie`); cookie != "" {
		t.Errorf("the session cookie is visible to scripts (not HttpOnly): %q", cookie)
	}
	p.do("join", chromedp.Click(chromedp.ID("join")), chromedp.WaitVisible(chromedp.ID("messages")))
	p.waitConnected("connected as alice")
	p.waitMembers(alice.Name)
	p.say("signed and sealed", true)
	p.waitMessage(alice.Name, "signed and sealed")
	p.waitJS("verified mark", `!!document.querySelector('#messages li.message .verified')`)
	if dir := os.Getenv("DUPLEX_SCREENSHOTS"); dir != "" {
		p.screenshot(dir, "auth-signed-in.png")
	}
	p.do("leave and log out", chromedp.Click(chromedp.ID("leave")),
		chromedp.WaitVisible(chromedp.ID("logout")), chromedp.Click(chromedp.ID("logout")))
	waitAcrossReload(p, "login form again", `!!document.getElementById('login-form') && !document.getElementById('account')`)
	// The refused login is a 401 in the console; nothing else may be.
	if errs := p.consoleErrors(true); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// waitAcrossReload waits until expr is true in the page, tolerating the
// page reloading meanwhile (the chat reloads itself after login and
// logout), which makes a single poll fail.
func waitAcrossReload(p *tab, what, expr string) {
	p.t.Helper()
	deadline := time.Now().Add(browserStepTimeout)
	for {
		ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("still false")
			}
			p.fail("waiting for "+what, err)
		}
		time.Sleep(browserPollEvery) // polling the page, like chromedp.Poll
	}
}
