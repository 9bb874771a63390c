package site_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/chromedp/chromedp/kb"

	"github.com/fluxly-go/fluxly/internal/outdir"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/openapi"
	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/site"
	"github.com/fluxly-go/fluxly/site/internal/xss"
)

// examplesModel is the model of the bundled examples, as cmd/fluxly
// registers them.
func examplesModel(t testing.TB) *introspect.Model {
	t.Helper()
	app := fluxly.New(fluxly.Name("fluxly"))
	examples.Register(app)
	m, err := app.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var (
	examplesOnce  sync.Once
	examplesFiles []site.File
	examplesErr   error
)

// examplesSite is the site of the bundled examples with real SVG diagrams,
// built once per test binary. Callers must not modify it.
func examplesSite(t testing.TB) []site.File {
	t.Helper()
	examplesOnce.Do(func() {
		examplesFiles, examplesErr = site.Build(context.Background(), examplesModel(t), svgrender.New(), site.Options{})
	})
	if examplesErr != nil {
		t.Fatal(examplesErr)
	}
	return examplesFiles
}

// xssSite is the site of the injection test workflow.
func xssSite(t testing.TB) []site.File {
	t.Helper()
	m, err := xss.Model()
	if err != nil {
		t.Fatal(err)
	}
	files, err := site.Build(context.Background(), m, svgrender.New(), site.Options{
		Title:   `<script>alert("title")</script>`,
		Footer:  "<script>alert(40)</script> [x](javascript:alert(41))",
		Links:   []site.Link{{Text: `<img src=x onerror=alert(42)>`, URL: "https://example.com/?q=\"><script>alert(43)</script>"}},
		Pages:   fstest.MapFS{"evil.md": {Data: []byte(xssPage)}},
		OpenAPI: openapi.Document(`<script>alert(44)</script>`, `"><b>`, m, true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// xssPage is a user page made of payloads.
const xssPage = "# <script>alert(50)</script> page\n\n<img src=x onerror=alert(51)> [a](javascript:alert(52)) " +
	"![i](https://evil.example/x.png) <a href=\"javascript:alert(53)\">b</a>\n\n## <svg onload=alert(54)> section {onclick=alert(55)}\n\n" +
	"<details open ontoggle=alert(56)><summary>x</summary></details>\n"

// writeSite writes files into a new directory and returns it.
func writeSite(t testing.TB, files []site.File) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := outdir.Write(dir, files, outdir.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func fileMap(files []site.File) map[string][]byte {
	m := make(map[string][]byte, len(files))
	for _, f := range files {
		m[f.Path] = f.Data
	}
	return m
}

func pages(files []site.File) []site.File {
	var out []site.File
	for _, f := range files {
		if strings.HasSuffix(f.Path, ".html") {
			out = append(out, f)
		}
	}
	return out
}

// artifactsDir is where browser tests save screenshots: $FLUXLY_ARTIFACTS
// when set (.ci/run sets .ci/artifacts and lists the files after the
// tests), otherwise a temporary directory removed with the test.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("FLUXLY_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, "site")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
func write(t testing.TB, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fstestPages are a user's pages: a guide linking a workflow.
func fstestPages() fstest.MapFS {
	return fstest.MapFS{
		"start.md": {Data: []byte("# Getting started\n\nRun the [etl workflow](../workflows/etl.md) first; it shows retries.\n\n## Install\n\nUse `go get`.\n")},
	}
}

// examplesOpenAPI is the bundled examples' OpenAPI document, as the HTTP
// API serves it.
func examplesOpenAPI(t testing.TB) []byte {
	t.Helper()
	return openapi.Document("fluxly", "", examplesModel(t), false)
}

func svgRendererForTests() docgen.Renderer { return svgrender.New() }

const kbArrowDown = kb.ArrowDown
