package docscmd_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/internal/outdir"

	"go.uber.org/goleak"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/docscmd"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/openapi"
	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/site"
)

// newApp is cmd/fluxly with the docs commands wired in, optionally
// without some of the examples.
func newApp(t *testing.T, without ...string) *fluxly.App {
	t.Helper()
	app := fluxly.New(fluxly.Name("fluxly"), fluxly.Use(docscmd.Extension()))
	var only []string
	for _, name := range []string{"echo-msg", "producer-consumer", "etl", "branching", "flaky", "fail-with", "slow"} {
		if !slices.Contains(without, name) {
			only = append(only, name)
		}
	}
	examples.Register(app, only...)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	return app
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs the app's CLI with args; the SVG cache is a fresh directory
// unless env says otherwise.
func run(t *testing.T, app *fluxly.App, args []string, env ...string) result {
	t.Helper()
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "FLUXLY_SVG_CACHE=") }) {
		env = append(env, "FLUXLY_SVG_CACHE="+t.TempDir())
	}
	var stdout, stderr bytes.Buffer
	code := app.Main(context.Background(), args, env, &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func (r result) want(t *testing.T, code int, stderrHas ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stderrHas {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
}

func model(t *testing.T, app *fluxly.App) *introspect.Model {
	t.Helper()
	m, err := app.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDocsBuild(t *testing.T) {
	app := newApp(t)
	out := filepath.Join(t.TempDir(), "_site")
	r := run(t, app, []string{"docs", "build", "--out", out})
	r.want(t, 0)
	if !strings.HasPrefix(r.stdout, "wrote "+out+": ") {
		t.Errorf("stdout = %q", r.stdout)
	}
	// The directory holds exactly what the site package builds.
	m := model(t, app)
	files, err := site.Build(context.Background(), m, svgrender.New(),
		site.Options{Title: "fluxly workflows", Docs: docgen.Options{Command: "fluxly", Direction: "TB"},
			OpenAPI: openapi.Document("fluxly", "", m, false)})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := outdir.Check(out, files); err != nil || !d.Empty() {
		t.Errorf("built tree differs from site.Build: %v\n%s", err, d)
	}
	if _, err := os.Stat(filepath.Join(out, outdir.Marker)); err != nil {
		t.Errorf("no marker: %v", err)
	}
	// A second build changes nothing.
	r = run(t, app, []string{"docs", "build", "--out", out})
	r.want(t, 0)
	if !strings.Contains(r.stdout, "(0 added, 0 changed, 0 removed)") {
		t.Errorf("rebuild: %s", r.stdout)
	}
}

func TestDocsCheck(t *testing.T) {
	app := newApp(t)
	build := func(t *testing.T, app *fluxly.App) string {
		out := filepath.Join(t.TempDir(), "site")
		run(t, app, []string{"docs", "build", "--out", out}).want(t, 0)
		return out
	}
	check := func(t *testing.T, out string) result {
		return run(t, app, []string{"docs", "build", "--check", "--out", out})
	}

	t.Run("no change", func(t *testing.T) {
		out := build(t, app)
		r := check(t, out)
		r.want(t, 0)
		if !strings.Contains(r.stdout, "is up to date") {
			t.Errorf("stdout = %q", r.stdout)
		}
	})
	t.Run("a changed file", func(t *testing.T) {
		out := build(t, app)
		if err := os.WriteFile(filepath.Join(out, "workflows", "etl.html"), []byte("edited by hand"), 0o644); err != nil {
			t.Fatal(err)
		}
		check(t, out).want(t, docscmd.ExitDrift, "changed workflows/etl.html\n", "is out of date (1 changed, 0 added, 0 removed)", "fluxly docs build --out "+out)
	})
	t.Run("an added workflow", func(t *testing.T) {
		out := build(t, newApp(t, "slow"))
		check(t, out).want(t, docscmd.ExitDrift,
			"added   workflows/slow.html\n", "added   schemas/slow.schema.json\n", "added   diagrams/slow.svg\n",
			"changed index.html\n", "changed workflows/etl.html\n", // the sidebar lists every workflow
		)
	})
	t.Run("a removed workflow", func(t *testing.T) {
		out := build(t, app)
		r := run(t, newApp(t, "slow"), []string{"docs", "build", "--check", "--out", out})
		r.want(t, docscmd.ExitDrift, "removed workflows/slow.html\n", "removed diagrams/slow.dot\n")
	})
	t.Run("a removed file", func(t *testing.T) {
		out := build(t, app)
		if err := os.Remove(filepath.Join(out, "assets", "site.css")); err != nil {
			t.Fatal(err)
		}
		check(t, out).want(t, docscmd.ExitDrift, "added   assets/site.css\n", "(0 changed, 1 added, 0 removed)")
	})
	t.Run("a stale file", func(t *testing.T) {
		out := build(t, app)
		if err := os.WriteFile(filepath.Join(out, "workflows", "gone.html"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		r := check(t, out)
		r.want(t, docscmd.ExitDrift, "removed workflows/gone.html\n")
		// Building fixes it, and removes the stale file.
		run(t, app, []string{"docs", "build", "--out", out}).want(t, 0)
		check(t, out).want(t, 0)
		if _, err := os.Stat(filepath.Join(out, "workflows", "gone.html")); !os.IsNotExist(err) {
			t.Error("stale file kept")
		}
	})
	t.Run("a missing directory", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "never-built")
		check(t, out).want(t, docscmd.ExitDrift, "added   index.html\n")
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Error("--check created the directory")
		}
	})
	t.Run("options are part of the build", func(t *testing.T) {
		out := build(t, app)
		r := run(t, app, []string{"docs", "build", "--check", "--out", out, "--direction", "LR"})
		r.want(t, docscmd.ExitDrift, "changed diagrams/etl.dot\n")
	})
}

func TestDocsOutputDirectory(t *testing.T) {
	app := newApp(t)
	out := t.TempDir()
	mine := filepath.Join(out, "notes.txt")
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, app, []string{"docs", "build", "--out", out})
	r.want(t, docscmd.ExitUsage, "not a previous build", "--force")
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("a refused build wrote %d entries", len(entries))
	}
	run(t, app, []string{"docs", "build", "--out", out, "--force"}).want(t, 0)
	if data, err := os.ReadFile(mine); err != nil || string(data) != "mine" {
		t.Errorf("--force touched a file it did not write: %q, %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Error("--force wrote no site")
	}
	// A path that is a file, not a directory.
	run(t, app, []string{"docs", "build", "--out", mine}).want(t, docscmd.ExitError, "notes.txt")
}

func TestDocsMarkdown(t *testing.T) {
	app := newApp(t)
	out := filepath.Join(t.TempDir(), "docs")
	run(t, app, []string{"docs", "markdown", "--out", out}).want(t, 0)
	for _, p := range []string{"index.md", "model.json", "workflows/etl.md", "schemas/etl.schema.json", "diagrams/etl.dot", "diagrams/etl.mmd", "diagrams/etl.svg"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Error(err)
		}
	}
	run(t, app, []string{"docs", "markdown", "--check", "--out", out}).want(t, 0)
	// The HTML site is another tree: checking one against the other drifts.
	run(t, app, []string{"docs", "build", "--check", "--out", out}).want(t, docscmd.ExitDrift, "removed workflows/etl.md\n", "added   workflows/etl.html\n")
}

