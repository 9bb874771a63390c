// Package svgrender renders docgen's DOT diagrams to SVG with Graphviz
// compiled to WebAssembly (github.com/goccy/go-graphviz): no cgo and no
// native Graphviz needed. It is the only package of the module that links
// go-graphviz, whose package init compiles the WebAssembly module (about
// half a second on a cold start): binaries that only run workflows must not
// import it.
//
// The SVG is made deterministic and fit to be inlined in an HTML page: the
// XML declaration, DOCTYPE and comments (which name the Graphviz version)
// are dropped; the <title> of every node, edge and cluster carries its
// tooltip instead of the DOT node id, since browsers show <title> on hover;
// and links carry SVG 2 href beside xlink:href. Graphviz escapes all text,
// so user text never becomes markup.
//
// go-graphviz has one WebAssembly instance per process, so [Renderer]
// lays out one graph at a time; a [Pool] lays out several at once, on
// helper processes that are this executable started again (see pool.go).
// [DirCache] is a directory-backed [Cache] for SVGs.
package svgrender

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/goccy/go-graphviz"

	"github.com/fluxly-go/fluxly/docgen"
)

// Version identifies the renderer and its post-processing. [Cached]
// puts it in the cache key, so changing either invalidates cached SVGs.
const Version = "svgrender/1 go-graphviz/v0.2.10 graphviz/12.1.2"

// go-graphviz keeps one WebAssembly module per process and is not safe for
// concurrent use: every render holds the semaphore, and one Graphviz
// context, made on first use, serves every render.
var (
	sem    = make(chan struct{}, 1)
	shared *graphviz.Graphviz
)

// Renderer renders DOT to SVG with Graphviz's dot layout. The zero value
// is ready to use. It is safe for concurrent use; renders run one at a time
// on the process's single WebAssembly instance.
type Renderer struct{}

var _ docgen.Renderer = Renderer{}

// New returns a Renderer.
func New() Renderer { return Renderer{} }

// Version returns [Version]; [Cached] keys SVGs by it.
func (Renderer) Version() string { return Version }

// RenderSVG lays out dot and returns the post-processed SVG.
func (Renderer) RenderSVG(ctx context.Context, dot []byte) ([]byte, error) {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-sem }()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if shared == nil {
		gv, err := graphviz.New(context.WithoutCancel(ctx))
		if err != nil {
			return nil, fmt.Errorf("svgrender: starting Graphviz: %w", err)
		}
		shared = gv
	}
	g, err := graphviz.ParseBytes(dot)
	if err != nil {
		return nil, fmt.Errorf("svgrender: parsing DOT: %w", graphvizError{err})
	}
	defer g.Close()
	var buf bytes.Buffer
	if err := shared.Render(ctx, g, graphviz.SVG, &buf); err != nil {
		return nil, fmt.Errorf("svgrender: laying out DOT: %w", graphvizError{err})
	}
	return Postprocess(buf.Bytes()), nil
}

// graphvizError is an error from Graphviz, whose messages end in a newline.
type graphvizError struct{ err error }

func (e graphvizError) Error() string { return strings.TrimSpace(e.err.Error()) }

func (e graphvizError) Unwrap() error { return e.err }

// Postprocess turns Graphviz SVG output into the form RenderSVG returns;
// exported for renderers that run native Graphviz, whose output has the
// same line-per-element shape.
func Postprocess(svg []byte) []byte {
	if i := bytes.Index(svg, []byte("<svg")); i > 0 {
		svg = svg[i:]
	}
	out := make([]byte, 0, len(svg)+len(svg)/4)
	var title []byte // a <title> line, held until the next line shows its anchor
	inComment := false
	for len(svg) > 0 {
		line := svg
		if i := bytes.IndexByte(svg, '\n'); i >= 0 {
			line = svg[:i+1]
		}
		svg = svg[len(line):]
		switch {
		case inComment:
			inComment = !bytes.Contains(line, []byte("-->"))
			continue
		case bytes.HasPrefix(line, []byte("<!--")):
			inComment = !bytes.Contains(line, []byte("-->"))
			continue
		case title != nil:
			out = anchored(out, title, line)
			title = nil
			continue
		case bytes.HasPrefix(line, []byte("<title>")):
			title = line
			continue
		}
		out = append(out, line...)
	}
	return append(out, title...)
}

// anchored writes a <title> line and the line after it. When that line is
// the anchor Graphviz wraps a node, edge or cluster in, the title becomes
// the anchor's tooltip and the anchor gets an SVG 2 href beside xlink:href.
func anchored(out, title, line []byte) []byte {
	const open = "<a "
	i := bytes.Index(line, []byte(open))
	if !bytes.HasPrefix(line, []byte(`<g id="a_`)) || i < 0 {
		return append(append(out, title...), line...)
	}
	tag := line[i:]
	if j := bytes.IndexByte(tag, '>'); j >= 0 {
		tag = tag[:j]
	}
	if tip, ok := attrValue(tag, "xlink:title"); ok {
		out = append(out, "<title>"...)
		out = append(out, tip...)
		out = append(out, "</title>\n"...)
	} else {
		out = append(out, title...)
	}
	out = append(out, line[:i+len(open)]...)
	if href, ok := attrValue(tag, "xlink:href"); ok {
		out = append(out, `href="`...)
		out = append(out, href...)
		out = append(out, `" `...)
	}
	return append(out, line[i+len(open):]...)
}

// attrValue returns the value of attribute name in a tag Graphviz wrote
// (values are escaped: no raw quotes inside).
func attrValue(tag []byte, name string) ([]byte, bool) {
	i := bytes.Index(tag, []byte(" "+name+`="`))
	if i < 0 {
		return nil, false
	}
	v := tag[i+len(name)+3:]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return nil, false
	}
	return v[:j], true
}
