package site

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/svgrender"
)

// TestGeometry reads the etl diagram (the golden SVG, cleaned as a page
// inlines it) into the canvas's geometry.
func TestGeometry(t *testing.T) {
	src, err := os.ReadFile("../testdata/golden/docgen/svg/etl.svg")
	if err != nil {
		t.Fatal(err)
	}
	svg, err := inlineSVG(src, func(h string) string { return h })
	if err != nil {
		t.Fatal(err)
	}
	g, err := readGeometry(svg)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.nodes) != 4 || len(g.edges) != 3 || len(g.groups) != 2 {
		t.Fatalf("%d nodes, %d edges, %d groups; want 4, 3, 2", len(g.nodes), len(g.edges), len(g.groups))
	}
	names := map[string]bool{}
	for i, n := range g.nodes {
		kinds := map[int]int{}
		for _, s := range n.shapes {
			kinds[s.typ]++
			if s.typ == shapeText {
				names[strings.TrimSpace(s.text)] = true
			}
		}
		if kinds[shapeRounded] != 1 || kinds[shapeText] < 1 {
			t.Errorf("node %d: shapes %v, want a rounded box and its text", i, kinds)
		}
		b := n.box
		if !(b[0] < b[2] && b[1] < b[3] && b[0] >= 0 && b[1] >= 0 && b[2] <= g.W && b[3] <= g.H) {
			t.Errorf("node %d: box %v outside the %vx%v diagram", i, b, g.W, g.H)
		}
	}
	for _, want := range []string{"extract", "transform", "load", "audit"} {
		if !names[want] {
			t.Errorf("no text %q among the nodes' (%v)", want, names)
		}
	}
	for i, e := range g.edges {
		if len(e.shapes) < 2 || e.shapes[0].typ != shapeBezier {
			t.Errorf("edge %d: %+v, want a curve and an arrowhead", i, e.shapes)
		}
	}
	var decoded map[string]any
	if err := json.Unmarshal(g.json(), &decoded); err != nil {
		t.Fatalf("geometry JSON: %v", err)
	}
}

// TestGeometryEscapes: text from user code cannot close the data block.
func TestGeometryEscapes(t *testing.T) {
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><g class="graph" transform="translate(0 10)"><g data-n="0" class="node"><text x="1" y="-1">&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; "q"</text></g></g></svg>`
	out, err := diagramGeometry([]byte(svg))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(string(out)), "</script") || strings.ContainsAny(string(out), "<>&") {
		t.Errorf("geometry JSON is not escaped for a <script> block: %s", out)
	}
	var g struct {
		N [][]json.RawMessage `json:"n"`
	}
	if err := json.Unmarshal(out, &g); err != nil || len(g.N) != 1 {
		t.Fatalf("%s: %v", out, err)
	}
	if !strings.Contains(string(g.N[0][4]), `,5,1,9,14,`) {
		t.Errorf("the text's position is not translated: %s", g.N[0][4])
	}
}

// TestGeometryUnsupported: what the canvas does not draw is refused, and
// the page inlines the SVG instead.
func TestGeometryUnsupported(t *testing.T) {
	for _, svg := range []string{
		`<svg viewBox="0 0 10 10"><g transform="rotate(90)"><path d="M0,0C1,1 2,2 3,3"/></g></svg>`,
		`<svg viewBox="0 0 10 10"><path d="m0,0c1,1 2,2 3,3"/></svg>`,
		`<svg viewBox="0 0 10 10"><path d="M0,0A1,1 0 0 1 3,3"/></svg>`,
		`<svg viewBox="5 5 10 10"></svg>`,
	} {
		if _, err := diagramGeometry([]byte(svg)); !errors.Is(err, errNoGeometry) {
			t.Errorf("%s: %v, want errNoGeometry", svg, err)
		}
	}
}

// FuzzGeometry: any SVG the cleaner lets through either gives valid JSON
// or is refused; nothing panics.
func FuzzGeometry(f *testing.F) {
	f.Add(`<svg viewBox="0 0 10 10"><g class="graph" transform="scale(1 1) rotate(0) translate(4 6)"><g data-n="0" class="node"><path d="M1,2C3,4 5,6 7,8"/><text x="1" y="2">a</text></g><g data-e="0"><polygon points="1,2 3,4 5,6"/></g></g></svg>`)
	f.Add(`<svg viewBox="0 0 1 1"><g data-g="1"><ellipse cx="1" cy="1" rx="2" ry="3"/><rect x="0" y="0" width="1" height="1"/></g></svg>`)
	f.Fuzz(func(t *testing.T, src string) {
		svg, err := inlineSVG([]byte(src), func(h string) string { return h })
		if err != nil {
			return
		}
		out, err := diagramGeometry(svg)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON for %q: %s", src, out)
		}
	})
}

// TestEdgeLabelsClear lays out every example's diagram (top-down light,
// left-right dark) with the real renderer and fails when an edge label's
// text touches a stroke of any edge (its own too), an execution group's
// border, a node, or any other text.
func TestEdgeLabelsClear(t *testing.T) {
	app := fluxly.New(fluxly.Name("fluxly"))
	examples.Register(app)
	m, err := app.Model()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Workflows {
		for name, o := range map[string]docgen.Options{"light-TB": {}, "dark-LR": {Theme: docgen.Dark, Direction: "LR"}} {
			t.Run(w.Endpoint+"/"+name, func(t *testing.T) {
				svg, err := svgrender.New().RenderSVG(context.Background(), docgen.DOT(w, o))
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range labelClashes(t, svg) {
					t.Error(p)
				}
			})
		}
	}
}

// TestLabelClashesFinds: the check finds a label drawn over its edge, over
// a group's border and over a node.
func TestLabelClashesFinds(t *testing.T) {
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200"><g class="graph" transform="translate(0 200)">` +
		`<g id="svg-x-g1" class="cluster group"><path fill="none" stroke="black" d="M10,-190C10,-190 150,-190 150,-190 150,-190 150,-10 150,-10 150,-10 10,-10 10,-10 10,-10 10,-190 10,-190"/></g>` +
		`<g id="svg-x-n0" class="node"><polygon points="20,-180 60,-180 60,-160 20,-160 20,-180"/><text text-anchor="middle" x="40" y="-166" font-size="12">a</text></g>` +
		`<g id="svg-x-e0" class="edge"><path fill="none" stroke="black" d="M40,-160C40,-120 40,-80 40,-40"/><polygon points="37,-40 40,-30 43,-40 37,-40"/>` +
		`<text text-anchor="middle" x="40" y="-100" font-size="10">over its edge</text>` +
		`<text text-anchor="middle" x="150" y="-60" font-size="10">on the border</text>` +
		`<text text-anchor="start" x="30" y="-168" font-size="10">in a node</text></g></g></svg>`
	got := labelClashes(t, []byte(svg))
	for _, want := range []string{`"over its edge" crosses edge 0`, `"on the border" crosses the border of group 1`, `"in a node" overlaps node 0`} {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, want)
		}
		if !found {
			t.Errorf("no %q among %q", want, got)
		}
	}
}