func TestUsageErrors(t *testing.T) {
	app := newApp(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"docs"}, "expected"},
		{[]string{"docs", "publish"}, "publish"},
		{[]string{"docs", "build"}, "needs --out DIR or --single-file"},
		{[]string{"docs", "markdown", "--single-file", "x.html"}, "--single-file is for docs build"},
		{[]string{"docs", "build", "--out", "x", "--link", "nolink"}, "want TEXT=URL"},
		{[]string{"docs", "build", "--out", "x", "--link", "x=javascript:alert(1)"}, "neither a path"},
		{[]string{"docs", "build", "--out", "x", "--pages", "/does/not/exist"}, "not a directory"},
		{[]string{"docs", "markdown", "--out", ""}, "needs --out"},
		{[]string{"docs", "serve", "--check"}, "docs serve takes no"},
		{[]string{"docs", "build", "--out", "x", "--direction", "up"}, "direction"},
		{[]string{"docs", "serve", "--addr", "256.0.0.1:http"}, "--addr"},
		{[]string{"graph"}, "expected"},
		{[]string{"graph", "nope"}, `no endpoint "nope"; endpoints: branching, echo-msg`},
		{[]string{"graph", "etl", "--format", "png"}, "format"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			run(t, app, tc.args).want(t, docscmd.ExitUsage, tc.want)
		})
	}
}

func TestGraph(t *testing.T) {
	app := newApp(t)
	m := model(t, app)
	etl := m.Workflow("etl")
	o := docgen.Options{Command: "fluxly", Direction: "TB"}

	r := run(t, app, []string{"graph", "etl"})
	r.want(t, 0)
	if r.stdout != string(docgen.DOT(etl, o)) {
		t.Errorf("graph etl is not docgen's DOT:\n%s", r.stdout)
	}
	o.Direction = "LR"
	if r := run(t, app, []string{"graph", "etl", "--direction", "LR"}); r.stdout != string(docgen.DOT(etl, o)) {
		t.Errorf("graph --direction LR:\n%s", r.stdout)
	}
	if r := run(t, app, []string{"graph", "etl", "-f", "mermaid"}); r.stdout != string(docgen.Mermaid(etl, docgen.Options{})) {
		t.Errorf("graph -f mermaid:\n%s", r.stdout)
	}
	r = run(t, app, []string{"graph", "etl", "-f", "mermaid", "--direction", "LR"})
	if r.stdout != string(docgen.Mermaid(etl, docgen.Options{Direction: "LR"})) || !strings.Contains(r.stdout, "\nflowchart LR\n") {
		t.Errorf("graph -f mermaid --direction LR:\n%s", r.stdout)
	}
	r = run(t, app, []string{"graph", "etl", "--format", "svg"})
	r.want(t, 0)
	if !strings.HasPrefix(r.stdout, "<svg") || !strings.Contains(r.stdout, `href="#node-extract"`) {
		t.Errorf("graph --format svg:\n%.300s", r.stdout)
	}
	r = run(t, app, []string{"graph", "etl", "--format", "json"})
	r.want(t, 0)
	var got introspect.Workflow
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Endpoint != "etl" || len(got.Nodes) != len(etl.Nodes) || !strings.HasSuffix(r.stdout, "}\n") {
		t.Errorf("graph --format json: %+v", got)
	}
}

