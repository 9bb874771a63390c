// Package site builds the static documentation site of a Fluxly app from
// its introspection model: an index page and a page per workflow, rendered
// from docgen's Markdown with goldmark, with the workflow's diagram first
// and interactive (pan and zoom, node details, upstream and downstream
// highlight, a focus mode, the view in the URL) over the inlined SVG that
// stays the no-JavaScript fallback; a sidebar, an on-page table of
// contents, light and dark themes, copy buttons on code snippets and a
// search box backed by an index built with the site (prefix and
// typo-tolerant) — no server, no CDN, no network.
//
// Beyond the workflows it renders the common inputs once, a page per input
// schema with an example input, the HTTP API's OpenAPI document as a
// reference page ([Options.OpenAPI]) and the user's own Markdown pages
// ([Options.Pages]), with their logo, links and footer.
//
// Every link in the site is relative and every asset is embedded in the
// binary, so the tree works from file://, from a sub-path of any static
// host and offline. [SingleFile] packs the same site into one HTML file.
// The same model always gives the same bytes.
//
// Text from user code (names, descriptions, labels, field help) and from
// the user's pages never becomes markup: docgen escapes it in Markdown,
// goldmark runs without raw HTML, links are limited to relative paths and
// http(s)/mailto URLs, the SVG is rebuilt from an allow-list of elements
// and attributes, scripts write text with textContent, and every page
// carries a Content-Security-Policy that forbids inline script.
//
// Layout of a built site:
//
//	index.html                        the index page
//	workflows/<endpoint>.html         one page per workflow
//	common-inputs.html                the inputs every workflow takes
//	schemas/<endpoint>.html           each input schema, with an example input
//	schemas/<endpoint>.schema.json    the input's JSON Schema
//	api.html                          the HTTP API reference (with Options.OpenAPI)
//	pages/…                           the user's pages (with Options.Pages)
//	diagrams/<endpoint>.svg|.dot|.mmd the diagram (sanitized SVG), DOT and Mermaid
//	model.json                        the introspection model
//	search-index.json                 the search index (also assets/search-index.js)
//	sitemap.xml                       with Options.BaseURL
//	assets/                           CSS, JavaScript, icon, logo
//
// [Handler] serves a build over HTTP; the docs commands (package docscmd)
// write it to a directory, check a directory for drift and preview it.
package site

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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
	// Logo is shown beside the title: an SVG (cleaned like the diagrams),
	// PNG, JPEG, GIF or WebP image, whose Path's extension says which.
	Logo File
	// Links are added to the header, in order: relative paths (to the
	// site's root) or http(s) and mailto URLs.
	Links []Link
	// Footer is Markdown shown at the bottom of every page, rendered like
	// the pages (no raw HTML).
	Footer string
	// BaseURL is where the site is published ("https://example.com/docs/"):
	// pages then name their canonical URL and the site gets a sitemap.xml.
	// Links stay relative.
	BaseURL string
	// Pages are the user's own Markdown pages, with the images they show:
	// merged into the navigation and the search, under pages/. A page's
	// title is its first heading; links between pages and to the
	// workflows' Markdown (../workflows/etl.md) work as on GitHub. Build
	// fails, naming the page and line, on a relative link or image whose
	// target is no page or file of the site, and on a link to a #fragment
	// that no element of its page has ("start.md#install", "#usage").
	Pages fs.FS
	// OpenAPI is the HTTP API's OpenAPI document, as the API serves it at
	// /openapi.json; the site renders it as a reference page.
	OpenAPI []byte
}

