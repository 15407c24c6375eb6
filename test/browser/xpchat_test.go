package browser

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"duplex/test/harness"
)

// An Enonic XP chat app, written to XP's documentation and run unchanged
// (test/testdata/apps/xpchat): a webapp page that links to loginUrl and
// hands the browser serviceUrl({type: 'websocket'}), a service whose
// chat.xml admits signed-in users only, and main.js, whose listener turns
// the distributed events the service sends into sendToGroup on each node.

// TestXPChatBrowser: two people on one node. The page also shows a
// message of the day it fetches with /lib/http-client from the URL in
// app.json's config.
func TestXPChatBrowser(t *testing.T) {
	exe := chromiumPath(t)
	const motd = "Be kind <3"
	fetched := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, motd)
	}))
	defer fetched.Close()
	app := t.TempDir()
	harness.CopyDir(t, harness.App("xpchat"), app)
	harness.WriteFile(t, filepath.Join(app, "app.json"), `{"name": "xpchat", "version": "1.0.0", "config": {"motdUrl": "`+fetched.URL+`"}}`)
	users := duplex.UsersFile(t, harness.Alice(), harness.Bob())
	srv := duplex.Start(t, "--app", app, "--users", users, "--outbound-allow", "127.0.0.1/32")
	runXPChat(t, exe, []*harness.Server{srv, srv}, motd)

	// The app's error handler answers what the webapp does not serve.
	r := harness.Get(t, srv.URL+"/webapp/xpchat/nothing")
	if r.Status != 404 || !strings.Contains(r.Body, `id="not-found"`) {
		t.Fatalf("unknown page: %d %s", r.Status, harness.Trunc(r.Body))
	}
}

// TestXPChatBrowserCluster: three people on three nodes of a cluster,
// each message shown once to everyone.
func TestXPChatBrowserCluster(t *testing.T) {
	exe := chromiumPath(t)
	users := duplex.UsersFile(t, harness.Alice(), harness.Bob())
	nodes := duplex.StartCluster(t, harness.ClusterOpts{Nodes: 3, Args: []string{"--app", harness.App("xpchat"), "--users", users}})
	runXPChat(t, exe, nodes, "")
}

// runXPChat signs a person in on each server (Alice, Bob, then Alice again
// in a browser of her own), through the id provider's login page, and has
// them chat: every line must reach every page exactly once. motd, when
// set, is the message of the day every page must show.
func runXPChat(t *testing.T, exe string, servers []*harness.Server, motd string) {
	browser := startBrowser(t, exe)
	people := []harness.User{harness.Alice(), harness.Bob(), harness.Alice()}
	var tabs []*tab
	for i, s := range servers {
		s := s
		p, cancel := openTab(t, browser, fmt.Sprintf("%c", 'A'+i), s.URL+"/webapp/xpchat/", true, func() *harness.Server { return s })
		t.Cleanup(cancel)
		u := people[i]
		if motd != "" {
			p.waitJS("the message of the day", `!!document.getElementById('motd') && document.getElementById('motd').textContent === `+jsString(motd))
		}
		p.do("follow loginUrl to the login page", chromedp.WaitVisible(chromedp.ID("login")), chromedp.Click(chromedp.ID("login")),
			chromedp.WaitVisible(chromedp.CSS(`input[name="user"]`)))
		p.do("sign in as "+u.Login,
			chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), u.Login),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), u.Password),
			chromedp.Submit(chromedp.CSS(`input[name="password"]`)))
		waitAcrossReload(p, "back on the chat page, signed in", `!!document.getElementById('user') && document.getElementById('user').textContent === `+jsString(u.Name))
		p.waitJS("the socket to open", `document.body.getAttribute('data-state') === 'open'`)
		p.waitJS("the welcome", `Array.from(document.querySelectorAll('#messages li.system')).some(function (li) {
			return li.textContent === `+jsString("Welcome to our chat "+u.Name)+`; })`)
		tabs = append(tabs, p)
	}

	for i, from := range tabs {
		text := fmt.Sprintf("hello from %s", from.name)
		line := people[i].Name + ": " + text
		from.do("say "+text, chromedp.SendKeys(chromedp.ID("text"), text), chromedp.Click(chromedp.ID("send")))
		marker := fmt.Sprintf("marker from %s", from.name)
		from.waitJS("the composer to clear", `document.getElementById('text').value === ''`)
		from.do("say "+marker, chromedp.SendKeys(chromedp.ID("text"), marker), chromedp.Click(chromedp.ID("send")))
		for _, p := range tabs {
			p.waitJS("the marker "+marker, `Array.from(document.querySelectorAll('#messages li.message')).some(function (li) {
				return li.textContent === `+jsString(people[i].Name+": "+marker)+`; })`)
			// Messages of one sender arrive in order: with the marker
			// shown, any copy of the line would be too.
			n := p.eval("count "+line, `String(Array.from(document.querySelectorAll('#messages li.message')).filter(function (li) {
				return li.textContent === `+jsString(line)+`; }).length)`)
			if n != "1" {
				t.Fatalf("tab %s shows %q %s times, want once", p.name, line, n)
			}
		}
	}
	for _, p := range tabs {
		if errs := p.consoleErrors(false); len(errs) > 0 {
			t.Errorf("tab %s: console errors: %v", p.name, errs)
		}
	}
}
