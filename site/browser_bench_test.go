package site_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/site"
)

// BenchmarkBrowserGraph2000 loads the page of a generated 2,000-node
// workflow in headless Chromium and reports, from the page's performance
// timings: the load without the interactive layer (graph.js removed), the
// time until the graph is interactive (the fluxly-graph-ready mark), the
// full page's load, a hover and a click on a node while the rest of the
// page is still being read, and the same after the load (handler, style,
// layout and the next frame). Each page is opened from about:blank, so
// the previous page's teardown is not counted. Figures in
// BENCHMARKS.md ("Docs site"); never asserted.
func BenchmarkBrowserGraph2000(b *testing.B) {
	m := syntheticModel(b, 1, 2000)
	files, err := site.Build(context.Background(), m, svgrender.New(), site.Options{})
	if err != nil {
		b.Fatal(err)
	}
	dir := writeSite(b, files)
	// The same page without the interactive layer.
	pg := string(fileMap(files)["workflows/wf-000.html"])
	const script = `<script src="../assets/graph.js"></script>`
	if !strings.Contains(pg, script) {
		b.Fatal("the page does not load graph.js")
	}
	write(b, dir+"/workflows/static.html", strings.Replace(pg, script, "", 1))
	br := newBrowserTB(b)
	eval := func(name, expr string) float64 {
		ctx, cancel := context.WithTimeout(br.ctx, 60*time.Second)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		return v
	}
	blank := func() {
		ctx, cancel := context.WithTimeout(br.ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			b.Fatal(err)
		}
	}
	open := func(u string) {
		ctx, cancel := context.WithTimeout(br.ctx, 120*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			b.Fatal(err)
		}
	}
	// start navigates without waiting for the load, then waits for the
	// graph by polling (each poll runs between the parser's tasks).
	start := func(u string) {
		ctx, cancel := context.WithTimeout(br.ctx, 120*time.Second)
		defer cancel()
		if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: u}); err != nil {
			b.Fatal(err)
		}
		for {
			// Between documents an evaluation can fail: tried again.
			c, stop := context.WithTimeout(ctx, 5*time.Second)
			ok, err := chromedp.Run(c, chromedp.Evaluate[bool](`location.href.endsWith("wf-000.html") && performance.getEntriesByName("fluxly-graph-ready").length > 0`))
			stop()
			if err == nil && ok {
				return
			}
			if ctx.Err() != nil {
				b.Fatalf("the graph did not get ready: %v", err)
			}
			time.Sleep(5 * time.Millisecond) // a poll of the page, not a wait for a result
		}
	}
	const nextFrame = `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`
	// The node is brought into view first (outside the timing); then a
	// pointer move over it (lineage highlight) or a click (details panel)
	// is timed to the second frame after it. The result is negative if the
	// page had finished loading first, so "during load" is never a guess.
	act := func(event, node string) string {
		return fmt.Sprintf(`(() => {
			const fig = document.querySelector("figure.diagram"), p = fig.fluxlyGraph.showNode(%q);
			const loading = document.readyState === "loading";
			return %s.then(() => {
				const t0 = performance.now();
				fig.querySelector(".canvas").dispatchEvent(new PointerEvent(%q, {bubbles: true, cancelable: true, clientX: p.x, clientY: p.y}));
				document.body.getBoundingClientRect();
				return %s.then(() => (performance.now() - t0) * (loading ? 1 : -1));
			});
		})()`, node, nextFrame, event, nextFrame)
	}
	var static, ready, load, hoverLoading, clickLoading, hover, click float64
	var during int
	for b.Loop() {
		blank()
		open(fileURL(dir) + "workflows/static.html")
		static += eval("static load", nextFrame+`.then(() => performance.getEntriesByType("navigation")[0].loadEventEnd)`)
		blank()
		start(fileURL(dir) + "workflows/wf-000.html")
		h := eval("hover while loading", act("pointermove", "node-1000"))
		c := eval("click while loading", act("click", "node-999"))
		if h > 0 && c > 0 {
			hoverLoading += h
			clickLoading += c
			during++
		}
		eval("load", `new Promise(r => document.readyState === "complete" ? r() : addEventListener("load", () => r()))`+`.then(() => 0)`)
		ready += eval("interactive", `performance.getEntriesByName("fluxly-graph-ready")[0].startTime`)
		load += eval("load", nextFrame+`.then(() => performance.getEntriesByType("navigation")[0].loadEventEnd)`)
		hover += -eval("hover", act("pointermove", "node-1500"))
		click += -eval("click", act("click", "node-1501"))
	}
	n := float64(b.N)
	b.ReportMetric(static/n, "ms-load-static")
	b.ReportMetric(ready/n, "ms-interactive")
	b.ReportMetric(load/n, "ms-load")
	b.ReportMetric(hover/n, "ms-hover")
	b.ReportMetric(click/n, "ms-click")
	if during > 0 {
		b.ReportMetric(hoverLoading/float64(during), "ms-hover-loading")
		b.ReportMetric(clickLoading/float64(during), "ms-click-loading")
	}
	b.ReportMetric(float64(len(pg))/1e6, "MB-page")
}