// Link is a link of the site's header.
type Link struct {
	Text string
	URL  string
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
// files instead of showing a diagram. When r also keeps built pages (the
// docs commands' renderer does, beside its SVG cache: see pagecache.go), a
// page whose inputs are unchanged since an earlier build is reused; the
// bytes are the same either way.
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
	errs = append(errs, checkOptions(o)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	docs := o.Docs
	docs.DiagramLink = ""
	gen, err := docgen.Files(ctx, m, r, docs)
	if err != nil {
		return nil, fmt.Errorf("site: generating the docs: %w", err)
	}
	b, err := newBuilder(m, o, gen)
	if err != nil {
		return nil, err
	}
	b.cache = b.newPageCache(r)
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

// page is one HTML page of the site: rendered from Markdown (src), or
// generated with its body and table of contents (body, toc).
type page struct {
	out   string // the HTML file, e.g. "workflows/etl.html"
	md    string // its Markdown source path, or ""
	src   []byte
	body  []byte
	toc   []tocEntry
	title string // "" for the index
	kind  pageKind
	w     *introspect.Workflow
	// anchors are a user's page's links to fragments, checked against the
	// built pages (see checkAnchors).
	anchors []anchorLink
}

type pageKind int

const (
	indexPage pageKind = iota
	workflowPage
	guidePage     // the user's
	referencePage // common inputs, API, schemas
)

// builder turns docgen's files into the site's.
type builder struct {
	m      *introspect.Model
	o      Options
	src    map[string][]byte // docgen's files by path
	mdSrc  map[string]bool   // Markdown sources that become pages (docgen's and the user's)
	paths  map[string]bool   // every path of the built site
	pages  []*page           // sorted by out
	extra  []File            // files besides pages, docgen's and assets: logo, user images
	logo   string            // the logo's path, or ""
	links  []Link            // header links, checked
	footer []byte            // rendered footer
	cache  *pageCache        // built pages kept across builds, or nil
}

func newBuilder(m *introspect.Model, o Options, gen []File) (*builder, error) {
	b := &builder{m: m, o: o, src: map[string][]byte{}, mdSrc: map[string]bool{}, paths: map[string]bool{}}
	for _, f := range gen {
		b.src[f.Path] = f.Data
		if strings.HasSuffix(f.Path, ".md") {
			b.mdSrc[f.Path] = true
			p := &page{out: htmlPath(f.Path), md: f.Path, src: f.Data}
			switch dir, file := path.Split(f.Path); {
			case f.Path == "index.md":
				p.kind = indexPage
			case dir == docgen.WorkflowsDir+"/":
				p.kind = workflowPage
				p.w = m.Workflow(strings.TrimSuffix(file, ".md"))
				if p.w != nil {
					p.title = p.w.Name
				}
			default:
				p.kind = referencePage
				p.title = firstHeading(f.Data)
			}
			b.pages = append(b.pages, p)
		} else {
			b.paths[f.Path] = true
		}
	}
	var errs []error
	if o.Pages != nil {
		if err := b.addUserPages(o.Pages); err != nil {
			errs = append(errs, err)
		}
	}
	if len(o.Logo.Data) > 0 {
		if err := b.addLogo(o.Logo); err != nil {
			errs = append(errs, err)
		}
	}
	b.addSchemaPages()
	if len(o.OpenAPI) > 0 {
		p, err := apiPage(o.OpenAPI, b.m)
		if err != nil {
			errs = append(errs, err)
		} else {
			b.pages = append(b.pages, p)
			b.extra = append(b.extra, File{Path: "openapi.json", Data: o.OpenAPI})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, p := range b.pages {
		b.paths[p.out] = true
	}
	for _, f := range b.extra {
		b.paths[f.Path] = true
	}
	for _, a := range assetFiles() {
		b.paths[a.Path] = true
	}
	b.paths[searchIndexJSON] = true
	b.paths[searchIndexJS] = true
	slices.SortFunc(b.pages, func(x, y *page) int { return strings.Compare(x.out, y.out) })
	b.links = o.Links
	if strings.TrimSpace(o.Footer) != "" {
		footer, _, err := render(newMarkdown(), []byte(o.Footer), &pageCtx{path: "index.md", pages: b.mdSrc})
		if err != nil {
			return nil, fmt.Errorf("site: rendering the footer: %w", err)
		}
		b.footer = footer
	}
	return b, nil
}

func (b *builder) build(ctx context.Context) ([]File, error) {
	var out []File
	var errs []error
	for _, p := range sortedKeys(b.src) {
		data := b.src[p]
		switch {
		case b.mdSrc[p]:
			continue // rendered below
		case strings.HasPrefix(p, docgen.DiagramsDir+"/") && path.Ext(p) == ".svg":
			ep := strings.TrimSuffix(path.Base(p), ".svg")
			if b.mdSrc[docgen.WorkflowsDir+"/"+ep+".md"] {
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
	} else if err := b.checkAnchors(pages); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out = append(out, pages...)
	out = append(out, b.extra...)
	out = append(out, b.searchIndexFiles()...)
	if sm := b.sitemap(); sm != nil {
		out = append(out, File{Path: "sitemap.xml", Data: sm})
	}
	out = append(out, assetFiles()...)
	return out, nil
}

// renderPages renders every page on GOMAXPROCS workers, each with its own
// goldmark converter. Results are collected by index, so the output does
// not depend on scheduling.
func (b *builder) renderPages(ctx context.Context) ([]File, error) {
	results := make([][]File, len(b.pages))
	errs := make([]error, len(b.pages))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(b.pages)) {
		wg.Go(func() {
			md := newMarkdown()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(b.pages) {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[i] = err
					continue
				}
				results[i], errs[i] = b.cachedPage(md, b.pages[i])
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
