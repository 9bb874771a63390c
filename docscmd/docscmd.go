// Package docscmd provides the opt-in documentation commands of a Fluxly
// binary: `docs` (build, check, serve and write the docs site, or the
// Markdown docs) and `graph` (one workflow's diagram as DOT, SVG, Mermaid
// or model JSON). It also gives the HTTP API its /docs/ site and run
// reports their SVG diagrams.
//
// It is the package that links the SVG renderer (internal/svgrender, whose
// go-graphviz init compiles WebAssembly at start-up), so a binary that
// only runs workflows leaves it out:
//
//	app := fluxly.New(fluxly.Name("acme"), fluxly.Use(docscmd.Extension()))
//
// Commands:
//
//	docs build --out DIR [--check] [--force]   the HTML site (package site)
//	docs build --single-file OUT.html [--check] the whole site in one HTML file
//	docs markdown --out DIR [--check] [--force] Markdown pages, schemas, DOT/Mermaid/SVG diagrams (package docgen)
//	docs serve [--addr 127.0.0.1:8080]        preview the site, reloaded live (see serve.go)
//	graph <endpoint> [--format dot|svg|mermaid|json]
//
// The site's own content comes from flags: --pages DIR (Markdown pages
// merged into the navigation and the search), --logo FILE, --link
// "Text=URL" (repeatable), --footer MARKDOWN and --base-url URL. The HTTP
// API's OpenAPI document becomes the site's API reference page. A page's
// relative link or image whose target is no page or file of the site, or
// a link to a #fragment no element of its page has, fails docs build with
// ExitError, naming the page's file, line and link ("guide.md:12").
//
// Output directories are synced, not just written to: a build leaves a
// marker file (.fluxly-docs) and removes files it no longer produces, but
// only in a directory that is missing, empty or carries the marker. It
// refuses any other non-empty directory (exit status 2) unless --force,
// which writes the files and removes nothing. --check writes nothing and
// exits with status 1 (ExitDrift), listing the changed, added and removed
// files and a unified diff of each changed text file on stderr, when the
// directory is not exactly what a build would produce; 0 when it is; 2
// (ExitUsage) for bad flags; 3 (ExitError) when the check itself fails.
// With --single-file, --check compares the one file the same way: 0 when
// it is what a build writes, 1 with "changed FILE" and a unified diff, or
// "missing FILE", on stderr; 3 when it cannot be read.
//
// Rendered SVGs are cached by DOT text under os.UserCacheDir()/fluxly/svg;
// --svg-cache DIR or FLUXLY_SVG_CACHE=DIR moves the cache, and "off"
// disables it. Its pages/ directory keeps the site's built pages, one file
// per page of each site (program and output path), reused by docs build
// (and docs serve) when the hash of everything the page is made from —
// the program's build included — is unchanged (see pagecache.go).
package docscmd

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/fluxly-go/fluxly/internal/outdir"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/openapi"
	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/site"
)

// Exit statuses of the docs commands besides 0.
const (
	ExitDrift = 1                 // --check found differences
	ExitUsage = command.ExitUsage // bad flags, unknown endpoint, refused output directory
	ExitError = 3                 // anything else went wrong (rendering, writing)
)

// Extension returns the docs extension: the docs and graph commands, SVG
// diagrams for run reports, and the docs site the HTTP API serves at
// /docs/. Each call returns a fresh extension (its commands hold their
// parsed flags).
func Extension() fluxly.Extension { return &extension{} }

type extension struct{ r svgrender.Renderer }

var _ docgen.Renderer = (*extension)(nil)

func (x *extension) Commands() []fluxly.Command {
	df := &docsFlags{}
	gf := &graphFlags{}
	return []fluxly.Command{
		{
			Name: "docs",
			Help: "Build the docs site (docs build --out DIR), check it for drift (--check), preview it (docs serve) " +
				"or write the Markdown docs (docs markdown --out DIR).",
			Flags: df,
			Run:   func(ctx context.Context, env *fluxly.Env) error { return runDocs(ctx, env, df) },
		},
		{
			Name:  "graph",
			Help:  "Print an endpoint's diagram as DOT, SVG or Mermaid, or its model as JSON.",
			Flags: gf,
			Run:   func(ctx context.Context, env *fluxly.Env) error { return runGraph(ctx, env, gf) },
		},
	}
}

