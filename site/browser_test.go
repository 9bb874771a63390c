package site_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fluxly-go/fluxly/site"
	"github.com/fluxly-go/fluxly/site/internal/xss"
)

// These tests drive Debian's Chromium headless. They skip when it is not
// installed, unless FLUXLY_REQUIRE_CHROMIUM=1 (set by .ci/run), which turns
// the skip into a failure.

// chromiumPath finds the browser or skips (or fails) the test.
func chromiumPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("FLUXLY_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("FLUXLY_REQUIRE_CHROMIUM=1 but Chromium is not installed (apt-get install -y chromium)")
	}
	t.Skip("Chromium is not installed (apt-get install -y chromium); set FLUXLY_REQUIRE_CHROMIUM=1 to fail instead")
	return ""
}

// browser is one headless Chromium tab that records everything a page
// should never do: console output, uncaught exceptions, browser log
// errors (CSP violations, failed loads), failed or 4xx/5xx requests and
// JavaScript dialogs.
type browser struct {
	ctx context.Context

	mu       sync.Mutex
	console  []string // console API calls and exceptions
	logs     []string // browser log entries (CSP, network, …)
	failures []string // failed requests and HTTP errors
	dialogs  []string
}

func newBrowser(t *testing.T) *browser { return newBrowserTB(t) }

// newBrowserTB is newBrowser for tests and benchmarks.
func newBrowserTB(t testing.TB) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b := &browser{ctx: ctx}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, fmt.Sprintf("%s dialog: %q", ev.Type, ev.Message))
			b.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return b
}

func (b *browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *cdpruntime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			if a.Value != nil {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		b.console = append(b.console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " ")))
	case *cdpruntime.EventExceptionThrown:
		text := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			text += " " + ev.ExceptionDetails.Exception.Description
		}
		b.console = append(b.console, "exception: "+text)
	case *log.EventEntryAdded:
		b.logs = append(b.logs, fmt.Sprintf("log %s/%s: %s (%s)", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
	case *network.EventLoadingFailed:
		if !ev.Canceled {
			b.failures = append(b.failures, fmt.Sprintf("request failed: %s %s %s", ev.Type, ev.ErrorText, ev.BlockedReason))
		}
	case *network.EventResponseReceived:
		if ev.Response != nil && ev.Response.Status >= 400 {
			b.failures = append(b.failures, fmt.Sprintf("HTTP %d for %s", ev.Response.Status, ev.Response.URL))
		}
	}
}

// reset forgets what was recorded so far.
func (b *browser) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.console, b.logs, b.failures, b.dialogs = nil, nil, nil, nil
}

// problems returns everything recorded that a clean page never causes.
func (b *browser) problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Concat(b.console, b.logs, b.failures, b.dialogs)
}

