package site

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
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
