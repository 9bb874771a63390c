package site

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// This file turns a large workflow's cleaned diagram into the drawing
// assets/graph.js paints on a <canvas>: every shape of the Graphviz
// layout as numbers, grouped by the node, edge or execution group it
// draws, with its box for culling and hit tests, and its styles as a short
// list the script resolves against the site's CSS (so the canvas follows
// the theme like the inline SVG does).
//
// Measured by BenchmarkBrowserGraph2000 (BENCHMARKS.md, "Docs site"): at 2,000
// nodes an inline SVG is about 25,000 elements that the browser parses,
// styles and lays out before anything is interactive, and every highlight
// restyles them all; the canvas draws only what the view shows, and a
// highlight redraws only the highlighted elements on a layer of its own.

// maxInlineNodes is the largest workflow whose diagram is inlined as SVG;
// larger ones are drawn on a canvas from their geometry, with the SVG file
// as the fallback without JavaScript.
const maxInlineNodes = 200

// geometry is a diagram's drawing in its own units (the SVG's viewBox,
// Graphviz points), transforms applied.
type geometry struct {
	W, H   float64
	styles []geoStyle
	index  map[string]int // style key → index in styles
	nodes  []geoItem      // by data-n
	edges  []geoItem      // by data-e
	groups []geoItem      // by data-g - 1
	other  []geoShape     // the graph's title and background
}

// geoStyle is how a set of shapes is drawn: the owner's class, the element
// and its presentation attributes. graph.js recreates it as a hidden SVG
// element and reads the computed style, so the site's CSS applies.
type geoStyle struct {
	kind  string // "n" node, "e" edge, "g" group, "o" the graph itself
	class string
	tag   string
	attrs [][2]string
}

type geoItem struct {
	set    bool
	box    [4]float64 // x1, y1, x2, y2
	shapes []geoShape
}

// Shape types, as graph.js reads them.
const (
	shapePolygon  = 0 // closed polyline: x, y pairs
	shapeBezier   = 1 // x0, y0, then cubic segments (c1x, c1y, c2x, c2y, x, y)
	shapeClosed   = 2 // shapeBezier, closed
	shapeEllipse  = 3 // cx, cy, rx, ry
	shapePolyline = 4 // open polyline
	shapeText     = 5 // x, y, font size and the text
	shapeRounded  = 6 // x1, y1, x2, y2, r: Graphviz's rounded box, as it draws it
)

type geoShape struct {
	style  int
	typ    int
	coords []float64
	text   string
}

// errNoGeometry says a diagram uses something the canvas does not draw
// (a rotation, relative path commands): its page inlines the SVG instead.
var errNoGeometry = errors.New("diagram geometry not supported")

// affine is x' = s*x + t on each axis.
type affine struct{ sx, sy, tx, ty float64 }

func (a affine) then(b affine) affine {
	// b applied after a: b(a(p)).
	return affine{sx: b.sx * a.sx, sy: b.sy * a.sy, tx: b.sx*a.tx + b.tx, ty: b.sy*a.ty + b.ty}
}

func (a affine) apply(x, y float64) (float64, float64) { return a.sx*x + a.tx, a.sy*y + a.ty }

// diagramGeometry reads a diagram cleaned by cleanSVG (inline form: data-n,
// data-e and data-g on its elements) and returns its geometry as the JSON
// graph.js draws.
func diagramGeometry(svg []byte) (json.RawMessage, error) {
	g, err := readGeometry(svg)
	if err != nil {
		return nil, err
	}
	return g.json(), nil
}

type geoFrame struct {
	tf    affine
	kind  string // owner kind for the shapes inside: "o", or "n", "e", "g" and index
	index int
	class string
	text  *geoShape // an open <text>
}

