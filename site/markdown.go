package site

import (
	"bytes"
	"net/url"
	"path"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/fluxly-go/fluxly/docgen"
)

// This file renders docgen's Markdown to HTML: GFM, heading ids (automatic,
// or docgen's explicit {#id} for node names that do not slug cleanly), and
// an AST pass that makes the result safe and site-shaped.

// pageCtx is what the AST pass needs to know about the page being built.
type pageCtx struct {
	path    string          // the Markdown source, e.g. "workflows/etl.md"
	pages   map[string]bool // every Markdown source of the build
	paths   map[string]bool // every file of the build (schema pages replace schema links)
	diagram string          // the page's diagram SVG ("diagrams/etl.svg"), or ""
	svg     []byte          // that diagram, cleaned for inlining
	links   []diagramLink   // the diagram's other formats, relative to the page
	graph   []byte          // the diagram's graph as JSON, for the interactive layer
	legend  []legendItem    // what the diagram's legend explains
	// fallback is set for a diagram too large to inline: the SVG file,
	// relative to the page, shown without JavaScript (graph.js draws the
	// diagram on a canvas from the graph's geometry).
	fallback string
	// script is graph.js, relative to the page: loaded right after the
	// figure, so the diagram is interactive before the rest of a long
	// page has been read.
	script string
	// dropFooter leaves out docgen's "Generated … Do not edit" line: the
	// site's footer says it once.
	dropFooter bool
	// maxTOCNodes bounds the node headings in the table of contents.
	maxTOCNodes int
	toc         []tocEntry // filled by the AST pass
	// checkLinks makes the AST pass record the page's relative links and
	// images whose target is not in the build (broken), and its links with
	// a fragment (anchors, checked once every page is built): the user's
	// pages are checked, the generated ones are not.
	checkLinks bool
	broken     []brokenLink
	anchors    []anchorLink
}

// brokenLink is a relative link or image of a user's page whose target is
// neither a page nor a file of the site.
type brokenLink struct {
	line       int // 1-based line of the Markdown source
	dest, what string
}

// anchorLink is a link of a user's page to a fragment of a page of the
// site ("#install", "start.md#install"), checked against the ids of the
// built page.
type anchorLink struct {
	line       int
	dest       string
	page, frag string // the HTML page ("pages/start.html") and the id
}

// diagramLink is a link under an inline diagram to one of its files.
type diagramLink struct{ Label, Href string }

var pageKey = parser.NewContextKey()

// newMarkdown returns the goldmark converter of the site. It renders no raw
// HTML (html.WithUnsafe is never set; the AST pass also turns raw HTML into
// text). Table alignment is written as align attributes: the CSP forbids
// style attributes.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
			extension.Linkify,
			extension.TaskList,
		),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithAttribute(),
			parser.WithASTTransformers(util.Prioritized(sitePass{}, 100)),
		),
		goldmark.WithRendererOptions(
			renderer.WithNodeRenderers(util.Prioritized(diagramRenderer{}, 100)),
		),
	)
}

// render converts one page's Markdown to HTML, and returns its table of
// contents (the level 2 and 3 headings).
func render(md goldmark.Markdown, src []byte, pc *pageCtx) ([]byte, []tocEntry, error) {
	ctx := parser.NewContext()
	ctx.Set(pageKey, pc)
	buf := bytes.NewBuffer(make([]byte, 0, 2*len(src)+len(pc.svg)+len(pc.graph)))
	if err := md.Convert(src, buf, parser.WithContext(ctx)); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), pc.toc, nil
}

// sitePass rewrites the AST of a page:
//   - attributes: only headings keep one, their id;
//   - links to Markdown pages of the build point at their HTML pages;
//     links that are not relative paths or http(s)/mailto URLs, or that
//     leave the site, become plain text;
//   - images other than local files become their alt text;
//   - a paragraph holding only the page's diagram image becomes the inline
//     diagram;
//   - raw HTML becomes text;
//   - the Mermaid source of an inlined diagram is left out.
type sitePass struct{}