// RenderSVG lays out run reports' diagrams.
func (x *extension) RenderSVG(ctx context.Context, dot []byte) ([]byte, error) {
	return x.r.RenderSVG(ctx, dot)
}

// DocsHandler is the site the HTTP API serves at /docs/: built on the
// first request, then served from memory.
func (x *extension) DocsHandler(_ context.Context, env *fluxly.Env) (http.Handler, error) {
	env, err := withSchemaBase(env, env.Getenv("FLUXLY_SCHEMA_BASE_URL"))
	if err != nil {
		return nil, err
	}
	r := newRenderer(env, env.Getenv("FLUXLY_SVG_CACHE"), env.Name+"\x00docs handler")
	o, err := siteOptions(env, &docsFlags{APIBaseURL: env.Getenv("FLUXLY_API_BASE_URL")})
	if err != nil {
		return nil, err
	}
	return lazy(func(ctx context.Context) ([]site.File, error) {
		return site.Build(ctx, env.Model, r, o)
	}, lazyOptions{}), nil
}

type docsFlags struct {
	Mode       string   `arg:"" enum:"build,serve,markdown" help:"build: write the HTML site to --out. serve: preview the site over HTTP. markdown: write the Markdown pages, JSON Schemas and diagrams to --out."`
	Out        string   `short:"o" placeholder:"DIR" help:"Output directory (build, markdown)."`
	Check      bool     `help:"Write nothing and compare --out (or --single-file) with what would be built. Exit 0: up to date; 1: drift (the files and a diff on stderr); 2: usage; 3: any other error."`
	Force      bool     `help:"Write into a non-empty directory that is not a previous build; nothing is removed from it."`
	Addr       string   `default:"127.0.0.1:8080" help:"Address to serve on (serve)."`
	Title      string   `placeholder:"TEXT" help:"Site title (default: \"<program> workflows\")."`
	Direction  string   `enum:"TB,LR" default:"TB" help:"Diagram direction: TB (top-down) or LR (left to right)."`
	APIBaseURL string   `name:"api-base-url" env:"FLUXLY_API_BASE_URL" placeholder:"URL" help:"The HTTP API's base URL in curl examples (default http://127.0.0.1:8000)."`
	SVGCache   string   `name:"svg-cache" env:"FLUXLY_SVG_CACHE" placeholder:"DIR" help:"Directory caching rendered SVGs and, in its pages/, the site's built pages (default: <user cache dir>/fluxly/svg); \"off\" disables both."`
	SingleFile string   `name:"single-file" placeholder:"FILE" help:"Write the whole site as one self-contained HTML file, usable offline by double-click (build)."`
	Pages      string   `placeholder:"DIR" help:"Directory of your own Markdown pages (and their images), merged into the site's navigation and search. A relative link or image to nothing in the site, or a #fragment its page lacks, fails the build (exit 3)."`
	Logo       string   `placeholder:"FILE" help:"Logo shown beside the site title: .svg, .png, .jpg, .gif or .webp."`
	Links      []string `name:"link" placeholder:"TEXT=URL" help:"A header link, repeatable: a path in the site or an http(s)/mailto URL."`
	Footer     string   `placeholder:"MARKDOWN" help:"Footer text on every page (Markdown, no raw HTML)."`
	BaseURL    string   `name:"base-url" placeholder:"URL" help:"Where the site is published: pages get canonical links and the site a sitemap.xml."`
	Watch      bool     `default:"true" negatable:"" help:"docs serve: rebuild when --pages or the program's binary changes, and reload open pages."`
	// SchemaBaseURL overrides the app's schema base URL for the published
	// schemas' $id (see build.go).
	SchemaBaseURL string `name:"schema-base-url" env:"FLUXLY_SCHEMA_BASE_URL" placeholder:"URL" help:"Base URL of the published schemas' $id (default: the app's, else relative ids)."`
}