func readGeometry(svg []byte) (*geometry, error) {
	d := xml.NewDecoder(bytes.NewReader(svg))
	d.Strict = true
	g := &geometry{index: map[string]int{}}
	var stack []geoFrame
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			f := geoFrame{tf: affine{sx: 1, sy: 1}, kind: "o"}
			if len(stack) > 0 {
				f = stack[len(stack)-1] // inside a <text>, a <tspan> adds to it
			}
			attr := func(name string) string {
				for _, a := range t.Attr {
					if a.Name.Space == "" && a.Name.Local == name {
						return a.Value
					}
				}
				return ""
			}
			if tr := attr("transform"); tr != "" {
				a, err := parseTransform(tr)
				if err != nil {
					return nil, err
				}
				f.tf = a.then(f.tf)
			}
			name := t.Name.Local
			if name == "svg" {
				vb := strings.Fields(strings.ReplaceAll(attr("viewBox"), ",", " "))
				if len(vb) != 4 {
					return nil, fmt.Errorf("%w: viewBox %q", errNoGeometry, attr("viewBox"))
				}
				nums, err := parseNumbers(vb)
				if err != nil || nums[0] != 0 || nums[1] != 0 {
					return nil, fmt.Errorf("%w: viewBox %q", errNoGeometry, attr("viewBox"))
				}
				g.W, g.H = nums[2], nums[3]
			}
			for _, k := range []string{"n", "e", "g"} {
				v := attr("data-" + k)
				if v == "" {
					continue
				}
				i, err := strconv.Atoi(v)
				if err != nil {
					return nil, err
				}
				if g.item(k, i) == nil {
					return nil, fmt.Errorf("%w: data-%s=%q", errNoGeometry, k, v)
				}
				f.kind, f.index, f.class = k, i, attr("class")
			}
			shape, ok, err := readShape(name, attr, f.tf)
			if err != nil {
				return nil, err
			}
			if ok {
				shape.style = g.style(f, t)
				if name == "text" {
					f.text = g.add(f, shape)
				} else {
					g.add(f, shape)
				}
			}
			stack = append(stack, f)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1].text != nil {
				stack[len(stack)-1].text.text += string(t)
			}
		}
	}
	for _, items := range [][]geoItem{g.nodes, g.edges, g.groups} {
		for i := range items {
			items[i].box = boxOf(items[i].shapes)
		}
	}
	return g, nil
}

// item returns the node, edge or group element i, growing the lists.
func (g *geometry) item(kind string, i int) *geoItem {
	list := &g.nodes
	switch kind {
	case "e":
		list = &g.edges
	case "g":
		list = &g.groups
		i-- // groups count from 1
	}
	if i < 0 || i > 1<<20 {
		return nil
	}
	for len(*list) <= i {
		*list = append(*list, geoItem{})
	}
	(*list)[i].set = true
	return &(*list)[i]
}

// add adds a shape to its owner and returns it, valid until the next add.
func (g *geometry) add(f geoFrame, s geoShape) *geoShape {
	if f.kind == "o" {
		g.other = append(g.other, s)
		return &g.other[len(g.other)-1]
	}
	it := g.item(f.kind, f.index)
	it.shapes = append(it.shapes, s)
	return &it.shapes[len(it.shapes)-1]
}

// styleAttrs are the presentation attributes a style keeps.
var styleAttrs = []string{"fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity",
	"stroke-linecap", "stroke-linejoin", "opacity", "font-family", "font-size", "font-weight", "font-style", "text-anchor"}

func (g *geometry) style(f geoFrame, t xml.StartElement) int {
	s := geoStyle{kind: f.kind, class: f.class, tag: t.Name.Local}
	for _, name := range styleAttrs {
		for _, a := range t.Attr {
			if a.Name.Space == "" && a.Name.Local == name {
				s.attrs = append(s.attrs, [2]string{name, a.Value})
			}
		}
	}
	var key strings.Builder
	key.WriteString(s.kind + "\x00" + s.class + "\x00" + s.tag)
	for _, a := range s.attrs {
		key.WriteString("\x00" + a[0] + "=" + a[1])
	}
	if i, ok := g.index[key.String()]; ok {
		return i
	}
	g.styles = append(g.styles, s)
	g.index[key.String()] = len(g.styles) - 1
	return len(g.styles) - 1
}