func (sitePass) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	page, _ := pc.Get(pageKey).(*pageCtx)
	if page == nil {
		page = &pageCtx{}
	}
	source := reader.Source()
	var unwrap, diagrams, raw, drop []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		keepID(n)
		switch n := n.(type) {
		case *ast.Link:
			if page.checkLinks {
				page.checkLink(string(n.Destination), lineOf(n, source), false)
			}
			if dest, ok := page.link(string(n.Destination)); ok {
				n.Destination = []byte(dest)
			} else {
				unwrap = append(unwrap, n)
			}
		case *ast.Image:
			if page.checkLinks {
				page.checkLink(string(n.Destination), lineOf(n, source), true)
			}
			switch {
			case page.isDiagram(string(n.Destination)) && onlyChild(n):
				diagrams = append(diagrams, n)
			case !page.local(string(n.Destination)):
				unwrap = append(unwrap, n)
			}
		case *ast.AutoLink:
			if !safeScheme(string(n.URL(source))) {
				raw = append(raw, n)
			}
		case *ast.RawHTML, *ast.HTMLBlock:
			raw = append(raw, n)
		case *ast.FencedCodeBlock:
			if page.svg != nil && string(n.Language(source)) == "mermaid" {
				drop = append(drop, n) // the inline SVG shows it; the figure links the .mmd
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range unwrap {
		parent := n.Parent()
		for c := n.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, n, c)
			c = next
		}
		parent.RemoveChild(parent, n)
	}
	for _, img := range diagrams {
		para := img.Parent()
		for para.Kind() != ast.KindParagraph {
			para = para.Parent()
		}
		d := &diagramBlock{svg: page.svg, links: page.links, alt: string(altText(img, source)), graph: page.graph, legend: page.legend,
			fallback: page.fallback, script: page.script}
		para.Parent().ReplaceChild(para.Parent(), para, d)
	}
	for _, n := range raw {
		asText(n, source)
	}
	for _, n := range drop {
		n.Parent().RemoveChild(n.Parent(), n)
	}
	if page.dropFooter {
		dropDocgenFooter(doc, source)
	}
	markFieldTables(doc, source)
	page.toc = tableOfContents(doc, source, page.maxTOCNodes)
	wrapNodeSections(doc)
	wrapLongTables(doc)
}

// longTable is the number of rows past which a table is laid out only
// near the viewport, like node sections: a workflow's edges table has a
// row per edge (BenchmarkBrowserGraph2000: at 2,700 rows, most of the
// page's layout time).
const longTable = 100

// wrapLongTables puts each table of more than longTable rows in a lazily
// rendered block.
func wrapLongTables(doc *ast.Document) {
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*east.Table); ok && t.ChildCount()-1 > longTable {
			b := &lazyBlock{class: "long-table"}
			doc.InsertBefore(doc, c, b)
			doc.RemoveChild(doc, c)
			b.AppendChild(b, c)
			c = b
		}
	}
}

// wrapNodeSections puts each node's heading and what follows it, up to
// the next heading or rule, in a section the stylesheet renders only near
// the viewport (content-visibility): a workflow of thousands of nodes
// would otherwise be laid out whole before the page responds
// (BenchmarkBrowserGraph2000).
func wrapNodeSections(doc *ast.Document) {
	for c := doc.FirstChild(); c != nil; {
		h, ok := c.(*ast.Heading)
		id, _ := c.AttributeString("id")
		if idText, _ := id.([]byte); !ok || h.Level != 3 || !bytes.HasPrefix(idText, []byte("node-")) {
			c = c.NextSibling()
			continue
		}
		sec := &lazyBlock{class: "node-section"}
		doc.InsertBefore(doc, c, sec)
		for m := c; m != nil; {
			if m != c && (m.Kind() == ast.KindThematicBreak || (m.Kind() == ast.KindHeading && m.(*ast.Heading).Level <= 3)) {
				break
			}
			next := m.NextSibling()
			doc.RemoveChild(doc, m)
			sec.AppendChild(sec, m)
			m = next
		}
		c = sec.NextSibling()
	}
}

// lazyBlock is a part of a page the stylesheet renders only near the
// viewport: a node's section, a long table.
type lazyBlock struct {
	ast.BaseBlock
	class string // "node-section" or "long-table"
}

var kindLazyBlock = ast.NewNodeKind("FluxlyLazyBlock")

func (s *lazyBlock) Kind() ast.NodeKind { return kindLazyBlock }

func (s *lazyBlock) Dump(source []byte, level int) { ast.DumpHelper(s, source, level, nil, nil) }

// docgenFooter starts the line docgen ends every page with.
const docgenFooter = "Generated by Fluxly docgen"

// dropDocgenFooter removes docgen's closing rule and "Generated …" line.
func dropDocgenFooter(doc *ast.Document, source []byte) {
	last := doc.LastChild()
	if last == nil || last.Kind() != ast.KindParagraph {
		return
	}
	rule := last.PreviousSibling()
	if rule == nil || rule.Kind() != ast.KindThematicBreak || !strings.HasPrefix(string(inlineText(last, source)), docgenFooter) {
		return
	}
	doc.RemoveChild(doc, last)
	doc.RemoveChild(doc, rule)
}

