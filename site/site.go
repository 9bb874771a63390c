// Package site builds the static documentation site of a Fluxly app from
// its introspection model: an index page and a page per workflow, rendered
// from docgen's Markdown with goldmark, with the workflow's diagram inlined
// as SVG (every node links to its section), a sidebar, light and dark
// themes, copy buttons on code snippets and a search box backed by a
// prebuilt index — no server, no CDN, no network.
//
// Every link in the site is relative and every asset is embedded in the
// binary, so the tree works from file://, from a sub-path of any static
// host and offline. The same model always gives the same bytes.
//
// Text from user code (names, descriptions, labels, field help) never
// becomes markup: docgen escapes it in Markdown, goldmark runs without raw
// HTML, links are limited to relative paths and http(s)/mailto URLs, the
// SVG is rebuilt from an allow-list of elements and attributes, the search
// box writes results with textContent, and every page carries a
// Content-Security-Policy that forbids inline script.
//
// Layout of a built site:
//
//	index.html                        the index page
//	workflows/<endpoint>.html         one page per workflow
//	diagrams/<endpoint>.svg|.dot|.mmd the diagram (sanitized SVG), DOT and Mermaid
//	schemas/<endpoint>.schema.json    the input's JSON Schema
//	model.json                        the introspection model
//	search-index.json                 the search index (also assets/search-index.js)
//	assets/                           CSS, JavaScript, icon
//
// [Handler] serves a build over HTTP; the docs commands (package docscmd)
// write it to a directory, check a directory for drift and preview it.
package site

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/introspect"
)

// File is one file of a built site: a slash-separated path relative to the
// site's root, and its contents.
type File = docgen.File

// Options configure a build. The zero value is ready to use.
type Options struct {
	// Title names the site in the header and in page titles (default
	// "Workflows").
	Title string
	// Docs configures the Markdown and diagrams the pages are made from.
	// Its DiagramLink is ignored: pages inline their diagram.
	Docs docgen.Options
}

// defaultTitle is the site title when Options.Title is empty.
const defaultTitle = "Workflows"

func (o Options) title() string {
	if t := strings.TrimSpace(o.Title); t != "" {
		return t
	}
	return defaultTitle
}

// endpointName is what a workflow's endpoint must look like to become a
// file name: the form introspect.Describe enforces, checked again because
// a Model can also be decoded from JSON.
var endpointName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Build returns every file of the site for m, sorted by path. r renders the
// diagrams (see internal/svgrender); with a nil r the pages link the DOT
// files instead of showing a diagram.
func Build(ctx context.Context, m *introspect.Model, r docgen.Renderer, o Options) ([]File, error) {
	if m == nil {
		return nil, errors.New("site: nil model")
	}
	var errs []error
	for _, w := range m.Workflows {
		if !endpointName.MatchString(w.Endpoint) {
			errs = append(errs, fmt.Errorf("site: endpoint %q cannot be a file name (1–63 lowercase letters, digits, '-' or '_')", w.Endpoint))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	docs := o.Docs
	docs.DiagramLink = ""
	gen, err := docgen.Files(ctx, m, r, docs)
	if err != nil {
		return nil, fmt.Errorf("site: generating the docs: %w", err)
	}
	b := newBuilder(m, o, gen)
	out, err := b.build(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for i := 1; i < len(out); i++ {
		if out[i].Path == out[i-1].Path {
			return nil, fmt.Errorf("site: %s is generated twice", out[i].Path)
		}
	}
	return out, nil
}

// builder turns docgen's files into the site's.
type builder struct {
	m     *introspect.Model
	o     Options
	src   map[string][]byte // docgen's files by path
	pages map[string]bool   // Markdown sources (each becomes a page)
	paths map[string]bool   // every path of the built site
}

func newBuilder(m *introspect.Model, o Options, gen []File) *builder {
	b := &builder{m: m, o: o, src: map[string][]byte{}, pages: map[string]bool{}, paths: map[string]bool{}}
	for _, f := range gen {
		b.src[f.Path] = f.Data
		if strings.HasSuffix(f.Path, ".md") {
			b.pages[f.Path] = true
			b.paths[htmlPath(f.Path)] = true
		} else {
			b.paths[f.Path] = true
		}
	}
	for _, a := range assetFiles() {
		b.paths[a.Path] = true
	}
	b.paths[searchIndexJSON] = true
	b.paths[searchIndexJS] = true
	return b
}

func (b *builder) build(ctx context.Context) ([]File, error) {
	var out []File
	var errs []error
	for _, p := range sortedKeys(b.src) {
		data := b.src[p]
		switch {
		case b.pages[p]:
			continue // rendered below
		case strings.HasPrefix(p, docgen.DiagramsDir+"/") && path.Ext(p) == ".svg":
			ep := strings.TrimSuffix(path.Base(p), ".svg")
			if b.pages[docgen.WorkflowsDir+"/"+ep+".md"] {
				continue // cleaned with its page, in one pass
			}
			svg, err := standaloneSVG(data, b.nodeLinks(ep, "../"+docgen.WorkflowsDir+"/"+ep+".html"))
			if err != nil {
				errs = append(errs, fmt.Errorf("site: %s: %w", p, err))
				continue
			}
			out = append(out, File{Path: p, Data: svg})
		default:
			out = append(out, File{Path: p, Data: data})
		}
	}
	pages, err := b.renderPages(ctx)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out = append(out, pages...)
	idx := newSearchIndex(b.m)
	out = append(out,
		File{Path: searchIndexJSON, Data: idx.json()},
		File{Path: searchIndexJS, Data: idx.script()},
	)
	out = append(out, assetFiles()...)
	return out, nil
}

// renderPages renders every page on GOMAXPROCS workers, each with its own
// goldmark converter. Results are collected by index, so the output does
// not depend on scheduling.
func (b *builder) renderPages(ctx context.Context) ([]File, error) {
	srcs := sortedKeys(b.pages)
	results := make([][]File, len(srcs))
	errs := make([]error, len(srcs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(srcs)) {
		wg.Go(func() {
			md := newMarkdown()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(srcs) {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[i] = err
					continue
				}
				results[i], errs[i] = b.page(md, srcs[i])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(results...), nil
}

// nodeLinks returns the link policy of a workflow's diagram: node anchors
// of the workflow ("#node-x") point at base+"#node-x"; anything else is
// dropped.
func (b *builder) nodeLinks(endpoint, base string) func(string) string {
	anchors := map[string]bool{}
	if w := b.m.Workflow(endpoint); w != nil {
		for _, n := range w.Nodes {
			anchors[docgen.NodeAnchor(n.Name)] = true
		}
	}
	return func(href string) string {
		frag, ok := strings.CutPrefix(href, "#")
		if !ok || !anchors[frag] {
			return ""
		}
		return base + "#" + frag
	}
}

// htmlPath is the page built from a Markdown source.
func htmlPath(md string) string { return strings.TrimSuffix(md, ".md") + ".html" }

// rootOf is the relative path from a page to the site's root: "" or a
// run of "../".
func rootOf(p string) string { return strings.Repeat("../", strings.Count(p, "/")) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