// readShape reads a drawing element's geometry in the diagram's units.
func readShape(name string, attr func(string) string, tf affine) (geoShape, bool, error) {
	num := func(names ...string) ([]float64, error) {
		out := make([]float64, len(names))
		for i, n := range names {
			v := attr(n)
			if v == "" {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSuffix(v, "px"), 64)
			if err != nil {
				return nil, fmt.Errorf("%w: %s=%q", errNoGeometry, n, v)
			}
			out[i] = f
		}
		return out, nil
	}
	pts := func(xy []float64) []float64 {
		for i := 0; i+1 < len(xy); i += 2 {
			xy[i], xy[i+1] = tf.apply(xy[i], xy[i+1])
		}
		return xy
	}
	switch name {
	case "path":
		c, closed, err := parsePath(attr("d"))
		if err != nil {
			return geoShape{}, false, err
		}
		typ := shapeBezier
		if closed {
			typ = shapeClosed
		}
		c = pts(c)
		if r, ok := roundedBox(c); ok {
			return geoShape{typ: shapeRounded, coords: r}, true, nil
		}
		return geoShape{typ: typ, coords: c}, len(c) >= 2, nil
	case "polygon", "polyline":
		c, err := parseNumbers(strings.Fields(strings.ReplaceAll(attr("points"), ",", " ")))
		if err != nil || len(c)%2 != 0 {
			return geoShape{}, false, fmt.Errorf("%w: points %q", errNoGeometry, attr("points"))
		}
		typ := shapePolygon
		if name == "polyline" {
			typ = shapePolyline
		}
		return geoShape{typ: typ, coords: pts(c)}, len(c) >= 4, nil
	case "line":
		c, err := num("x1", "y1", "x2", "y2")
		return geoShape{typ: shapePolyline, coords: pts(c)}, err == nil, err
	case "rect":
		c, err := num("x", "y", "width", "height")
		if err != nil {
			return geoShape{}, false, err
		}
		x, y, w, h := c[0], c[1], c[2], c[3]
		return geoShape{typ: shapePolygon, coords: pts([]float64{x, y, x + w, y, x + w, y + h, x, y + h})}, true, nil
	case "ellipse", "circle":
		c, err := num("cx", "cy", "rx", "ry", "r")
		if err != nil {
			return geoShape{}, false, err
		}
		rx, ry := c[2], c[3]
		if name == "circle" {
			rx, ry = c[4], c[4]
		}
		x, y := tf.apply(c[0], c[1])
		return geoShape{typ: shapeEllipse, coords: []float64{x, y, math.Abs(rx * tf.sx), math.Abs(ry * tf.sy)}}, true, nil
	case "text":
		c, err := num("x", "y")
		if err != nil {
			return geoShape{}, false, err
		}
		size := 14.0
		if v := attr("font-size"); v != "" {
			if f, err := strconv.ParseFloat(strings.TrimSuffix(v, "px"), 64); err == nil {
				size = f
			}
		}
		x, y := tf.apply(c[0], c[1])
		// The font size travels with the coordinates: boxes need it.
		return geoShape{typ: shapeText, coords: []float64{x, y, size * math.Abs(tf.sy)}}, true, nil
	}
	return geoShape{}, false, nil
}

// parseTransform reads Graphviz's transforms: scale, translate and a zero
// rotation.
func parseTransform(s string) (affine, error) {
	a := affine{sx: 1, sy: 1}
	var parts []affine
	for rest := strings.TrimSpace(s); rest != ""; rest = strings.TrimSpace(rest) {
		open := strings.IndexByte(rest, '(')
		end := strings.IndexByte(rest, ')')
		if open < 0 || end < open {
			return a, fmt.Errorf("%w: transform %q", errNoGeometry, s)
		}
		fn := strings.TrimSpace(rest[:open])
		args, err := parseNumbers(strings.Fields(strings.ReplaceAll(rest[open+1:end], ",", " ")))
		rest = rest[end+1:]
		if err != nil {
			return a, fmt.Errorf("%w: transform %q", errNoGeometry, s)
		}
		switch {
		case fn == "scale" && len(args) == 1:
			parts = append(parts, affine{sx: args[0], sy: args[0]})
		case fn == "scale" && len(args) == 2:
			parts = append(parts, affine{sx: args[0], sy: args[1]})
		case fn == "translate" && len(args) == 1:
			parts = append(parts, affine{sx: 1, sy: 1, tx: args[0]})
		case fn == "translate" && len(args) == 2:
			parts = append(parts, affine{sx: 1, sy: 1, tx: args[0], ty: args[1]})
		case fn == "rotate" && len(args) >= 1 && args[0] == 0:
		default:
			return a, fmt.Errorf("%w: transform %q", errNoGeometry, s)
		}
	}
	// A transform list applies right to left.
	for _, p := range slices.Backward(parts) {
		a = a.then(p)
	}
	return a, nil
}

