package site_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fluxly-go/fluxly/site"
)

// Browser tests of issue #16: the diagram first, no sideways scrolling,
// the interactive graph and its URL state, the search table and the
// single-file site.

// TestBrowserLayout opens every page at 1280×900 and 390×844: no page
// scrolls sideways and no table, code block or diagram overflows its box;
// every workflow page shows its diagram above the fold at 1280×900.
func TestBrowserLayout(t *testing.T) {
	b := newBrowser(t)
	files := examplesSite(t)
	base := fileURL(writeSite(t, files))
	overflow := `Array.from(document.querySelectorAll(".content table, .content pre, .content figure, .content .canvas, .toc, .sidebar"))
		.filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1).map(e => e.tagName + "." + e.className)`
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(vp.name, func(t *testing.T) {
			b.reset()
			b.do(t, "viewport", chromedp.EmulateViewport(vp.w, vp.h))
			defer b.do(t, "desktop viewport", chromedp.EmulateViewport(1280, 900))
			for _, f := range pages(files) {
				b.open(t, base+f.Path)
				if w := eval[float64](t, b, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
					t.Errorf("%s at %dpx: the page scrolls %.0fpx sideways", f.Path, vp.w, w)
				}
				if o := eval[[]string](t, b, overflow); len(o) > 0 {
					t.Errorf("%s at %dpx: boxes wider than their place: %v", f.Path, vp.w, o)
				}
				if vp.name == "desktop" && strings.HasPrefix(f.Path, "workflows/") {
					top := eval[float64](t, b, `document.querySelector("figure.diagram").getBoundingClientRect().top`)
					if top > 450 {
						t.Errorf("%s: the diagram starts %.0fpx down, want it above the fold (under 450px)", f.Path, top)
					}
				}
			}
			b.assertClean(t, vp.name)
		})
	}
}

// TestBrowserGraph drives the interactive diagram of etl: node details,
// upstream and downstream highlight, focus mode, the view in the URL and
// its round trip, pan and zoom, and the dark theme; it saves screenshots.
func TestBrowserGraph(t *testing.T) {
	b := newBrowser(t)
	dir := writeSite(t, examplesSite(t))
	art := artifactsDir(t)
	page := fileURL(dir) + "workflows/etl.html"
	b.reset()
	b.open(t, page)
	b.do(t, "waiting for the graph", chromedp.WaitVisible(chromedp.CSS(`figure.diagram[data-ready]`)))

	// Hover transform: extract is upstream, load downstream, audit dimmed.
	b.do(t, "hovering transform", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-n="1"]').dispatchEvent(new PointerEvent("pointerover", {bubbles: true}))`))
	classes := func() string {
		return eval[string](t, b, `["0","1","2","3"].map(i => document.querySelector('[data-n="'+i+'"]').getAttribute("class")).join("|")`)
	}
	if got := classes(); got != "node up|node sel|node down|node" {
		t.Errorf("after hovering transform, node classes = %q", got)
	}

	// Click extract: details open with its description, output and
	// children; the highlight follows.
	b.do(t, "clicking extract",
		chromedp.Click(chromedp.CSS(`figure.diagram svg a[href="#node-extract"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.node-details h3`)),
	)
	details := eval[string](t, b, `document.querySelector(".node-details").textContent`)
	for _, want := range []string{"extract", "Reads the source file", "users", "Rows that passed validation", "transform", "3 downstream"} {
		if !strings.Contains(details, want) {
			t.Errorf("details lack %q:\n%s", want, details)
		}
	}
	if got := eval[bool](t, b, `document.querySelector("figure.diagram svg").classList.contains("lit")`); !got {
		t.Error("no highlight after selecting a node")
	}

	// Focus on transform with one level up and down: audit is hidden.
	b.do(t, "focusing transform",
		chromedp.Click(chromedp.CSS(`figure.diagram svg a[href="#node-transform"]`)),
		chromedp.Click(chromedp.Search(`//aside[contains(@class,"node-details")]//button[text()="Focus"]`)),
		chromedp.Poll[chromedp.Void](`location.hash.startsWith("#graph:n=transform&f=1,1")`, chromedp.WithPollingTimeout(5*time.Second)),
	)
	hidden := `getComputedStyle(document.querySelector('[data-n="3"]')).display === "none" && getComputedStyle(document.querySelector('[data-n="0"]')).display !== "none"`
	if !eval[bool](t, b, hidden) {
		t.Error("focus mode on transform (1 up, 1 down) still shows audit, or hides extract")
	}
	b.screenshot(t, art, "workflow-etl-focus.png")
	hash := eval[string](t, b, `location.hash`)

	// Zoom and pan change the view, which lands in the URL.
	b.do(t, "zooming in", chromedp.Click(chromedp.CSS(`.diagram .toolbar button[aria-label="Zoom in"]`)))
	b.do(t, "view saved", chromedp.Poll[chromedp.Void](fmt.Sprintf(`location.hash !== %q`, hash), chromedp.WithPollingTimeout(5*time.Second)))
	hash = eval[string](t, b, `location.hash`)
	viewBox := eval[string](t, b, `document.querySelector("figure.diagram svg").getAttribute("viewBox")`)

	// The link reopens the same view: selection, focus, zoom.
	b.open(t, fileURL(dir)+"index.html")
	b.open(t, page+hash)
	b.do(t, "waiting for the graph", chromedp.WaitVisible(chromedp.CSS(`.node-details h3`)))
	if got := eval[string](t, b, `document.querySelector(".node-details h3").textContent`); got != "transform" {
		t.Errorf("the link reopened %q, want transform", got)
	}
	if !eval[bool](t, b, hidden) {
		t.Error("the link did not reopen focus mode")
	}
	if got := eval[string](t, b, `document.querySelector("figure.diagram svg").getAttribute("viewBox")`); !sameBox(got, viewBox) {
		t.Errorf("the link reopened view %q, want %q", got, viewBox)
	}
	// Levels: one more up changes the URL; Escape leaves focus.
	b.do(t, "exiting focus", chromedp.Click(chromedp.Search(`//aside[contains(@class,"node-details")]//button[text()="Exit focus"]`)))
	if eval[bool](t, b, `document.querySelector("figure.diagram svg").classList.contains("focus")`) {
		t.Error("still in focus mode after Exit focus")
	}

	// Dark mode: the diagram follows the theme.
	b.do(t, "dark theme", chromedp.Click(chromedp.ID("theme-toggle")))
	fill := eval[string](t, b, `getComputedStyle(document.querySelector('[data-n="0"] path')).fill`)
	if fill != "rgb(22, 27, 34)" {
		t.Errorf("dark theme node fill = %s, want the dark palette's", fill)
	}
	b.screenshot(t, art, "workflow-etl-graph-dark.png")
	b.do(t, "light theme", chromedp.Click(chromedp.ID("theme-toggle")))
	b.assertClean(t, "graph")
}