// fieldColumns are the columns of docgen's input tables, as CSS classes:
// the site lays each field out as a card that fits any width.
var fieldColumns = []string{"f-field", "f-flag", "f-env", "f-type", "f-default", "f-required", "f-constraints", "f-desc"}

// markFieldTables classes docgen's input tables and their cells, and
// gives each field's row an id ("input-count") that search results and
// links land on.
func markFieldTables(doc *ast.Document, source []byte) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		t, ok := n.(*east.Table)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		head, ok := t.FirstChild().(*east.TableHeader)
		if !ok || head.ChildCount() != len(fieldColumns) || string(inlineText(head.FirstChild(), source)) != "Field" ||
			string(inlineText(head.FirstChild().NextSibling(), source)) != "Flag" {
			return ast.WalkSkipChildren, nil
		}
		t.SetAttributeString("class", []byte("fields"))
		for r := t.FirstChild(); r != nil; r = r.NextSibling() {
			i := 0
			for c := r.FirstChild(); c != nil && i < len(fieldColumns); c = c.NextSibling() {
				c.SetAttributeString("class", []byte(fieldColumns[i]))
				i++
			}
			if _, row := r.(*east.TableRow); row && r.FirstChild() != nil {
				if name := string(inlineText(r.FirstChild(), source)); name != "" {
					r.SetAttributeString("id", []byte(inputAnchor(name)))
				}
			}
		}
		return ast.WalkSkipChildren, nil
	})
}

// inputAnchor is the id of an input field's row: "input-" and the name
// when it is made of [a-z0-9_.-], else a slug and a hash, like node anchors.
func inputAnchor(name string) string {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return "input" + strings.TrimPrefix(docgen.NodeAnchor(name), "node")
		}
	}
	return "input-" + name
}

// tableOfContents lists the level 2 and 3 headings that have an id; past
// maxNodes node headings (when maxNodes > 0) the rest are left out.
func tableOfContents(doc *ast.Document, source []byte, maxNodes int) []tocEntry {
	var toc []tocEntry
	nodes := 0
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		h, ok := c.(*ast.Heading)
		if !ok || h.Level < 2 || h.Level > 3 {
			continue
		}
		id, ok := h.AttributeString("id")
		if !ok {
			continue
		}
		idText, _ := id.([]byte)
		if h.Level == 3 && strings.HasPrefix(string(idText), "node-") {
			nodes++
			if maxNodes > 0 && nodes > maxNodes {
				continue
			}
		}
		toc = append(toc, tocEntry{ID: string(idText), Text: string(inlineText(h, source)), Level: h.Level})
	}
	return toc
}

// inlineText is the plain text of a node's inline content.
func inlineText(n ast.Node, source []byte) []byte {
	var b bytes.Buffer
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(source))
			if t.SoftLineBreak() || t.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.Bytes()
}

// keepID drops every attribute (goldmark's {…} syntax) but a heading's id.
func keepID(n ast.Node) {
	if n.Attributes() == nil {
		return
	}
	id, hasID := n.AttributeString("id")
	n.RemoveAttributes()
	if _, heading := n.(*ast.Heading); heading && hasID {
		n.SetAttributeString("id", id)
	}
}

// asText replaces a raw HTML node or an unsafe autolink with its source
// text, which the renderer escapes.
func asText(n ast.Node, source []byte) {
	var b bytes.Buffer
	switch n := n.(type) {
	case *ast.RawHTML:
		for i := 0; i < n.Segments.Len(); i++ {
			seg := n.Segments.At(i)
			b.Write(seg.Value(source))
		}
	case *ast.HTMLBlock:
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			b.Write(seg.Value(source))
		}
		if n.HasClosure() {
			b.Write(n.ClosureLine.Value(source))
		}
	case *ast.AutoLink:
		b.Write(n.Label(source))
	}
	parent := n.Parent()
	s := ast.NewString(bytes.TrimRight(b.Bytes(), "\n"))
	if n.Type() == ast.TypeBlock {
		p := ast.NewParagraph()
		p.AppendChild(p, s)
		parent.ReplaceChild(parent, n, p)
		return
	}
	parent.ReplaceChild(parent, n, s)
}