type graphFlags struct {
	Endpoint  string `arg:"" help:"The endpoint whose diagram to print."`
	Format    string `short:"f" enum:"dot,svg,mermaid,json" default:"dot" help:"dot, svg, mermaid, or json (the workflow's model)."`
	Direction string `enum:"TB,LR" default:"TB" help:"Diagram direction: TB (top-down) or LR (left to right)."`
	SVGCache  string `name:"svg-cache" env:"FLUXLY_SVG_CACHE" placeholder:"DIR" help:"Directory caching rendered SVGs (default: <user cache dir>/fluxly/svg); \"off\" disables the cache."`
}

func usagef(format string, args ...any) error { return command.Usagef(format, args...) }

// driftError reports that a directory is not what a build would write.
type driftError struct {
	dir  string
	diff outdir.Diff
	fix  string // the command that brings it up to date
}

func (e *driftError) Error() string {
	return fmt.Sprintf("%s is out of date (%d changed, %d added, %d removed); run `%s`",
		e.dir, len(e.diff.Changed), len(e.diff.Added), len(e.diff.Removed), e.fix)
}

// ExitCode returns ExitDrift.
func (e *driftError) ExitCode() int { return ExitDrift }

func runDocs(ctx context.Context, env *fluxly.Env, f *docsFlags) error {
	switch f.Mode {
	case "build", "markdown":
		if f.SingleFile != "" && f.Mode != "build" {
			return usagef("--single-file is for docs build")
		}
		if strings.TrimSpace(f.Out) == "" && f.SingleFile == "" {
			if f.Mode == "build" {
				return usagef("docs build needs --out DIR or --single-file FILE")
			}
			return usagef("docs %s needs --out DIR", f.Mode)
		}
		return writeDocs(ctx, env, f)
	case "serve":
		if f.Out != "" || f.Check || f.Force || f.SingleFile != "" {
			return usagef("docs serve takes no --out, --single-file, --check or --force (it serves from memory)")
		}
		return serve(ctx, env, f)
	}
	return usagef("unknown docs mode %q (build, serve or markdown)", f.Mode)
}

// siteOptions are the site's options from the flags: the user's pages,
// logo, links and footer are read here, and the API reference comes from
// the OpenAPI document the HTTP API serves (without a token: the page says
// when one is needed).
func siteOptions(env *fluxly.Env, f *docsFlags) (site.Options, error) {
	title := f.Title
	if strings.TrimSpace(title) == "" {
		title = env.Name + " workflows"
	}
	o := site.Options{
		Title:   title,
		Docs:    docgenOptions(env, f.Direction, f.APIBaseURL),
		Footer:  f.Footer,
		BaseURL: f.BaseURL,
		OpenAPI: openapi.Document(env.Name, env.Version, env.Model, false),
	}
	for _, l := range f.Links {
		text, u, ok := strings.Cut(l, "=")
		if !ok || strings.TrimSpace(text) == "" || strings.TrimSpace(u) == "" {
			return o, usagef("--link %q: want TEXT=URL", l)
		}
		if lu := strings.ToLower(strings.TrimSpace(u)); strings.Contains(lu, ":") &&
			!strings.HasPrefix(lu, "https://") && !strings.HasPrefix(lu, "http://") && !strings.HasPrefix(lu, "mailto:") {
			return o, usagef("--link %q: %q is neither a path in the site nor an http(s) or mailto URL", l, u)
		}
		o.Links = append(o.Links, site.Link{Text: strings.TrimSpace(text), URL: strings.TrimSpace(u)})
	}
	if f.Logo != "" {
		data, err := os.ReadFile(f.Logo)
		if err != nil {
			return o, usagef("--logo: %w", err)
		}
		o.Logo = site.File{Path: filepath.Base(f.Logo), Data: data}
	}
	if f.Pages != "" {
		if st, err := os.Stat(f.Pages); err != nil || !st.IsDir() {
			return o, usagef("--pages %s: not a directory", f.Pages)
		}
		o.Pages = os.DirFS(f.Pages)
	}
	return o, nil
}

func docgenOptions(env *fluxly.Env, direction, apiBaseURL string) docgen.Options {
	return docgen.Options{Command: env.Name, APIBaseURL: apiBaseURL, Direction: direction}
}