// waitProblems waits until the recorder has seen want (or 10 seconds
// have passed) and returns everything it recorded.
func (b *browser) waitProblems(t *testing.T, want string) string {
	t.Helper()
	seen := make(chan struct{})
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if strings.Contains(strings.Join(b.problems(), "\n"), want) {
				close(seen)
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	select {
	case <-seen:
	case <-time.After(10 * time.Second):
	}
	return strings.Join(b.problems(), "\n")
}

// assertClean fails the test if the page did anything it should not have.
func (b *browser) assertClean(t *testing.T, where string) {
	t.Helper()
	for _, p := range b.problems() {
		t.Errorf("%s: %s", where, p)
	}
	b.reset()
}

func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// open navigates to u and waits for the page's script to have run.
func (b *browser) open(t *testing.T, u string) {
	t.Helper()
	b.do(t, "opening "+u, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body")))
	b.waitScript(t)
}

// waitScript waits until site.js has set the page up (it reveals the
// theme toggle last but one, the search box last).
func (b *browser) waitScript(t *testing.T) {
	t.Helper()
	b.do(t, "waiting for site.js", chromedp.WaitVisible(chromedp.ID("search")))
}

func (b *browser) screenshot(t *testing.T, dir, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// servedAt serves dir (as any static host would) under prefix and returns
// the site's URL.
func servedAt(t *testing.T, dir, prefix string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", http.StripPrefix(prefix, http.FileServer(http.Dir(dir))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + prefix + "/"
}

func fileURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/"}).String()
}

func TestBrowser(t *testing.T) {
	b := newBrowser(t)
	files := examplesSite(t)
	dir := writeSite(t, files)
	art := artifactsDir(t)

	bases := []struct{ name, url string }{
		{"file", fileURL(dir)},
		{"http-subpath", servedAt(t, dir, "/some/sub/path")},
		{"handler-docs", func() string {
			mux := http.NewServeMux()
			mux.Handle("/docs/", http.StripPrefix("/docs", site.Handler(files)))
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			return srv.URL + "/docs/"
		}()},
	}
	for _, base := range bases {
		t.Run(base.name, func(t *testing.T) {
			t.Run("links", func(t *testing.T) { testCrawl(t, b, base.url, dir) })
			t.Run("search", func(t *testing.T) { testSearch(t, b, base.url) })
			t.Run("diagram", func(t *testing.T) { testDiagramClick(t, b, base.url) })
			t.Run("theme", func(t *testing.T) { testTheme(t, b, base.url) })
			t.Run("copy", func(t *testing.T) { testCopy(t, b, base.url) })
		})
	}
	t.Run("phone", func(t *testing.T) {
		b.reset()
		b.do(t, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		defer b.do(t, "desktop viewport", chromedp.EmulateViewport(1280, 900))
		for _, f := range pages(files) {
			b.open(t, bases[0].url+f.Path)
			// Nothing makes the page scroll sideways (wide tables and
			// diagrams scroll inside their own boxes), and the sidebar sits
			// above the content.
			if w := eval[float64](t, b, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
				t.Errorf("%s is %.0fpx wider than a phone's screen", f.Path, w)
			}
			if pos := eval[string](t, b, `getComputedStyle(document.querySelector(".sidebar")).position`); pos != "static" {
				t.Errorf("%s: sidebar is %s on a phone, want static", f.Path, pos)
			}
		}
		b.assertClean(t, "phone")
	})
	t.Run("print", func(t *testing.T) {
		b.reset()
		b.open(t, bases[0].url+"workflows/etl.html")
		b.do(t, "print media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		for sel, want := range map[string]string{".sidebar": "none", ".top": "none", ".content pre > button.copy": "none", ".diagram": "block"} {
			if got := eval[string](t, b, fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).display`, sel)); got != want {
				t.Errorf("printed, %s is display:%s, want %s", sel, got, want)
			}
		}
		b.do(t, "screen media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
			return err
		}))
		b.assertClean(t, "print")
	})
	t.Run("screenshots", func(t *testing.T) {
		b.reset()
		b.open(t, bases[0].url+"index.html")
		b.screenshot(t, art, "index.png")
		b.open(t, bases[0].url+"workflows/etl.html")
		b.screenshot(t, art, "workflow-etl.png")
		b.do(t, "dark theme", chromedp.Click(chromedp.ID("theme-toggle")))
		b.screenshot(t, art, "workflow-etl-dark.png")
		b.do(t, "light theme", chromedp.Click(chromedp.ID("theme-toggle")))
		b.do(t, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
		b.open(t, bases[0].url+"workflows/branching.html")
		b.screenshot(t, art, "workflow-branching-phone.png")
		b.do(t, "desktop viewport", chromedp.EmulateViewport(1280, 900))
		b.assertClean(t, "screenshots")
	})
}

// testCrawl opens the index and follows every internal link, page by page:
// every page loads cleanly, every linked file exists and every fragment
// names an element of its page.
func testCrawl(t *testing.T, b *browser, base, dir string) {
	b.reset()
	type ref struct{ from, target, frag string }
	queue := []string{base + "index.html"}
	seen := map[string]bool{queue[0]: true}
	ids := map[string][]string{}
	var refs []ref
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		b.open(t, p)
		b.assertClean(t, p)
		ids[p] = eval[[]string](t, b, `Array.from(document.querySelectorAll("[id]"), e => e.id)`)
		links := eval[[]string](t, b, `Array.from(document.querySelectorAll("a[href], link[href], script[src], img[src]"),
			e => new URL(e.getAttribute("href") ?? e.getAttribute("src"), document.baseURI).href)`)
		for _, l := range links {
			u, err := url.Parse(l)
			if err != nil {
				t.Errorf("%s: bad link %s", p, l)
				continue
			}
			frag := u.Fragment
			u.Fragment = ""
			target := u.String()
			if !strings.HasPrefix(target, base) {
				if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto" {
					t.Errorf("%s: link %s leaves the site", p, l)
				}
				continue
			}
			refs = append(refs, ref{p, target, frag})
			if strings.HasSuffix(u.Path, ".html") && !seen[target] {
				seen[target] = true
				queue = append(queue, target)
			}
		}
	}
	for _, r := range refs {
		rel := strings.TrimPrefix(r.target, base)
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			t.Errorf("%s links %s: %v", r.from, rel, err)
			continue
		}
		if r.frag != "" && strings.HasSuffix(rel, ".html") && !slices.Contains(ids[r.target], r.frag) {
			t.Errorf("%s links %s#%s: no such id", r.from, rel, r.frag)
		}
	}
	if want := len(pages(examplesSite(t))); len(seen) != want {
		t.Errorf("crawled %d pages, the site has %d", len(seen), want)
	}
	if len(refs) < 100 {
		t.Errorf("only %d links followed", len(refs))
	}
}

// testSearch types a node's name into the search box on the index and
// follows the first result to the node's section.
func testSearch(t *testing.T, b *browser, base string) {
	b.reset()
	b.open(t, base+"index.html")
	b.do(t, "searching",
		chromedp.Click(chromedp.ID("search")),
		chromedp.SendKeys(chromedp.ID("search"), "transform"),
		chromedp.WaitVisible(chromedp.CSS(`#search-results a[data-kind="node"]`)),
	)
	first := eval[string](t, b, `document.querySelector("#search-results a").textContent`)
	if !strings.HasPrefix(first, "nodetransform") || !strings.Contains(first, "in etl") {
		t.Errorf("first result = %q, want the etl node transform", first)
	}
	b.do(t, "following the result",
		chromedp.Click(chromedp.CSS(`#search-results a`)),
		chromedp.WaitReady(chromedp.ID("node-transform")),
	)
	assertAtSection(t, b, "workflows/etl.html", "node-transform")

	// Keyboard: "/" focuses the box, Enter opens the first hit. (CDP
	// delivers the "/" character even though the page cancels its keydown,
	// so the box is emptied before typing.)
	b.do(t, "focusing the search box", chromedp.KeyEvent("/"))
	if got := eval[string](t, b, `document.activeElement.id`); got != "search" {
		t.Errorf(`"/" focused #%s, want #search`, got)
	}
	_ = eval[bool](t, b, `(document.getElementById("search").value = "", true)`)
	b.do(t, "searching by keyboard",
		chromedp.SendKeys(chromedp.ID("search"), "min_age"),
		chromedp.WaitVisible(chromedp.CSS(`#search-results a[data-kind="input"]`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitReady(chromedp.ID("input-min_age")),
	)
	assertAtSection(t, b, "workflows/etl.html", "input-min_age")
	b.assertClean(t, "search")
}

// testDiagramClick clicks a node of the inline SVG: its details open, and
// their link lands on its section.
func testDiagramClick(t *testing.T, b *browser, base string) {
	b.reset()
	b.open(t, base+"workflows/etl.html")
	b.do(t, "clicking the load node",
		chromedp.WaitVisible(chromedp.CSS(`figure.diagram[data-ready]`)),
		chromedp.Click(chromedp.CSS(`figure.diagram svg a[href="#node-load"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.node-details h3`)),
	)
	if got := eval[string](t, b, `document.querySelector(".node-details h3").textContent`); got != "load" {
		t.Errorf("details panel of %q, want load", got)
	}
	b.do(t, "going to the section",
		chromedp.Click(chromedp.CSS(`.node-details a.go`)),
		chromedp.Poll[chromedp.Void](`location.hash === "#node-load"`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	assertAtSection(t, b, "workflows/etl.html", "node-load")
	b.assertClean(t, "diagram")
}

// assertAtSection checks the page and fragment, and that the section's
// heading is at the top of the viewport (below the sticky header).
func assertAtSection(t *testing.T, b *browser, page, id string) {
	t.Helper()
	loc := eval[string](t, b, `location.href`)
	if !strings.HasSuffix(loc, page+"#"+id) {
		t.Errorf("location = %s, want …%s#%s", loc, page, id)
	}
	top := eval[float64](t, b, fmt.Sprintf(`document.getElementById(%q).getBoundingClientRect().top`, id))
	if top < 0 || top > 160 {
		t.Errorf("#%s is at %.0fpx from the top of the viewport, want it scrolled into view", id, top)
	}
}

// testTheme toggles dark mode, checks it is remembered across pages, and
// that the system preference applies when nothing is remembered.
func testTheme(t *testing.T, b *browser, base string) {
	b.reset()
	b.open(t, base+"index.html")
	_ = eval[bool](t, b, `localStorage.removeItem("fluxly-theme"), true`)
	b.open(t, base+"index.html")
	bg := func() string { return eval[string](t, b, `getComputedStyle(document.body).backgroundColor`) }
	light := bg()
	if light != "rgb(255, 255, 255)" {
		t.Errorf("default background = %s, want white", light)
	}
	b.do(t, "toggling", chromedp.Click(chromedp.ID("theme-toggle")))
	if got := eval[string](t, b, `document.documentElement.dataset.theme`); got != "dark" {
		t.Errorf("data-theme = %q after toggling, want dark", got)
	}
	if got := bg(); got != "rgb(13, 17, 23)" {
		t.Errorf("dark background = %s", got)
	}
	b.open(t, base+"workflows/etl.html")
	if got := bg(); got != "rgb(13, 17, 23)" {
		t.Errorf("background on the next page = %s, want the remembered dark theme", got)
	}
	b.do(t, "toggling back", chromedp.Click(chromedp.ID("theme-toggle")))
	if got := bg(); got != light {
		t.Errorf("background after toggling back = %s", got)
	}
	// The system's preference applies when nothing is remembered.
	_ = eval[bool](t, b, `localStorage.removeItem("fluxly-theme"), true`)
	b.do(t, "emulating a dark system theme", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		return err
	}))
	b.open(t, base+"index.html")
	if got := bg(); got != "rgb(13, 17, 23)" {
		t.Errorf("background with a dark system theme = %s", got)
	}
	if got := eval[string](t, b, `document.getElementById("theme-toggle").textContent`); got != "Light" {
		t.Errorf("toggle reads %q under a dark system theme, want Light", got)
	}
	b.do(t, "resetting the system theme", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
		return err
	}))
	b.assertClean(t, "theme")
}

// testCopy clicks the copy button of the first code snippet.
func testCopy(t *testing.T, b *browser, base string) {
	b.reset()
	b.open(t, base+"workflows/echo-msg.html")
	n := eval[int](t, b, `document.querySelectorAll(".content pre > button.copy").length`)
	if n < 3 {
		t.Errorf("%d copy buttons, want one per snippet (CLI, env, curl…)", n)
	}
	b.do(t, "copying",
		chromedp.Click(chromedp.CSS(`#command-line + pre > button.copy`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#command-line + pre > button.copy").textContent !== "Copy"`, chromedp.WithPollingTimeout(5*time.Second)),
	)
	got := eval[string](t, b, `document.querySelector("#command-line + pre > button.copy").textContent`)
	if got != "Copied" && got != "Press Ctrl+C" {
		t.Errorf("copy button reads %q after a click", got)
	}
	b.assertClean(t, "copy")
}

// TestBrowserXSS opens the pages of a workflow made of injection payloads
// and checks that Chromium runs none of them: no dialog, no console
// output, no request beyond the site's own files.
func TestBrowserXSS(t *testing.T) {
	b := newBrowser(t)
	files := xssSite(t)
	dir := writeSite(t, files)
	art := artifactsDir(t)
	for _, base := range []string{fileURL(dir), servedAt(t, dir, "/x")} {
		for _, p := range []string{"index.html", "workflows/xss.html", "pages/evil.html", "api.html"} {
			b.reset()
			b.open(t, base+p)
			// Hover and click every node of the diagram, and search for the
			// payloads so the results list shows them.
			nodes := eval[int](t, b, `document.querySelectorAll("figure.diagram svg [data-n]").length`)
			if p == "workflows/xss.html" && nodes == 0 {
				t.Error("no diagram nodes to click")
			}
			for i := range nodes {
				// With the mouse: the panel opened by the last click sits
				// beside the diagram, so every node can be clicked.
				if !clickNode(t, b, i) {
					continue
				}
				if p == "workflows/xss.html" {
					// The node's details panel shows its name as text.
					name := eval[string](t, b, `(document.querySelector(".node-details:not([hidden]) h3") || {}).textContent || ""`)
					if !slices.Contains([]string{xss.NodeImg, xss.NodeSVG, xss.NodeJS, "plain"}, name) {
						t.Errorf("details panel title %q is not a node name as text", name)
					}
					// Focus mode over the payloads.
					_ = eval[bool](t, b, `(Array.from(document.querySelectorAll(".node-details button")).find(b => b.textContent === "Focus") || {click(){}}).click(), true`)
					_ = eval[bool](t, b, `(Array.from(document.querySelectorAll(".node-details button")).find(b => b.textContent === "Exit focus") || {click(){}}).click(), true`)
				}
			}
			b.do(t, "searching for payloads",
				chromedp.Click(chromedp.ID("search")),
				chromedp.SendKeys(chromedp.ID("search"), "alert"),
				chromedp.WaitVisible(chromedp.CSS(`#search-results a`)),
			)
			// Let any injected handler fire: everything the page loads
			// has loaded or failed, and two frames have passed.
			b.do(t, "settling", chromedp.Evaluate[chromedp.Void](`new Promise(r => document.readyState === "complete" ? r() : addEventListener("load", () => r()))
				.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))`, chromedp.EvalAwaitPromise))
			scripts := eval[[]string](t, b, `Array.from(document.scripts).filter(s => s.type !== "application/json").map(s => s.getAttribute("src") || "INLINE")`)
			for _, s := range scripts {
				if !strings.Contains(s, "assets/") {
					t.Errorf("%s%s: unexpected script %q", base, p, s)
				}
			}
			handlers := eval[[]string](t, b, `Array.from(document.querySelectorAll("*")).flatMap(e =>
				Array.from(e.attributes).filter(a => a.name.startsWith("on") ||
					(/^(href|src|action|formaction|xlink:href|data|srcdoc)$/.test(a.name) && /^\s*(javascript|data|vbscript):/i.test(a.value))).map(a => e.tagName + " " + a.name))`)
			if len(handlers) > 0 {
				t.Errorf("%s%s: event handlers or javascript: URLs in the DOM: %v", base, p, handlers)
			}
			if n := eval[int](t, b, `document.querySelectorAll("iframe, img, object, embed, foreignObject, textarea").length`); n > 0 {
				t.Errorf("%s%s: %d injected elements", base, p, n)
			}
			if p == "workflows/xss.html" {
				h1 := eval[string](t, b, `document.querySelector("h1").textContent`)
				if h1 != "Workflow: <script>alert(21)</script>" {
					t.Errorf("h1 = %q, want the payload as text", h1)
				}
				b.screenshot(t, art, "xss-"+strings.ReplaceAll(strings.TrimPrefix(base, "file://"), "/", "_")[:4]+".png")
			}
			b.assertClean(t, base+p)
		}
	}
}

// TestBrowserHarness proves the recorder sees what the other browser tests
// assert never happens, so their clean results mean something.
func TestBrowserHarness(t *testing.T) {
	b := newBrowser(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "csp.html"), `<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="`+pageCSP(t)+`">`+
		`<title>t</title><script>console.log("inline ran")</script><p style="color:red">x</p><script src="missing.js"></script>`)
	write(t, filepath.Join(dir, "alert.html"), `<!DOCTYPE html><title>t</title><script>alert("boom"); console.log("after")</script>`)
	base := fileURL(dir)

	b.reset()
	b.do(t, "opening csp.html", chromedp.Navigate(base+"csp.html"))
	got := b.waitProblems(t, "missing.js")
	for _, want := range []string{"Content Security Policy", "missing.js"} {
		if !strings.Contains(got, want) {
			t.Errorf("recorded:\n%s\nwant a mention of %q", got, want)
		}
	}
	if strings.Contains(got, "inline ran") {
		t.Error("the CSP let an inline script run")
	}

	b.reset()
	b.do(t, "opening alert.html", chromedp.Navigate(base+"alert.html"))
	got = b.waitProblems(t, `console.log: "after"`)
	for _, want := range []string{`alert dialog: "boom"`, `console.log: "after"`} {
		if !strings.Contains(got, want) {
			t.Errorf("recorded:\n%s\nwant %q", got, want)
		}
	}
}

// pageCSP is the Content-Security-Policy the built pages carry.
func pageCSP(t *testing.T) string {
	t.Helper()
	index := string(fileMap(examplesSite(t))["index.html"])
	_, rest, ok := strings.Cut(index, `<meta http-equiv="Content-Security-Policy" content="`)
	csp, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 || csp == "" {
		t.Fatal("the index page has no CSP meta tag")
	}
	return csp
}