// labelClearance is how far, in points, an edge label's text keeps from
// every line: a stroke is 1 to 2 points wide, and text closer than that
// reads as sitting on it.
const labelClearance = 4.0

// labelClashes lists what every edge label of a rendered diagram runs into.
func labelClashes(t *testing.T, src []byte) []string {
	t.Helper()
	svg, err := inlineSVG(src, func(h string) string { return h })
	if err != nil {
		t.Fatal(err)
	}
	g, err := readGeometry(svg)
	if err != nil {
		t.Fatal(err)
	}
	type textBox struct {
		text  string
		owner string
		box   [4]float64
	}
	var texts []textBox
	addTexts := func(owner string, shapes []geoShape) {
		for _, s := range shapes {
			if s.typ == shapeText && strings.TrimSpace(s.text) != "" {
				texts = append(texts, textBox{strings.TrimSpace(s.text), owner, textBoxOf(g, s)})
			}
		}
	}
	for i, n := range g.nodes {
		addTexts("node "+strconv.Itoa(i), n.shapes)
	}
	for i, e := range g.edges {
		addTexts("edge "+strconv.Itoa(i), e.shapes)
	}
	for i, gr := range g.groups {
		addTexts("group "+strconv.Itoa(i+1), gr.shapes)
	}
	addTexts("the graph", g.other)
	var out []string
	for i, e := range g.edges {
		for _, s := range e.shapes {
			if s.typ != shapeText || strings.TrimSpace(s.text) == "" {
				continue
			}
			label := strings.TrimSpace(s.text)
			box := textBoxOf(g, s)
			grown := [4]float64{box[0] - labelClearance, box[1] - labelClearance, box[2] + labelClearance, box[3] + labelClearance}
			for j, other := range g.edges {
				for _, os := range other.shapes {
					if os.typ != shapeText && lineMeetsBox(os, grown) {
						out = append(out, fmt.Sprintf("edge %d: label %q crosses edge %d", i, label, j))
						break
					}
				}
			}
			for j, gr := range g.groups {
				for _, gs := range gr.shapes {
					if gs.typ != shapeText && lineMeetsBox(gs, grown) {
						out = append(out, fmt.Sprintf("edge %d: label %q crosses the border of group %d", i, label, j+1))
						break
					}
				}
			}
			for j, n := range g.nodes {
				if n.set && boxesMeet(outlineBox(n.shapes), grown) {
					out = append(out, fmt.Sprintf("edge %d: label %q overlaps node %d", i, label, j))
				}
			}
			for _, o := range g.other {
				// The graph's background covers everything; the legend's
				// outline, if any, is a shape like a node's.
				if o.typ != shapeText && !(o.typ == shapePolygon && boxOf([]geoShape{o}) == [4]float64{0, 0, g.W, g.H}) && lineMeetsBox(o, grown) {
					out = append(out, fmt.Sprintf("edge %d: label %q crosses a line of the graph", i, label))
				}
			}
			for _, tb := range texts {
				if tb.text == label && tb.box == box {
					continue // itself
				}
				if boxesMeet(tb.box, box) {
					out = append(out, fmt.Sprintf("edge %d: label %q overlaps %q of %s", i, label, tb.text, tb.owner))
				}
			}
		}
	}
	return out
}