// searchCases are queries and the results they must put first.
var searchCases = []struct {
	query string
	first []string // "kind name" of the first results, in any order
}{
	{"extrct", []string{"node extract"}},                         // a typo
	{"retry", []string{"input max_retries", "workflow flaky"}},   // a stem, in the first three
	{"retries", []string{"input max_retries", "workflow flaky"}}, // the plural
	{"transform", []string{"node transform"}},                    // a node name
	{"min_age", []string{"input min_age"}},                       // a field name
	{"doubles", []string{"node consumer"}},                       // a word of a description
	{"flak", []string{"workflow flaky"}},                         // a prefix
	{"FLUXLY_DRY_RUN", []string{"input dry_run"}},                // an environment variable
	{"produser", []string{"node producer"}},                      // a typo in a name
	{"Getting started", []string{"page Getting started"}},        // a user page
	{"run etl", []string{"api POST /etl/run"}},                   // an API operation
}

// TestBrowserSearch runs the search table through the page's matcher, and
// checks a common field is found once, not once per workflow.
func TestBrowserSearch(t *testing.T) {
	b := newBrowser(t)
	files, err := site.Build(context.Background(), examplesModel(t), nil, site.Options{
		Pages:   fstestPages(),
		OpenAPI: examplesOpenAPI(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	b.reset()
	b.open(t, fileURL(writeSite(t, files))+"index.html")
	b.do(t, "loading the index", chromedp.Evaluate[chromedp.Void](`new Promise(r => fluxlySite.load(r))`, chromedp.EvalAwaitPromise))
	for _, tc := range searchCases {
		got := eval[[]string](t, b, fmt.Sprintf(`fluxlySite.search(%q).slice(0, 3).map(e => e.k + " " + e.n)`, tc.query))
		n := len(tc.first)
		if n == 1 && (len(got) == 0 || got[0] != tc.first[0]) {
			t.Errorf("search %q: first results %q, want %q first", tc.query, got, tc.first[0])
		}
		for _, want := range tc.first {
			if n > 1 && !containsStr(got, want) {
				t.Errorf("search %q: first results %q, want %q among them", tc.query, got, want)
			}
		}
	}
	if got := eval[[]string](t, b, `fluxlySite.search("verbose").map(e => e.k + " " + e.n + " " + e.u)`); len(got) != 1 || got[0] != "input verbose common-inputs.html#input-verbose" {
		t.Errorf(`search "verbose" = %q, want the one common field`, got)
	}
	// Keyboard: arrows move the selection, Enter follows it.
	b.do(t, "typing",
		chromedp.Click(chromedp.ID("search")),
		chromedp.SendKeys(chromedp.ID("search"), "retry"),
		chromedp.WaitVisible(chromedp.CSS(`#search-results a`)),
		chromedp.KeyEvent(kbArrowDown), chromedp.KeyEvent(kbArrowDown),
	)
	sel := eval[string](t, b, `document.querySelector('#search-results a[aria-selected="true"]').href`)
	b.do(t, "following the second result", chromedp.KeyEvent("\r"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
		cancel()
		if err == nil && loc == sel {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Enter went to %s (%v), want the selected %s", loc, err, sel)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.assertClean(t, "search")
}

// sameBox compares two viewBox values to within one unit.
func sameBox(a, b string) bool {
	fa, fb := strings.Fields(a), strings.Fields(b)
	if len(fa) != 4 || len(fb) != 4 {
		return false
	}
	for i := range fa {
		var x, y float64
		fmt.Sscan(fa[i], &x)
		fmt.Sscan(fb[i], &y)
		if x-y > 1 || y-x > 1 {
			return false
		}
	}
	return true
}

// TestBrowserSingleFile opens the single-file site over file://: no
// request fails, nothing is logged, pages route, the graph and search work.
func TestBrowserSingleFile(t *testing.T) {
	b := newBrowser(t)
	files, err := site.Build(context.Background(), examplesModel(t), svgRendererForTests(), site.Options{Pages: fstestPages(), OpenAPI: examplesOpenAPI(t)})
	if err != nil {
		t.Fatal(err)
	}
	one, err := site.SingleFile(files)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "docs.html")
	if err := os.WriteFile(p, one, 0o644); err != nil {
		t.Fatal(err)
	}
	u := fileURL(filepath.Dir(p)) + "docs.html"
	b.reset()
	b.open(t, u)
	if got := eval[string](t, b, `document.querySelector("#content h1").textContent`); got != "Workflows" {
		t.Errorf("single file opens on %q, want the index", got)
	}
	b.do(t, "following the etl link",
		chromedp.Click(chromedp.CSS(`.sidebar a[href="#/workflows/etl.html"]`)),
		chromedp.WaitVisible(chromedp.CSS(`figure.diagram[data-ready]`)),
		chromedp.Click(chromedp.CSS(`figure.diagram svg a[href$="#node-load"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.node-details h3`)),
	)
	b.do(t, "searching",
		chromedp.Click(chromedp.ID("search")),
		chromedp.SendKeys(chromedp.ID("search"), "flaky"),
		chromedp.WaitVisible(chromedp.CSS(`#search-results a`)),
		chromedp.KeyEvent("\r"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#content h1").textContent === "Workflow: flaky"`, chromedp.WithPollingTimeout(5*time.Second)),
	)
	// The router shows a page on the hash change that follows the click:
	// wait for it rather than read the page still shown.
	b.do(t, "a page of the user's", chromedp.Click(chromedp.CSS(`.sidebar a[href="#/pages/start.html"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#content h1").textContent === "Getting started"`, chromedp.WithPollingTimeout(5*time.Second)))
	if n := eval[int](t, b, `performance.getEntriesByType("resource").length`); n != 0 {
		t.Errorf("the single file made %d requests", n)
	}
	b.assertClean(t, "single file")
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// rectsJS defines, at the start of a function evaluated in the page, what
// the layout assertions below measure:
// box(e) is an element's box as [left, top, right, bottom], meet(a, b)
// whether two boxes overlap (touching is not overlapping), clip(a, b) the
// part of a inside b (null if none).
const rectsJS = `const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const meet = (a, b) => !!a && !!b && a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5;
const clip = (a, b) => { const c = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]; return c[0] < c[2] && c[1] < c[3] ? c : null; };
const inside = (a, b) => a[0] >= b[0] - 0.5 && a[1] >= b[1] - 0.5 && a[2] <= b[2] + 0.5 && a[3] <= b[3] + 0.5;`

// clickNode clicks the middle of node i of the page's diagram with the
// mouse, as a reader would, after scrolling it to the middle of the
// window; it fails the test when something else is drawn there.
func clickNode(t *testing.T, b *browser, i int) bool {
	t.Helper()
	node := fmt.Sprintf(`document.querySelector('figure.diagram svg [data-n="%d"]')`, i)
	p := eval[[]float64](t, b, `(() => { const e = `+node+`; e.scrollIntoView({block: "center", inline: "nearest"});
		const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	top := eval[string](t, b, fmt.Sprintf(`(() => { const e = %s, h = document.elementFromPoint(%f, %f);
		return h && (h === e || e.contains(h)) ? "" : h ? h.tagName + "." + h.getAttribute("class") : "nothing"; })()`, node, p[0], p[1]))
	if top != "" {
		t.Errorf("node %d: %s is drawn over its middle, a click cannot reach it", i, top)
		return false
	}
	b.do(t, fmt.Sprintf("clicking node %d", i), chromedp.MouseClickXY(p[0], p[1]))
	return true
}

// TestBrowserGraphPanel clicks every node of every workflow's diagram with
// the mouse, at 1280×900 and 390×844: the details panel opens on the node
// clicked and covers neither it nor, in focus mode, any node in focus; the
// node stays wholly in the diagram's box, also when the view was zoomed
// in first; and the focus badge covers neither the page's title nor the
// diagram's.
func TestBrowserGraphPanel(t *testing.T) {
	b := newBrowser(t)
	files := examplesSite(t)
	base := fileURL(writeSite(t, files))
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(vp.name, func(t *testing.T) {
			b.reset()
			b.do(t, "viewport", chromedp.EmulateViewport(vp.w, vp.h))
			defer b.do(t, "desktop viewport", chromedp.EmulateViewport(1280, 900))
			for _, f := range pages(files) {
				if !strings.HasPrefix(f.Path, "workflows/") {
					continue
				}
				b.open(t, base+f.Path)
				b.do(t, "waiting for the graph", chromedp.WaitVisible(chromedp.CSS(`figure.diagram[data-ready]`)))
				n := eval[int](t, b, `document.querySelectorAll("figure.diagram svg [data-n]").length`)
				for i := range n {
					checkPanel(t, b, f.Path, vp.w, i, false)
				}
				// Zoomed in: the view is the reader's, and the panel's
				// arrival must not leave the node under it or cut off.
				b.do(t, "closing the details", chromedp.Click(chromedp.CSS(`.node-details button[aria-label="Close the details"]`)))
				b.do(t, "zooming in",
					chromedp.Click(chromedp.CSS(`.diagram .toolbar button[aria-label="Zoom in"]`)),
					chromedp.Click(chromedp.CSS(`.diagram .toolbar button[aria-label="Zoom in"]`)))
				right := eval[int](t, b, `(() => { `+rectsJS+` const c = box(document.querySelector("figure.diagram .canvas")); let best = -1, x = -Infinity;
					document.querySelectorAll("figure.diagram svg [data-n]").forEach(e => { const r = box(e); const m = (r[0] + r[2]) / 2;
						if (m > c[0] && m < c[2] && (r[1] + r[3]) / 2 > c[1] && (r[1] + r[3]) / 2 < c[3] && m > x) { x = m; best = +e.getAttribute("data-n"); } });
					return best; })()`)
				if right >= 0 {
					checkPanel(t, b, f.Path+" zoomed in", vp.w, right, true)
				}
			}
			b.assertClean(t, vp.name)
		})
	}
}

// checkPanel clicks node i, checks where the panel opened, then does the
// same in focus mode and leaves it.
func checkPanel(t *testing.T, b *browser, where string, width int64, i int, zoomed bool) {
	t.Helper()
	name := eval[string](t, b, fmt.Sprintf(`document.querySelector('figure.diagram svg [data-n="%d"] text').textContent`, i))
	if !clickNode(t, b, i) {
		return
	}
	b.do(t, "waiting for the details", chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`(document.querySelector(".node-details:not([hidden]) h3") || {}).textContent === %q`, name), chromedp.WithPollingTimeout(5*time.Second)))
	layout := func(focus bool) []string {
		return eval[[]string](t, b, `(() => { `+rectsJS+fmt.Sprintf(`
			const out = [], panel = box(document.querySelector(".node-details")), canvas = box(document.querySelector("figure.diagram .canvas"));
			const nodes = %t ? Array.from(document.querySelectorAll("figure.diagram svg [data-n].in")) : [document.querySelector('figure.diagram svg [data-n="%d"]')];
			for (const e of nodes) {
				const r = box(e), n = e.getAttribute("data-n");
				if (meet(r, panel)) out.push("node " + n + " " + JSON.stringify(r.map(Math.round)) + " is under the details panel " + JSON.stringify(panel.map(Math.round)));
				if (!inside(r, canvas)) out.push("node " + n + " " + JSON.stringify(r.map(Math.round)) + " is cut off by the diagram's box " + JSON.stringify(canvas.map(Math.round)));
			}
			if (%t) {
				const badge = box(document.querySelector(".focus-badge:not([hidden])") || document.body);
				const title = clip(box(document.querySelector("figure.diagram svg g.graph > text")), canvas);
				if (meet(badge, box(document.querySelector("h1")))) out.push("the focus badge covers the page's title");
				if (meet(badge, title)) out.push("the focus badge covers the diagram's title");
			}
			return out;
		})()`, focus, i, focus))
	}
	for _, p := range layout(false) {
		t.Errorf("%s at %dpx, %q clicked: %s", where, width, name, p)
	}
	if zoomed {
		return
	}
	b.do(t, "focus mode", chromedp.Click(chromedp.Search(`//aside[contains(@class,"node-details")]//button[text()="Focus"]`)))
	if !eval[bool](t, b, `!document.querySelector(".focus-badge").hidden`) {
		t.Errorf("%s at %dpx, %q: no focus badge in focus mode", where, width, name)
	}
	for _, p := range layout(true) {
		t.Errorf("%s at %dpx, focus on %q: %s", where, width, name, p)
	}
	b.do(t, "leaving focus mode", chromedp.Click(chromedp.Search(`//aside[contains(@class,"node-details")]//button[text()="Exit focus"]`)))
}

// brokenWordsJS lists the words of table cells (headings included) that
// wrap from one line to the next although they would fit on one line of
// their table: a column squeezed narrower than its longest word. Words
// end at spaces and after hyphens, where lines may break.
const brokenWordsJS = `(() => {
	const out = [];
	for (const cell of document.querySelectorAll(SCOPE)) {
		if (!cell.getClientRects().length) continue;
		const table = cell.closest("table").getBoundingClientRect().width;
		const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
		for (let t = walker.nextNode(); t; t = walker.nextNode()) {
			for (const m of t.data.matchAll(/[^\s-]*-+|[^\s-]+/g)) {
				const r = document.createRange();
				r.setStart(t, m.index);
				r.setEnd(t, m.index + m[0].length);
				const rects = Array.from(r.getClientRects()).filter(x => x.width > 0);
				if (rects.length < 2) continue;
				const tops = rects.map(x => x.top), width = rects.reduce((w, x) => w + x.width, 0);
				if (Math.max(...tops) - Math.min(...tops) > 2 && width < table - 24) {
					out.push(cell.tagName + " " + JSON.stringify(m[0]) + " (" + Math.round(width) + "px) in " + JSON.stringify(cell.textContent.trim().slice(0, 60)) + ", " + Math.round(cell.getBoundingClientRect().width) + "px wide");
				}
			}
		}
	}
	return out;
})()`

// TestBrowserTableWords opens every page at 1280×900 and 390×844 (and a
// node's details panel on workflow pages): no table cell wraps a word that
// would fit its table's width on one line.
func TestBrowserTableWords(t *testing.T) {
	b := newBrowser(t)
	files := examplesSite(t)
	base := fileURL(writeSite(t, files))
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(vp.name, func(t *testing.T) {
			b.reset()
			b.do(t, "viewport", chromedp.EmulateViewport(vp.w, vp.h))
			defer b.do(t, "desktop viewport", chromedp.EmulateViewport(1280, 900))
			for _, f := range pages(files) {
				b.open(t, base+f.Path)
				for _, w := range eval[[]string](t, b, strings.Replace(brokenWordsJS, "SCOPE", `".content th, .content td"`, 1)) {
					t.Errorf("%s at %dpx: %s", f.Path, vp.w, w)
				}
				if !strings.HasPrefix(f.Path, "workflows/") {
					continue
				}
				b.do(t, "waiting for the graph", chromedp.WaitVisible(chromedp.CSS(`figure.diagram[data-ready]`)))
				n := eval[int](t, b, `document.querySelectorAll("figure.diagram svg [data-n]").length`)
				for i := range n {
					if !clickNode(t, b, i) {
						continue
					}
					b.do(t, "waiting for the details", chromedp.WaitVisible(chromedp.CSS(`.node-details h3`)))
					for _, w := range eval[[]string](t, b, strings.Replace(brokenWordsJS, "SCOPE", `".node-details th, .node-details td"`, 1)) {
						t.Errorf("%s at %dpx, details of node %d: %s", f.Path, vp.w, i, w)
					}
				}
			}
			b.assertClean(t, vp.name)
		})
	}
}
