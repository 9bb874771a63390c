package site

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// This file rebuilds a renderer's SVG from an allow-list, so that whatever
// the renderer emits, the site only ever contains shapes, text and links to
// node sections: no script, no event handlers, no external references, no
// style attributes (the pages' CSP forbids them). Graphviz's ids are
// dropped; <title>s (tooltips, see internal/svgrender) are kept as text.

const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
)

// svgElements are the elements kept; any other element is dropped with
// everything inside it.
var svgElements = map[string]bool{
	"svg": true, "g": true, "a": true, "title": true,
	"path": true, "polygon": true, "polyline": true, "ellipse": true, "circle": true, "rect": true, "line": true,
	"text": true, "tspan": true,
}

// svgAttributes are the attributes kept (on any kept element), all
// presentational or geometric.
var svgAttributes = map[string]bool{
	"class": true, "transform": true, "viewBox": true, "width": true, "height": true, "preserveAspectRatio": true,
	"x": true, "y": true, "x1": true, "y1": true, "x2": true, "y2": true, "dx": true, "dy": true,
	"cx": true, "cy": true, "r": true, "rx": true, "ry": true, "points": true, "d": true,
	"fill": true, "fill-opacity": true, "stroke": true, "stroke-width": true, "stroke-dasharray": true,
	"stroke-opacity": true, "stroke-linecap": true, "stroke-linejoin": true, "opacity": true,
	"font-family": true, "font-size": true, "font-weight": true, "font-style": true,
	"text-anchor": true, "text-decoration": true,
}

// inlineSVG returns the diagram as an <svg> element to embed in a page.
// href maps a link target of the source ("#node-x") to the link to write,
// or to "" to drop the link.
func inlineSVG(src []byte, href func(string) string) ([]byte, error) {
	out, err := cleanSVG(src, svgOutput{href: href})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// standaloneSVG returns the diagram as an SVG document of its own.
func standaloneSVG(src []byte, href func(string) string) ([]byte, error) {
	out, err := cleanSVG(src, svgOutput{href: href, standalone: true})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// svgOutput is one form cleanSVG writes: the same shapes, with links of
// its own, as an element to inline or as a document.
type svgOutput struct {
	href       func(string) string
	standalone bool
	// noLegend leaves the legend out: pages show their own, in HTML.
	noLegend bool
}

// frame is an open element of the outputs: the name to close it with in
// each (an <a> whose link one form drops is a <g> there; "" where the
// form leaves the element out).
type frame struct {
	names []string
	text  bool // character data inside is kept
}

// graphID is what docgen's element ids say: "svg-etl-n3" is node 3,
// "-e2" edge 2, "-g1" execution group 1, "-legend" the legend. Graphviz's
// link wrappers ("a_svg-etl-n3") are not the element itself.
var graphID = regexp.MustCompile(`^(?:svg|run)-[A-Za-z0-9_-]*?-(?:([neg])([0-9]{1,7})|(legend))$`)

// cleanSVG parses src once and writes every requested form of it.
func cleanSVG(src []byte, forms ...svgOutput) ([][]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(src))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	outs := make([]*bytes.Buffer, len(forms))
	for i, f := range forms {
		outs[i] = bytes.NewBuffer(make([]byte, 0, len(src)))
		if f.standalone {
			outs[i].WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
		}
	}
	var stack []frame
	skip := 0 // depth inside a dropped element
	roots := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the SVG: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			name := t.Name.Local
			if (t.Name.Space != "" && t.Name.Space != svgNS) || !svgElements[name] || (len(stack) == 0) != (name == "svg") {
				skip = 1
				continue
			}
			if len(stack) == 0 {
				roots++
				if roots > 1 {
					return nil, errors.New("the SVG has more than one root element")
				}
			}
			f := frame{names: make([]string, len(outs))}
			legend := isLegend(t)
			for i, o := range outs {
				if (len(stack) > 0 && stack[len(stack)-1].names[i] == "") || (legend && forms[i].noLegend) {
					continue // inside an element this form leaves out
				}
				f.names[i], f.text = writeStart(o, t, forms[i].href, len(stack) == 0)
			}
			stack = append(stack, f)
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if len(stack) == 0 {
				return nil, errors.New("unbalanced SVG")
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for i, o := range outs {
				if f.names[i] != "" {
					o.WriteString("</" + f.names[i] + ">")
				}
			}
		case xml.CharData:
			if skip > 0 || len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			for i, o := range outs {
				switch {
				case top.names[i] == "":
				case top.text:
					_, _ = textEscaper.WriteString(o, string(t))
				case bytes.Contains(t, []byte("\n")):
					o.WriteByte('\n') // keep Graphviz's line structure, drop stray text
				}
			}
		}
		// Comments (Graphviz's version banner), processing instructions and
		// the DOCTYPE are dropped.
	}
	if roots == 0 {
		return nil, errors.New("no <svg> element")
	}
	if len(stack) != 0 {
		return nil, errors.New("unterminated SVG")
	}
	res := make([][]byte, len(outs))
	for i, o := range outs {
		o.WriteByte('\n')
		res[i] = o.Bytes()
	}
	return res, nil
}

// writeStart writes the cleaned start tag of a kept element and returns
// the name written and whether its text is kept.
func writeStart(out *bytes.Buffer, t xml.StartElement, href func(string) string, root bool) (string, bool) {
	name := t.Name.Local
	var link string
	var attrs []xml.Attr
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "" && a.Name.Local == "id":
			// Ids are dropped; docgen's say which node, edge or group an
			// element draws, which the interactive graph needs: kept as
			// digits only.
			if m := graphID.FindStringSubmatch(a.Value); m != nil && m[1] != "" {
				attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "data-" + m[1]}, Value: m[2]})
			}
		case name == "a" && a.Name.Local == "href" && (a.Name.Space == "" || a.Name.Space == xlinkNS):
			link = href(strings.TrimSpace(a.Value))
		case a.Name.Space != "" || !svgAttributes[a.Name.Local]:
		case containsFold(a.Value, "url("):
		default:
			attrs = append(attrs, a)
		}
	}
	if name == "a" && link == "" {
		name = "g" // a link that goes nowhere we allow
	}
	out.WriteString("<")
	out.WriteString(name)
	if root {
		out.WriteString(` xmlns="` + svgNS + `"`)
	}
	if name == "a" {
		out.WriteString(` href="`)
		_, _ = attrEscaper.WriteString(out, link)
		out.WriteByte('"')
	}
	for _, a := range attrs {
		out.WriteByte(' ')
		out.WriteString(a.Name.Local)
		out.WriteString(`="`)
		_, _ = attrEscaper.WriteString(out, a.Value)
		out.WriteByte('"')
	}
	out.WriteString(">")
	return name, name == "text" || name == "tspan" || name == "title"
}

// isLegend reports the group drawing a diagram's legend.
func isLegend(t xml.StartElement) bool {
	for _, a := range t.Attr {
		if a.Name.Space == "" && a.Name.Local == "id" {
			m := graphID.FindStringSubmatch(a.Value)
			return m != nil && m[3] != ""
		}
	}
	return false
}

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;", "\n", "&#10;", "\r", "&#13;", "\t", "&#9;")
)

// containsFold reports whether s contains the lowercase ASCII substr,
// ignoring ASCII case.
func containsFold(s, substr string) bool {
	for i := 0; i+len(substr) <= len(s); i++ {
		match := true
		for j := 0; j < len(substr); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != substr[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
