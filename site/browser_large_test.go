package site_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/site"
)

// TestBrowserLargeGraph drives the canvas diagram of a workflow too large
// to inline (240 nodes): it is drawn above the fold, a real mouse over a
// node highlights its lineage and a click opens its details, focus mode
// and the URL round trip work, the keyboard finds a node by name, the
// canvas follows the dark theme, deep links land on node sections that
// are laid out lazily, no width scrolls sideways, the single file draws
// it too, and without JavaScript the SVG file is shown instead.
func TestBrowserLargeGraph(t *testing.T) {
	b := newBrowser(t)
	files, err := site.Build(context.Background(), syntheticModel(t, 1, 240), svgrender.New(), site.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pg := string(fileMap(files)["workflows/wf-000.html"])
	if !strings.Contains(pg, `<figure class="diagram large">`) || strings.Contains(pg, "<svg xmlns") {
		t.Fatal("a 240-node workflow page inlines its SVG, want the canvas and the SVG file")
	}
	dir := writeSite(t, files)
	art := artifactsDir(t)
	page := fileURL(dir) + "workflows/wf-000.html"
	ready := chromedp.WaitVisible(chromedp.CSS(`figure.diagram[data-ready] canvas.base`))
	b.reset()
	b.open(t, page)
	b.do(t, "waiting for the canvas", ready)
	if top := eval[float64](t, b, `document.querySelector("figure.diagram").getBoundingClientRect().top`); top > 450 {
		t.Errorf("the diagram starts %.0fpx down, want it above the fold", top)
	}

	copyJS := `function copy(c) { const t = document.createElement("canvas"); t.width = c.width; t.height = c.height;
		const x = t.getContext("2d", {willReadFrequently: true}); x.drawImage(c, 0, 0); return x; }`
	// point brings a node into view and returns where it is on screen.
	point := func(name string) (float64, float64) {
		t.Helper()
		p := eval[map[string]float64](t, b, fmt.Sprintf(`document.querySelector("figure.diagram").fluxlyGraph.showNode(%q)`, name))
		return p["x"], p["y"]
	}
	// painted counts the overlay's painted pixels.
	// (Each read is from a copy: Chromium warns about repeated reads of a canvas.)
	painted := `(() => { const c = document.querySelector("canvas.overlay"), d = copy(c).getImageData(0, 0, c.width, c.height).data;
		let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })()`

	// Hover: the rest dims, the lineage is drawn on the overlay.
	x, y := point("node-120")
	b.do(t, "hovering node-120", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y), chromedp.Poll[chromedp.Void](
		`document.querySelector("canvas.base").classList.contains("dim")`, chromedp.WithPollingTimeout(5*time.Second)))
	if n := eval[int](t, b, copyJS+";"+painted); n == 0 {
		t.Error("hovering a node drew no highlight")
	}
	b.do(t, "leaving the diagram", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 5, 5), chromedp.Poll[chromedp.Void](
		`!document.querySelector("canvas.base").classList.contains("dim")`, chromedp.WithPollingTimeout(5*time.Second)))

	// Click: the details panel shows the node's section.
	x, y = point("node-120")
	b.do(t, "clicking node-120", chromedp.MouseClickXY(x, y), chromedp.WaitVisible(chromedp.CSS(`.node-details h3`)))
	details := eval[string](t, b, `document.querySelector(".node-details").textContent`)
	for _, want := range []string{"node-120", "Does nothing, quickly.", "node-117", "node-123"} {
		if !strings.Contains(details, want) {
			t.Errorf("details lack %q:\n%.300s", want, details)
		}
	}

	// Focus, and the view in the URL reopens it.
	b.do(t, "focusing",
		chromedp.Click(chromedp.Search(`//aside[contains(@class,"node-details")]//button[text()="Focus"]`)),
		chromedp.Poll[chromedp.Void](`location.hash.startsWith("#graph:n=node-120&f=1,1")`, chromedp.WithPollingTimeout(5*time.Second)),
	)
	hash := eval[string](t, b, `location.hash`)
	viewportShot(t, b, art, "large-focus.png")
	b.open(t, fileURL(dir)+"index.html")
	b.open(t, page+hash)
	b.do(t, "reopening", ready, chromedp.WaitVisible(chromedp.CSS(`.node-details h3`)))
	if got := eval[string](t, b, `document.querySelector(".node-details h3").textContent + " | " + document.querySelector(".focus-badge").textContent`); !strings.HasPrefix(got, "node-120 | Focus: node-120 (1 up, 1 down)") {
		t.Errorf("the link reopened %q", got)
	}
	b.do(t, "exiting focus", chromedp.Click(chromedp.Search(`//aside[contains(@class,"node-details")]//button[text()="Exit focus"]`)))

	// Keyboard: the find box selects a node by name.
	b.do(t, "finding node-77",
		chromedp.Focus(chromedp.CSS(`figure.diagram .find input`)),
		chromedp.SendKeys(chromedp.CSS(`figure.diagram .find input`), "node-77"),
		chromedp.KeyEvent("\r"),
		chromedp.Poll[chromedp.Void](`document.querySelector(".node-details h3").textContent === "node-77"`, chromedp.WithPollingTimeout(5*time.Second)),
	)

	// Dark theme: the canvas is drawn again in the dark palette.
	b.do(t, "closing the details", chromedp.Click(chromedp.CSS(`.node-details button[aria-label="Close the details"]`)))
	fill := func() string {
		x, y := point("node-100")
		return eval[string](t, b, copyJS+";"+fmt.Sprintf(`(() => { const c = document.querySelector("canvas.base"), r = c.getBoundingClientRect(), k = c.width / r.width;
			const d = copy(c).getImageData(Math.round((%f - r.left) * k), Math.round((%f - r.top + 10) * k), 1, 1).data; return "rgb(" + d[0] + ", " + d[1] + ", " + d[2] + ")"; })()`, x, y))
	}
	if got := fill(); got != "rgb(246, 248, 250)" {
		t.Errorf("light node fill on the canvas = %s", got)
	}
	b.do(t, "dark theme", chromedp.Click(chromedp.ID("theme-toggle")))
	if got := fill(); got != "rgb(22, 27, 34)" {
		t.Errorf("dark node fill on the canvas = %s, want the dark palette's", got)
	}
	viewportShot(t, b, art, "large-dark.png")
	b.do(t, "light theme", chromedp.Click(chromedp.ID("theme-toggle")))

	// A deep link lands on its section, though sections are laid out lazily.
	b.open(t, page+"#node-node-150")
	assertAtSection(t, b, "workflows/wf-000.html", "node-node-150")

	// No sideways scrolling, desktop and phone.
	for _, w := range []int64{1280, 390} {
		b.do(t, "viewport", chromedp.EmulateViewport(w, 844))
		b.open(t, page)
		b.do(t, "waiting for the canvas", ready)
		if d := eval[float64](t, b, `document.documentElement.scrollWidth - window.innerWidth`); d > 0 {
			t.Errorf("at %dpx the page scrolls %.0fpx sideways", w, d)
		}
	}
	b.do(t, "desktop viewport", chromedp.EmulateViewport(1280, 900))
	b.assertClean(t, "large graph")

	// The single file draws it too.
	one, err := site.SingleFile(files)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "docs.html")
	if err := os.WriteFile(p, one, 0o644); err != nil {
		t.Fatal(err)
	}
	b.open(t, fileURL(filepath.Dir(p))+"docs.html#/workflows/wf-000.html")
	b.do(t, "single file canvas", ready)
	b.assertClean(t, "single file")

	// Without JavaScript: the SVG file, linked.
	b.do(t, "disabling JavaScript", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	b.do(t, "opening without JavaScript", chromedp.Navigate(page), chromedp.WaitReady(chromedp.CSS("figure.diagram img")))
	b.do(t, "enabling JavaScript", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})
		return err
	}), chromedp.Poll[chromedp.Void](`document.querySelector("figure.diagram img").complete`, chromedp.WithPollingTimeout(10*time.Second)))
	if eval[bool](t, b, `!!document.querySelector("figure.diagram canvas")`) {
		t.Error("a canvas without JavaScript")
	}
	img := eval[string](t, b, `(() => { const i = document.querySelector("figure.diagram img"); return i ? i.closest("a").getAttribute("href") + " " + (i.complete && i.naturalWidth > 0) : "none"; })()`)
	if img != "../diagrams/wf-000.svg true" {
		t.Errorf("without JavaScript the figure shows %q, want the SVG file, loaded and linked", img)
	}
	b.assertClean(t, "no JavaScript")
}

// viewportShot saves what the viewport shows (the page is too long for a
// full screenshot to be worth its time).
func viewportShot(t *testing.T, b *browser, dir, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