// helvetica is the advance width of printable ASCII in Helvetica (and
// Arial, which matches it), in thousandths of the font size: the font
// docgen asks for. Other characters count as an em.
var helvetica = [95]float64{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p to ~
}

// textBoxOf is the box a text shape's glyphs cover: its width from
// Helvetica's metrics, from the ascender to the descender.
func textBoxOf(g *geometry, s geoShape) [4]float64 {
	x, y, size := s.coords[0], s.coords[1], s.coords[2]
	w := 0.0
	for _, r := range strings.TrimSpace(s.text) {
		if r >= ' ' && r <= '~' {
			w += helvetica[r-' ']
		} else {
			w += 1000
		}
	}
	w *= size / 1000
	anchor := "start"
	for _, a := range g.styles[s.style].attrs {
		if a[0] == "text-anchor" {
			anchor = a[1]
		}
	}
	switch anchor {
	case "middle":
		x -= w / 2
	case "end":
		x -= w
	}
	return [4]float64{x, y - 0.75*size, x + w, y + 0.22*size}
}

// outlineBox is the box of a node's shapes but its text, which is
// checked on its own.
func outlineBox(shapes []geoShape) [4]float64 {
	var lines []geoShape
	for _, s := range shapes {
		if s.typ != shapeText {
			lines = append(lines, s)
		}
	}
	return boxOf(lines)
}

func boxesMeet(a, b [4]float64) bool {
	return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

// lineMeetsBox reports whether any line of a shape (a curve, a polygon's
// sides, an ellipse's outline) passes through box.
func lineMeetsBox(s geoShape, box [4]float64) bool {
	var pts [][2]float64
	c := s.coords
	switch s.typ {
	case shapeBezier, shapeClosed:
		pts = append(pts, [2]float64{c[0], c[1]})
		for i := 2; i+5 < len(c); i += 6 {
			x0, y0 := pts[len(pts)-1][0], pts[len(pts)-1][1]
			for k := 1; k <= 32; k++ {
				u := float64(k) / 32
				v := 1 - u
				pts = append(pts, [2]float64{
					v*v*v*x0 + 3*v*v*u*c[i] + 3*v*u*u*c[i+2] + u*u*u*c[i+4],
					v*v*v*y0 + 3*v*v*u*c[i+1] + 3*v*u*u*c[i+3] + u*u*u*c[i+5],
				})
			}
		}
	case shapePolygon, shapePolyline:
		for i := 0; i+1 < len(c); i += 2 {
			pts = append(pts, [2]float64{c[i], c[i+1]})
		}
		if s.typ == shapePolygon && len(pts) > 0 {
			pts = append(pts, pts[0])
		}
	case shapeRounded:
		r := roundedPath(c[0], c[1], c[2], c[3], c[4])
		return lineMeetsBox(geoShape{typ: shapeBezier, coords: r}, box)
	case shapeEllipse:
		for k := 0; k <= 64; k++ {
			a := 2 * math.Pi * float64(k) / 64
			pts = append(pts, [2]float64{c[0] + c[2]*math.Cos(a), c[1] + c[3]*math.Sin(a)})
		}
	}
	for i := range pts {
		if i > 0 && segmentMeetsBox(pts[i-1], pts[i], box) {
			return true
		}
		if len(pts) == 1 && pointInBox(pts[0], box) {
			return true
		}
	}
	return false
}

func pointInBox(p [2]float64, b [4]float64) bool {
	return p[0] > b[0] && p[0] < b[2] && p[1] > b[1] && p[1] < b[3]
}

// segmentMeetsBox clips the segment p→q to box (Liang–Barsky).
func segmentMeetsBox(p, q [2]float64, b [4]float64) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := q[0]-p[0], q[1]-p[1]
	for _, e := range [4][2]float64{{-dx, p[0] - b[0]}, {dx, b[2] - p[0]}, {-dy, p[1] - b[1]}, {dy, b[3] - p[1]}} {
		pe, qe := e[0], e[1]
		if pe == 0 {
			if qe <= 0 {
				return false
			}
			continue
		}
		r := qe / pe
		if pe < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
		if t0 >= t1 {
			return false
		}
	}
	return true
}
