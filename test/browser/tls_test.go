package browser

import (
	"testing"

	"github.com/chromedp/chromedp"

	"duplex/test/harness"
)

// TestBrowserWSS: Chromium loads a page over HTTPS (HTTP/1.1: duplex
// offers no h2) and opens a wss:// WebSocket to the URL portal built for
// it, which answers with the URL the session was opened on.
func TestBrowserWSS(t *testing.T) {
	exe := chromiumPath(t)
	ca := harness.NewCA(t)
	p := ca.Issue(t, t.TempDir(), 1)
	s := duplex.Start(t, "--app", harness.App("clientview"), "--tls-cert", p.Cert, "--tls-key", p.Key)
	// The test's CA is not the browser's: its certificate is taken as is.
	browser := startBrowser(t, exe, chromedp.Flag("ignore-certificate-errors", true))
	page, cancel := openTab(t, browser, "A", s.URL+"/_/service/clientview/view", false, func() *harness.Server { return s })
	t.Cleanup(cancel)

	if got := page.eval("the page's protocol", `performance.getEntriesByType('navigation')[0].nextHopProtocol`); got != "http/1.1" {
		t.Errorf("the page came over %q, want http/1.1", got)
	}
	page.eval("open a socket", `(function () {
		window.got = null;
		fetch('/_/service/clientview/view').then(function (r) { return r.json(); }).then(function (v) {
			var ws = new WebSocket(v.websocketUrl);
			ws.onmessage = function (e) { window.got = e.data; ws.close(1000); };
			ws.onerror = function () { window.got = 'error'; };
		});
		return 'ok';
	})()`)
	page.waitJS("the socket's first message", `window.got !== null`)
	if got, want := page.eval("the message", `window.got`), "wss://"+s.Addr+"/_/service/clientview/view"; got != want {
		t.Errorf("the wss:// socket said %q, want %q", got, want)
	}
	// Network errors left out: the tab asks for a favicon there is not.
	if errs := page.consoleErrors(true); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