// onlyChild reports whether an image is the only content of its paragraph
// (possibly wrapped in a link).
func onlyChild(n ast.Node) bool {
	for p := n; p != nil; p = p.Parent() {
		if p.Kind() == ast.KindParagraph {
			return true
		}
		if p.PreviousSibling() != nil || p.NextSibling() != nil {
			return false
		}
		if p != n && p.Kind() != ast.KindLink {
			return false
		}
	}
	return false
}

func altText(n ast.Node, source []byte) []byte {
	var b bytes.Buffer
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			b.Write(t.Segment.Value(source))
		}
		return ast.WalkContinue, nil
	})
	return b.Bytes()
}

func safeScheme(u string) bool {
	l := strings.ToLower(u)
	for _, p := range []string{"http://", "https://", "mailto:"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// link returns the destination to write for a link of the page, or false
// to make the link plain text.
func (p *pageCtx) link(dest string) (string, bool) {
	dest = strings.TrimSpace(dest)
	if dest == "" {
		return "", false
	}
	u, err := url.Parse(dest)
	if err != nil {
		return "", false
	}
	switch {
	case u.Scheme != "" || u.Host != "" || strings.HasPrefix(dest, "//"):
		return dest, (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "mailto") && safeScheme(dest)
	case u.Path == "":
		return dest, strings.HasPrefix(dest, "#") || strings.HasPrefix(dest, "?")
	case strings.HasPrefix(u.Path, "/"):
		return "", false // absolute paths break sites served from a sub-path
	}
	target, ok := p.resolve(u.Path)
	if !ok {
		return "", false
	}
	if p.pages[target] {
		i := strings.IndexAny(dest, "?#")
		if i < 0 {
			i = len(dest)
		}
		return strings.TrimSuffix(dest[:i], ".md") + ".html" + dest[i:], true
	}
	if schema, ok := strings.CutSuffix(target, ".schema.json"); ok && strings.HasPrefix(target, docgen.SchemasDir+"/") && p.paths[schema+".html"] {
		// The schema's page shows it with an example, and links the file.
		return strings.TrimSuffix(u.Path, ".schema.json") + ".html", true
	}
	return dest, true
}

// resolve returns the site path a relative link of the page points at, and
// false when it leaves the site.
func (p *pageCtx) resolve(rel string) (string, bool) {
	target := path.Join(path.Dir(p.path), rel)
	if target == ".." || strings.HasPrefix(target, "../") {
		return "", false
	}
	return target, true
}

// checkLink records a relative link (or image) of the page whose target
// is not in the build as broken, and one with a fragment for the anchor
// check. Links that are not relative paths, or that leave the site, are
// not checked: the pass makes them plain text (or drops them).
func (p *pageCtx) checkLink(dest string, line int, image bool) {
	dest = strings.TrimSpace(dest)
	u, err := url.Parse(dest)
	if dest == "" || err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(dest, "//") || strings.HasPrefix(u.Path, "/") {
		return
	}
	if u.Path == "" {
		if u.Fragment != "" && !image {
			p.anchors = append(p.anchors, anchorLink{line: line, dest: dest, page: htmlPath(p.path), frag: u.Fragment})
		}
		return
	}
	target, ok := p.resolve(u.Path)
	if !ok {
		return
	}
	page := ""
	switch {
	case !image && p.pages[target]:
		page = htmlPath(target)
	case p.paths[target]:
		if strings.HasSuffix(target, ".html") {
			page = target
		}
	case !image && strings.HasPrefix(target, docgen.SchemasDir+"/") && strings.HasSuffix(target, ".schema.json") &&
		p.paths[strings.TrimSuffix(target, ".schema.json")+".html"]:
	case !image && (target == "." || strings.HasSuffix(u.Path, "/")) && p.paths[path.Join(target, "index.html")]:
		page = path.Join(target, "index.html")
	default:
		what := "no page or file of the site has this path"
		switch {
		case image:
			what = "no image of the pages or file of the site has this path"
		case strings.EqualFold(path.Ext(target), ".md"):
			what = "no page of the pages directory or of the site has this path"
		}
		p.broken = append(p.broken, brokenLink{line: line, dest: dest, what: what})
		return
	}
	if page != "" && u.Fragment != "" && !image {
		p.anchors = append(p.anchors, anchorLink{line: line, dest: dest, page: page, frag: u.Fragment})
	}
}

// lineOf is the line of the Markdown source an inline node starts on: its
// first text's, or its block's first line, or 0 when neither is known.
func lineOf(n ast.Node, source []byte) int {
	off := -1
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			off = t.Segment.Start
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	for b := n; off < 0 && b != nil; b = b.Parent() {
		if b.Type() == ast.TypeBlock && b.Lines().Len() > 0 {
			off = b.Lines().At(0).Start
		}
	}
	if off < 0 || off > len(source) {
		return 0
	}
	return 1 + bytes.Count(source[:off], []byte("\n"))
}

func (p *pageCtx) local(dest string) bool {
	u, err := url.Parse(strings.TrimSpace(dest))
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" || strings.HasPrefix(u.Path, "/") {
		return false
	}
	_, ok := p.resolve(u.Path)
	return ok
}

func (p *pageCtx) isDiagram(dest string) bool {
	if p.diagram == "" || p.svg == nil {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(dest))
	if err != nil || u.Scheme != "" || u.Host != "" {
		return false
	}
	target, ok := p.resolve(u.Path)
	return ok && target == p.diagram
}

// diagramBlock is a page's inline diagram.
type diagramBlock struct {
	ast.BaseBlock
	svg      []byte
	links    []diagramLink
	alt      string
	graph    []byte
	legend   []legendItem
	fallback string
	script   string
}

var kindDiagram = ast.NewNodeKind("FluxlyDiagram")

func (d *diagramBlock) Kind() ast.NodeKind { return kindDiagram }

func (d *diagramBlock) Dump(source []byte, level int) { ast.DumpHelper(d, source, level, nil, nil) }

// diagramRenderer writes a diagramBlock as a figure: the SVG (which
// graph.js makes interactive, and which works as it is without script),
// or for a large diagram a canvas graph.js draws on and, without script,
// the SVG file as an image linking to it; the legend, a caption with the
// diagram's files, the graph as JSON in a data block (not a script: the
// CSP allows none inline), and graph.js.
type diagramRenderer struct{}

func (diagramRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindLazyBlock, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		b := n.(*lazyBlock)
		tag := "section"
		if b.class == "long-table" {
			tag = "div"
		}
		if entering {
			_, _ = w.WriteString("<" + tag + ` class="` + b.class + `">` + "\n")
		} else {
			_, _ = w.WriteString("</" + tag + ">\n")
		}
		return ast.WalkContinue, nil
	})
	reg.Register(kindDiagram, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		d := n.(*diagramBlock)
		if d.fallback == "" {
			_, _ = w.WriteString(`<figure class="diagram">` + "\n" + `<div class="graph"><div class="canvas">`)
			_, _ = w.Write(d.svg)
		} else {
			href := util.EscapeHTML(util.URLEscape([]byte(d.fallback), true))
			_, _ = w.WriteString(`<figure class="diagram large">` + "\n" + `<div class="graph"><div class="canvas">`)
			_, _ = w.WriteString(`<noscript><a href="`)
			_, _ = w.Write(href)
			_, _ = w.WriteString(`"><img src="`)
			_, _ = w.Write(href)
			_, _ = w.WriteString(`" alt="`)
			html.DefaultWriter.Write(w, []byte(d.alt)) // escapes quotes too
			_, _ = w.WriteString(`"></a></noscript>`)
		}
		_, _ = w.WriteString("</div></div>\n")
		writeLegend(w, d.legend)
		_, _ = w.WriteString(`<figcaption>`)
		if d.alt != "" {
			html.DefaultWriter.Write(w, []byte(d.alt)) // resolves Markdown escapes, escapes HTML
			_, _ = w.WriteString(". ")
		}
		_, _ = w.WriteString(`<span class="hint">Click a node to go to its section.</span>`)
		for i, l := range d.links {
			sep := " "
			if i > 0 {
				sep = " · "
			}
			_, _ = w.WriteString(sep + `<a href="`)
			_, _ = w.Write(util.EscapeHTML(util.URLEscape([]byte(l.Href), true)))
			_, _ = w.WriteString(`">`)
			_, _ = w.Write(util.EscapeHTML([]byte(l.Label)))
			_, _ = w.WriteString("</a>")
		}
		_, _ = w.WriteString("</figcaption>\n")
		if d.graph != nil {
			_, _ = w.WriteString(`<script type="application/json" class="graph-data">`)
			_, _ = w.Write(d.graph)
			_, _ = w.WriteString("</script>\n")
		}
		_, _ = w.WriteString("</figure>\n")
		if d.graph != nil && d.script != "" {
			_, _ = w.WriteString(`<script src="`)
			_, _ = w.Write(util.EscapeHTML(util.URLEscape([]byte(d.script), true)))
			_, _ = w.WriteString(`"></script>` + "\n")
		}
		return ast.WalkSkipChildren, nil
	})
}

var _ renderer.NodeRenderer = diagramRenderer{}