// parsePath reads the absolute M, C, L and Z commands Graphviz writes: one
// subpath, as cubic segments.
func parsePath(d string) ([]float64, bool, error) {
	fail := fmt.Errorf("%w: path %.40q", errNoGeometry, d)
	var out []float64
	var cmd byte
	var args []float64
	closed := false
	flush := func() error {
		switch cmd {
		case 0:
			if len(args) > 0 {
				return fail
			}
		case 'M':
			if len(out) > 0 || len(args) < 2 || len(args)%2 != 0 {
				return fail
			}
			out = append(out, args[0], args[1])
			for i := 2; i < len(args); i += 2 { // implicit lineto
				out = appendLine(out, args[i], args[i+1])
			}
		case 'L':
			if len(out) == 0 || len(args)%2 != 0 {
				return fail
			}
			for i := 0; i < len(args); i += 2 {
				out = appendLine(out, args[i], args[i+1])
			}
		case 'C':
			if len(out) == 0 || len(args)%6 != 0 {
				return fail
			}
			out = append(out, args...)
		case 'Z':
			if len(args) > 0 {
				return fail
			}
			closed = true
		}
		args = args[:0]
		return nil
	}
	for i := 0; i < len(d); {
		c := d[i]
		switch {
		case c == ' ' || c == ',' || c == '\n' || c == '\t' || c == '\r':
			i++
		case c == 'M' || c == 'C' || c == 'L' || c == 'Z':
			if err := flush(); err != nil {
				return nil, false, err
			}
			if closed {
				return nil, false, fail // a second subpath
			}
			cmd = c
			i++
		case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(d) && (d[j] == '.' || d[j] == 'e' || d[j] == 'E' || (d[j] >= '0' && d[j] <= '9') || ((d[j] == '-' || d[j] == '+') && (d[j-1] == 'e' || d[j-1] == 'E'))) {
				j++
			}
			f, err := strconv.ParseFloat(d[i:j], 64)
			if err != nil {
				return nil, false, fail
			}
			args = append(args, f)
			i = j
		default:
			return nil, false, fail // relative commands, arcs, …
		}
	}
	if err := flush(); err != nil {
		return nil, false, err
	}
	return out, closed, nil
}

// roundedBox recognises the path of Graphviz's rounded box (every node
// of a workflow diagram) and returns its box and corner radius: 5 numbers
// instead of 50, which graph.js turns back into the same curves. The
// saving is most of the geometry's size (BenchmarkBrowserGraph2000).
func roundedBox(c []float64) ([]float64, bool) {
	if len(c) != 2+8*6 {
		return nil, false
	}
	b := boxOf([]geoShape{{typ: shapeBezier, coords: c}})
	x1, y1, x2, y2 := b[0], b[1], b[2], b[3]
	r := x2 - c[0]
	if r <= 0 || 2*r > x2-x1 || 2*r > y2-y1 {
		return nil, false
	}
	want := roundedPath(x1, y1, x2, y2, r)
	for i := range want {
		if math.Abs(want[i]-c[i]) > 0.02 {
			return nil, false
		}
	}
	return []float64{x1, y1, x2, y2, r}, true
}

// roundedPath is the path Graphviz draws for a rounded box: from the top
// right, counter-clockwise, straight sides as cubic segments and corners
// with their control points half a radius from the corner. graph.js has
// the same function.
func roundedPath(x1, y1, x2, y2, r float64) []float64 {
	h := r / 2
	return []float64{
		x2 - r, y1,
		x2 - r, y1, x1 + r, y1, x1 + r, y1,
		x1 + h, y1, x1, y1 + h, x1, y1 + r,
		x1, y1 + r, x1, y2 - r, x1, y2 - r,
		x1, y2 - h, x1 + h, y2, x1 + r, y2,
		x1 + r, y2, x2 - r, y2, x2 - r, y2,
		x2 - h, y2, x2, y2 - h, x2, y2 - r,
		x2, y2 - r, x2, y1 + r, x2, y1 + r,
		x2, y1 + h, x2 - h, y1, x2 - r, y1,
	}
}

