package browser

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"duplex/test/harness"
)

// TestInitChatBrowser: the page `duplex init` writes (webapp/webapp.js,
// assets/chat.js) chats in Chromium: two tabs join, and a line typed in
// either is shown once in both.
func TestInitChatBrowser(t *testing.T) {
	exe := chromiumPath(t)
	dir := filepath.Join(t.TempDir(), "myapp")
	if code, out := duplex.Run(t, nil, "init", dir); code != 0 {
		t.Fatalf("duplex init: exit %d: %s", code, out)
	}
	srv := duplex.Start(t, "--app", dir)
	browser := startBrowser(t, exe)

	lines := func(suffix string) string {
		return `Array.from(document.querySelectorAll('#messages li')).filter(function (li) {
			return li.textContent.endsWith(` + jsString(suffix) + `); }).length`
	}
	var tabs []*tab
	for i, name := range []string{"A", "B"} {
		p, cancel := openTab(t, browser, name, srv.URL+"/", true, func() *harness.Server { return srv })
		t.Cleanup(cancel)
		// Each tab sees its own join, and the first one the second's.
		p.waitJS("its join", lines(" joined")+` >= 1`)
		tabs = append(tabs, p)
		tabs[0].waitJS(fmt.Sprintf("%d joins", i+1), lines(" joined")+fmt.Sprintf(` === %d`, i+1))
	}
	for _, from := range tabs {
		text := "hello from " + from.name
		from.do("say "+text, chromedp.SendKeys(chromedp.ID("text"), text), chromedp.Click(chromedp.CSS("#say button")))
		from.waitJS("the composer to clear", `document.getElementById('text').value === ''`)
		for _, p := range tabs {
			p.waitJS(text, lines(": "+text)+` === 1`)
		}
	}
	for _, p := range tabs {
		if errs := p.consoleErrors(false); len(errs) > 0 {
			t.Errorf("tab %s: console errors: %v", p.name, errs)
		}
	}
}
