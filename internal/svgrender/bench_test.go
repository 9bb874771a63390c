package svgrender_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/internal/synthetic"
	"github.com/fluxly-go/fluxly/introspect"
)

// The benchmarks compare full docs generation for a synthetic app of 100
// workflows × 50 nodes (Markdown, schemas, DOT, Mermaid and SVG through
// go-graphviz), cold — on one renderer, and on a Pool as docs build uses —
// and with a warm SVG cache, with native `dot -Tsvg` on the same DOT files.
// See BENCHMARKS.md ("Docs generation") for the numbers.

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

func filesOrFail(b *testing.B, m *introspect.Model, r docgen.Renderer) {
	files, err := docgen.Files(context.Background(), m, r, docgen.Options{})
	if err != nil {
		b.Fatal(err)
	}
	svgs := 0
	for _, f := range files {
		if strings.HasSuffix(f.Path, ".svg") {
			svgs++
		}
	}
	if r != nil && svgs != len(m.Workflows) {
		b.Fatalf("%d SVGs for %d workflows", svgs, len(m.Workflows))
	}
}

// BenchmarkFiles generates every file of the synthetic app.
func BenchmarkFiles(b *testing.B) {
	m := syntheticModel(b, 100, 50)
	render := svgrender.New()
	// Start the Graphviz context outside the timings, as any real run does
	// once per process.
	if _, err := render.RenderSVG(context.Background(), []byte("digraph { a }")); err != nil {
		b.Fatal(err)
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			filesOrFail(b, m, svgrender.Cached(render, &svgrender.MemoryCache{}))
		}
	})
	// The pool a docs build uses: this process's Graphviz and GOMAXPROCS-1
	// helper processes, started (and warm) before the timings.
	pool := svgrender.NewPool(goruntime.GOMAXPROCS(0))
	defer pool.Close()
	if err := pool.Warm(); err != nil {
		b.Fatal(err)
	}
	b.Run("cold-pool", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			filesOrFail(b, m, svgrender.Cached(pool, &svgrender.MemoryCache{}))
		}
	})
	b.Run("warm", func(b *testing.B) {
		var cache svgrender.MemoryCache
		filesOrFail(b, m, svgrender.Cached(render, &cache))
		b.ReportAllocs()
		for b.Loop() {
			filesOrFail(b, m, svgrender.Cached(render, &cache))
		}
	})
	b.Run("warm-dir-cache", func(b *testing.B) {
		cache, err := svgrender.NewDirCache(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		filesOrFail(b, m, svgrender.Cached(render, cache))
		b.ReportAllocs()
		for b.Loop() {
			filesOrFail(b, m, svgrender.Cached(render, cache))
		}
	})
	b.Run("no-svg", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			filesOrFail(b, m, nil)
		}
	})
}

// BenchmarkRenderSVG renders one 50-node workflow.
func BenchmarkRenderSVG(b *testing.B) {
	dot := docgen.DOT(syntheticModel(b, 1, 50).Workflows[0], docgen.Options{})
	render := svgrender.New()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := render.RenderSVG(context.Background(), dot); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNativeDot runs native Graphviz on the DOT files of the same
// synthetic app: one process per file, as a Makefile would, and one process
// for all files. It is skipped when dot is not on PATH.
func BenchmarkNativeDot(b *testing.B) {
	dot, err := exec.LookPath("dot")
	if err != nil {
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
}