// appendLine adds a straight segment as a cubic one.
func appendLine(out []float64, x, y float64) []float64 {
	x0, y0 := out[len(out)-2], out[len(out)-1]
	return append(out, x0, y0, x, y, x, y)
}

func parseNumbers(fields []string) ([]float64, error) {
	out := make([]float64, len(fields))
	for i, f := range fields {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// boxOf is the box around shapes; text is estimated from its size.
func boxOf(shapes []geoShape) [4]float64 {
	b := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	grow := func(x, y float64) {
		b[0], b[1] = min(b[0], x), min(b[1], y)
		b[2], b[3] = max(b[2], x), max(b[3], y)
	}
	for _, s := range shapes {
		c := s.coords
		switch s.typ {
		case shapeEllipse:
			grow(c[0]-c[2], c[1]-c[3])
			grow(c[0]+c[2], c[1]+c[3])
		case shapeText:
			w := 0.6 * c[2] * float64(len([]rune(s.text)))
			grow(c[0]-w, c[1]-c[2])
			grow(c[0]+w, c[1]+c[2]/3)
		default:
			for i := 0; i+1 < len(c); i += 2 {
				grow(c[i], c[i+1])
			}
		}
	}
	if b[0] > b[2] {
		return [4]float64{}
	}
	return b
}

// json writes the geometry compactly, numbers to a tenth of a point:
//
//	{"w":W,"h":H,"st":[[kind,class,tag,[[attr,value]…]]…],
//	 "n":[[x1,y1,x2,y2,shapes]…],"e":[…],"g":[…],"o":shapes}
//
// where shapes is [[style,type,numbers…(,text)]…]. encoding/json escapes
// every string, so no text can close the data block it is written into.
func (g *geometry) json() json.RawMessage {
	var b bytes.Buffer
	b.WriteString(`{"w":`)
	writeNum(&b, g.W)
	b.WriteString(`,"h":`)
	writeNum(&b, g.H)
	b.WriteString(`,"st":[`)
	for i, s := range g.styles {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		writeString(&b, s.kind)
		b.WriteByte(',')
		writeString(&b, s.class)
		b.WriteByte(',')
		writeString(&b, s.tag)
		b.WriteString(",[")
		for j, a := range s.attrs {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			writeString(&b, a[0])
			b.WriteByte(',')
			writeString(&b, a[1])
			b.WriteByte(']')
		}
		b.WriteString("]]")
	}
	b.WriteString("]")
	for _, l := range []struct {
		key   string
		items []geoItem
	}{{"n", g.nodes}, {"e", g.edges}, {"g", g.groups}} {
		b.WriteString(`,"` + l.key + `":[`)
		for i, it := range l.items {
			if i > 0 {
				b.WriteByte(',')
			}
			if !it.set {
				b.WriteString("null")
				continue
			}
			b.WriteByte('[')
			for _, v := range it.box {
				writeNum(&b, v)
				b.WriteByte(',')
			}
			writeShapes(&b, it.shapes)
			b.WriteByte(']')
		}
		b.WriteByte(']')
	}
	b.WriteString(`,"o":`)
	writeShapes(&b, g.other)
	b.WriteByte('}')
	return b.Bytes()
}

func writeShapes(b *bytes.Buffer, shapes []geoShape) {
	b.WriteByte('[')
	for i, s := range shapes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("[" + strconv.Itoa(s.style) + "," + strconv.Itoa(s.typ))
		for _, v := range s.coords {
			b.WriteByte(',')
			writeNum(b, v)
		}
		if s.typ == shapeText {
			b.WriteByte(',')
			writeString(b, strings.TrimSpace(s.text))
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
}

func writeNum(b *bytes.Buffer, v float64) {
	v = math.Round(v*10) / 10
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0 // no "-0", no invalid JSON
	}
	b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
}

func writeString(b *bytes.Buffer, s string) {
	j, _ := json.Marshal(s) // a string always marshals
	b.Write(j)
}
