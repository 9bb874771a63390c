package site_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/site"
)

// BenchmarkBrowserGraph2000 loads the page of a generated 2,000-node
// workflow in headless Chromium and reports, from the page's performance
// timings: the load without the interactive layer (graph.js removed), the
// time until the graph is interactive, and a hover and a click (handler,
// style, layout and the next frame). Figures in BENCH-NOTES-site.md; never
// asserted.
func BenchmarkBrowserGraph2000(b *testing.B) {
	m := syntheticModel(b, 1, 2000)
	files, err := site.Build(context.Background(), m, svgrender.New(), site.Options{})
	if err != nil {
		b.Fatal(err)
	}
	dir := writeSite(b, files)
	// The same page without the interactive layer.
	page := fileMap(files)["workflows/wf-000.html"]
	static := strings.Replace(string(page), `<script src="../assets/graph.js" defer></script>`, "", 1)
	write(b, dir+"/workflows/static.html", static)
	br := newBrowserTB(b)
	measure := func(name, expr string) float64 {
		ctx, cancel := context.WithTimeout(br.ctx, 60*time.Second)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		return v
	}
	open := func(u string) {
		ctx, cancel := context.WithTimeout(br.ctx, 120*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			b.Fatal(err)
		}
	}
	nextFrame := `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`
	var static_, ready, hover, click float64
	for b.Loop() {
		open(fileURL(dir) + "workflows/static.html")
		static_ += measure("static load", nextFrame+`.then(() => performance.getEntriesByType("navigation")[0].loadEventEnd)`)
		open(fileURL(dir) + "workflows/wf-000.html")
		ready += measure("interactive", nextFrame+`.then(() => performance.getEntriesByName("fluxly-graph-ready")[0].startTime)`)
		hover += measure("hover", `(() => { const t0 = performance.now(); document.querySelector('[data-n="1000"]').dispatchEvent(new PointerEvent("pointerover", {bubbles: true})); document.body.getBoundingClientRect(); return `+nextFrame+`.then(() => performance.now() - t0); })()`)
		click += measure("click", `(() => { const t0 = performance.now(); document.querySelector('[data-n="1000"] a').dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true})); document.body.getBoundingClientRect(); return `+nextFrame+`.then(() => performance.now() - t0); })()`)
	}
	n := float64(b.N)
	b.ReportMetric(static_/n, "ms-load-static")
	b.ReportMetric(ready/n, "ms-interactive")
	b.ReportMetric(hover/n, "ms-hover")
	b.ReportMetric(click/n, "ms-click")
	b.ReportMetric(float64(len(page))/1e6, "MB-page")
}
