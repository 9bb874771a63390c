package site_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/internal/outdir"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/internal/synthetic"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/site"
)

// The benchmarks build the whole site of a synthetic app of 100 workflows
// × 50 nodes (the shape internal/svgrender's benchmarks use), with a cold
// and a warm SVG cache, and run native `dot -Tsvg` on the same diagrams.
// See BENCHMARKS.md ("Docs site") for the numbers and commands.

// syntheticModel is n workflows of m nodes (package synthetic).
func syntheticModel(tb testing.TB, n, m int) *introspect.Model {
	tb.Helper()
	eps := make([]describe.Endpoint, n)
	for w := range n {
		name := synthetic.Name(w)
		eps[w] = describe.Endpoint{Name: name, Workflow: synthetic.New(name, m)()}
	}
	model, err := describe.DescribeAll(describe.Options{}, eps...)
	if err != nil {
		tb.Fatal(err)
	}
	return model
}

func buildOrFail(b *testing.B, m *introspect.Model, r docgen.Renderer) []site.File {
	files, err := site.Build(context.Background(), m, r, site.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return files
}

// reportPages adds the cost per HTML page (index + one per workflow).
func reportPages(b *testing.B, m *introspect.Model) {
	pages := float64(len(m.Workflows) + 1)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pages, "ns/page")
}

// BenchmarkBuild builds the whole site of the synthetic app.
func BenchmarkBuild(b *testing.B) {
	m := syntheticModel(b, 100, 50)
	render := svgrender.New()
	// Start Graphviz outside the timings, as any process does once.
	if _, err := render.RenderSVG(context.Background(), []byte("digraph { a }")); err != nil {
		b.Fatal(err)
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buildOrFail(b, m, svgrender.Cached(render, &svgrender.MemoryCache{}))
		}
		reportPages(b, m)
	})
	b.Run("warm", func(b *testing.B) {
		var cache svgrender.MemoryCache
		buildOrFail(b, m, svgrender.Cached(render, &cache))
		b.ReportAllocs()
		for b.Loop() {
			buildOrFail(b, m, svgrender.Cached(render, &cache))
		}
		reportPages(b, m)
	})
	b.Run("warm-dir-cache", func(b *testing.B) {
		cache, err := svgrender.NewDirCache(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		buildOrFail(b, m, svgrender.Cached(render, cache))
		b.ReportAllocs()
		for b.Loop() {
			buildOrFail(b, m, svgrender.Cached(render, cache))
		}
		reportPages(b, m)
	})
	b.Run("warm-page-cache", func(b *testing.B) {
		// Warm SVGs and every page kept (in memory, as docscmd keeps them
		// on disk): what is left is docgen, the entries' checks and the
		// files besides pages.
		var cache svgrender.MemoryCache
		r := newMemPages(svgrender.Cached(render, &cache), "bench")
		r.reset()
		buildOrFail(b, m, r)
		b.ReportAllocs()
		for b.Loop() {
			buildOrFail(b, m, r)
		}
		reportPages(b, m)
	})
	b.Run("docgen-only-warm", func(b *testing.B) {
		// What docgen.Files alone costs with the same warm cache: the
		// difference to "warm" is the site's own work.
		var cache svgrender.MemoryCache
		r := svgrender.Cached(render, &cache)
		buildOrFail(b, m, r)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := docgen.Files(context.Background(), m, r, docgen.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("no-svg", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buildOrFail(b, m, nil)
		}
		reportPages(b, m)
	})
}

// BenchmarkPage is the site's own cost for one workflow page, beyond
// docgen: Markdown to HTML, the SVG allow-list, layout (one workflow, warm
// cache, so the SVG is not rendered).
func BenchmarkPage(b *testing.B) {
	m := syntheticModel(b, 1, 50)
	var cache svgrender.MemoryCache
	r := svgrender.Cached(svgrender.New(), &cache)
	buildOrFail(b, m, r)
	b.ReportAllocs()
	for b.Loop() {
		buildOrFail(b, m, r)
	}
}

// BenchmarkWrite syncs a directory to the synthetic site: first write, and
// a rebuild where nothing changed (the --check and no-op rebuild path).
func BenchmarkWrite(b *testing.B) {
	m := syntheticModel(b, 100, 50)
	var cache svgrender.MemoryCache
	files := buildOrFail(b, m, svgrender.Cached(svgrender.New(), &cache))
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			if _, err := outdir.Write(filepath.Join(b.TempDir(), "site"), files, outdir.WriteOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "site")
		if _, err := outdir.Write(dir, files, outdir.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := outdir.Write(dir, files, outdir.WriteOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNativeDot runs native Graphviz on the same 100 diagrams: one
// process per file (as a Makefile would) and one process for all. Skipped
// when dot is not on PATH.
func BenchmarkNativeDot(b *testing.B) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		if os.Getenv("FLUXLY_REQUIRE_DOT") == "1" {
			b.Fatal("FLUXLY_REQUIRE_DOT=1 but dot is not on PATH (apt-get install graphviz)")
		}
		b.Skip("dot is not on PATH")
	}
	m := syntheticModel(b, 100, 50)
	dir := b.TempDir()
	var paths []string
	for _, w := range m.Workflows {
		p := filepath.Join(dir, w.Endpoint+".dot")
		if err := os.WriteFile(p, docgen.DOT(w, docgen.Options{}), 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	b.Run("per-file", func(b *testing.B) {
		for b.Loop() {
			for _, p := range paths {
				if out, err := exec.Command(dot, "-Tsvg", "-o", p+".svg", p).CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
		}
	})
	b.Run("one-process", func(b *testing.B) {
		for b.Loop() {
			if out, err := exec.Command(dot, append([]string{"-Tsvg", "-O"}, paths...)...).CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
		}
	})
	// The site also accepts native output (through svgrender.Postprocess),
	// so a build could use it: check one page stays valid.
	svg, err := exec.Command(dot, "-Tsvg", paths[0]).Output()
	if err != nil {
		b.Fatal(err)
	}
	native := docgen.RendererFunc(func(context.Context, []byte) ([]byte, error) { return svgrender.Postprocess(svg), nil })
	files := buildOrFail(b, syntheticModel(b, 1, 50), native)
	if !strings.Contains(string(fileMap(files)["workflows/wf-000.html"]), `<a href="#node-node-49">`) {
		b.Error("native dot output did not give node links")
	}
}