func TestSVGCache(t *testing.T) {
	app := newApp(t)
	cache := filepath.Join(t.TempDir(), "svg")
	out := filepath.Join(t.TempDir(), "site")
	run(t, app, []string{"docs", "build", "--out", out}, "FLUXLY_SVG_CACHE="+cache).want(t, 0)
	entries, err := os.ReadDir(cache)
	svgs := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".svg") {
			svgs++
		}
	}
	if err != nil || svgs != len(model(t, app).Workflows) {
		t.Fatalf("cache holds %d SVGs (%v), want one per workflow", svgs, err)
	}
	// Its pages/ directory keeps the site's pages.
	if pages, err := os.ReadDir(filepath.Join(cache, "pages")); err != nil || len(pages) == 0 {
		t.Errorf("no built pages beside the SVGs: %d, %v", len(pages), err)
	}
	// The flag wins over the environment.
	other := filepath.Join(t.TempDir(), "other")
	run(t, app, []string{"docs", "build", "--check", "--out", out, "--svg-cache", other}, "FLUXLY_SVG_CACHE="+cache).want(t, 0)
	if entries, _ := os.ReadDir(other); len(entries) == 0 {
		t.Error("--svg-cache was ignored")
	}
	// Cached SVGs give the same site.
	run(t, app, []string{"docs", "build", "--check", "--out", out}, "FLUXLY_SVG_CACHE="+cache).want(t, 0)
	// Off, and unusable: the build still works.
	run(t, app, []string{"docs", "build", "--check", "--out", out, "--svg-cache", "off"}).want(t, 0)
	r := run(t, app, []string{"docs", "build", "--check", "--out", out}, "FLUXLY_SVG_CACHE=/proc/fluxly-cannot-be-here")
	r.want(t, 0, "not caching SVGs")
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestDocsServe(t *testing.T) {
	app := newApp(t)
	// Graphviz starts once per process; what is left running after the
	// server stops must be only that.
	if _, err := svgrender.New().RenderSVG(context.Background(), []byte("digraph { a }")); err != nil {
		t.Fatal(err)
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- app.Main(ctx, []string{"docs", "serve", "--addr", "127.0.0.1:0"}, []string{"FLUXLY_SVG_CACHE=off"}, io.Discard, stderr)
	}()
	var base string
	deadline := time.Now().Add(30 * time.Second)
	for base == "" && time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(stderr.String()))
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "serving the docs at "); ok {
				base, _, _ = strings.Cut(rest, " ")
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if base == "" {
		cancel()
		t.Fatalf("docs serve did not start: %s (exit %d)", stderr.String(), <-code)
	}
	for _, p := range []string{"", "index.html", "workflows/etl.html", "assets/site.js"} {
		req, _ := http.NewRequest("GET", base+p, nil)
		req.Header.Set("Cache-Control", "no-cache") // a hard reload: rebuilt
		req.Close = true
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b) == 0 {
			t.Errorf("GET %s: %s", p, resp.Status)
		}
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("docs serve exited %d after its context ended: %s", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("docs serve did not stop")
	}
}

// TestDocsHandler is the site the HTTP API mounts at /docs/.
func TestDocsHandler(t *testing.T) {
	app := newApp(t)
	docs, ok := docscmd.Extension().(interface {
		DocsHandler(ctx context.Context, env *fluxly.Env) (http.Handler, error)
		RenderSVG(ctx context.Context, dot []byte) ([]byte, error)
	})
	if !ok {
		t.Fatal("the docs extension provides no DocsHandler or RenderSVG")
	}
	env := &fluxly.Env{Name: "fluxly", Model: model(t, app), Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(k string) string {
			switch k {
			case "FLUXLY_SVG_CACHE":
				return "off"
			case "FLUXLY_SCHEMA_BASE_URL":
				return "https://acme.example/schemas"
			}
			return ""
		}}
	h, err := docs.DocsHandler(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/docs/", http.StripPrefix("/docs", h))
	for _, p := range []string{"/docs/", "/docs/workflows/etl.html", "/docs/search-index.json"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "etl") {
			t.Errorf("GET %s: %d", p, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/docs/schemas/etl.schema.json", nil))
	if !strings.Contains(rec.Body.String(), `"$id": "https://acme.example/schemas/etl.schema.json"`) {
		t.Errorf("GET /docs/schemas/etl.schema.json with FLUXLY_SCHEMA_BASE_URL: %d\n%.300s", rec.Code, rec.Body)
	}
	svg, err := docs.RenderSVG(context.Background(), []byte("digraph { a -> b }"))
	if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Errorf("RenderSVG: %.60s, %v", svg, err)
	}
}
