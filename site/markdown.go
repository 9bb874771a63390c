package site

import (
	"bytes"
	"net/url"
	"path"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// This file renders docgen's Markdown to HTML: GFM, heading ids (automatic,
// or docgen's explicit {#id} for node names that do not slug cleanly), and
// an AST pass that makes the result safe and site-shaped.

// pageCtx is what the AST pass needs to know about the page being built.
type pageCtx struct {
	path    string          // the Markdown source, e.g. "workflows/etl.md"
	pages   map[string]bool // every Markdown source of the build
	diagram string          // the page's diagram SVG ("diagrams/etl.svg"), or ""
	svg     []byte          // that diagram, cleaned for inlining
	links   []diagramLink   // the diagram's other formats, relative to the page
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

// render converts one page's Markdown to HTML.
func render(md goldmark.Markdown, src []byte, pc *pageCtx) ([]byte, error) {
	ctx := parser.NewContext()
	ctx.Set(pageKey, pc)
	buf := bytes.NewBuffer(make([]byte, 0, 2*len(src)+len(pc.svg)))
	if err := md.Convert(src, buf, parser.WithContext(ctx)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
			if dest, ok := page.link(string(n.Destination)); ok {
				n.Destination = []byte(dest)
			} else {
				unwrap = append(unwrap, n)
			}
		case *ast.Image:
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
		d := &diagramBlock{svg: page.svg, links: page.links, alt: string(altText(img, source))}
		para.Parent().ReplaceChild(para.Parent(), para, d)
	}
	for _, n := range raw {
		asText(n, source)
	}
	for _, n := range drop {
		n.Parent().RemoveChild(n.Parent(), n)
	}
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
	svg   []byte
	links []diagramLink
	alt   string
}

var kindDiagram = ast.NewNodeKind("FluxlyDiagram")

func (d *diagramBlock) Kind() ast.NodeKind { return kindDiagram }

func (d *diagramBlock) Dump(source []byte, level int) { ast.DumpHelper(d, source, level, nil, nil) }

// diagramRenderer writes a diagramBlock as a figure.
type diagramRenderer struct{}

func (diagramRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindDiagram, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		d := n.(*diagramBlock)
		_, _ = w.WriteString(`<figure class="diagram">` + "\n" + `<div class="canvas">`)
		_, _ = w.Write(d.svg)
		_, _ = w.WriteString("</div>\n<figcaption>")
		if d.alt != "" {
			html.DefaultWriter.Write(w, []byte(d.alt)) // resolves Markdown escapes, escapes HTML
			_, _ = w.WriteString(". ")
		}
		_, _ = w.WriteString("Click a node to go to its section.")
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
		_, _ = w.WriteString("</figcaption>\n</figure>\n")
		return ast.WalkSkipChildren, nil
	})
}

var _ renderer.NodeRenderer = diagramRenderer{}
