package site

import (
	"encoding/json"

	"github.com/yuin/goldmark/util"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// This file holds what a workflow page's interactive diagram needs besides
// the SVG: the graph as data, and the legend.

// graphJSON is a workflow's graph for assets/graph.js. Node i is the
// SVG's data-n="i" (docgen numbers nodes in model order), edge i its
// data-e="i"; a node's details are its section on the page, found by
// anchor.
type graphJSON struct {
	Nodes []graphNode `json:"nodes"`
	Edges [][3]int    `json:"edges"` // from, to, kind (0 plain, 1 conditional, 2 on success); index = data-e
	// Geo is the drawing of a diagram too large to inline (geometry.go).
	Geo json.RawMessage `json:"geo,omitempty"`
}

type graphNode struct {
	Name   string `json:"n"`
	Anchor string `json:"a"`
}

// graphData returns w's graph as JSON, with geo, the diagram's geometry,
// when it is drawn on a canvas. encoding/json escapes <, > and &, so no
// name can close the data block it is written into.
func graphData(w *introspect.Workflow, geo json.RawMessage) []byte {
	g := graphJSON{Nodes: make([]graphNode, len(w.Nodes)), Edges: make([][3]int, 0, len(w.Edges)), Geo: geo}
	index := make(map[string]int, len(w.Nodes))
	for i, n := range w.Nodes {
		g.Nodes[i] = graphNode{Name: n.Name, Anchor: docgen.NodeAnchor(n.Name)}
		if _, dup := index[n.Name]; !dup {
			index[n.Name] = i
		}
	}
	for _, e := range w.Edges {
		from, ok1 := index[e.From]
		to, ok2 := index[e.To]
		if !ok1 || !ok2 {
			from, to = -1, -1 // keeps edge numbers aligned with the SVG's
		}
		g.Edges = append(g.Edges, [3]int{from, to, edgeKind(e.Kind)})
	}
	b, err := json.Marshal(g)
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	return b
}

func edgeKind(k runtime.EdgeKind) int {
	switch k {
	case runtime.Conditional:
		return 1
	case runtime.OnSuccess:
		return 2
	}
	return 0
}

// legendItem is one entry of a diagram's legend: a sample drawn by CSS
// class, and what it means. No user text goes into a legend.
type legendItem struct{ class, text string }

// legendItems are the legend entries for what w's diagram uses.
func legendItems(w *introspect.Workflow) []legendItem {
	var kinds [3]bool
	for _, e := range w.Edges {
		kinds[edgeKind(e.Kind)] = true
	}
	var items []legendItem
	if kinds[0] {
		items = append(items, legendItem{"plain", "plain edge: after the parent finished"})
	}
	if kinds[1] {
		items = append(items, legendItem{"conditional", "conditional edge: if its condition holds"})
	}
	if kinds[2] {
		items = append(items, legendItem{"on-success", "on-success edge: if the parent completed"})
	}
	if len(w.Groups) > 0 {
		items = append(items, legendItem{"group", "execution group"})
	}
	rules, cont := false, false
	for i := range w.Nodes {
		rules = rules || w.Nodes[i].TriggerRule != ""
		cont = cont || w.Nodes[i].ContinueOnFailure
	}
	if rules {
		items = append(items, legendItem{"rule", "trigger rule (under the name)"})
	}
	if cont {
		items = append(items, legendItem{"continues", "continues on failure"})
	}
	return items
}

// writeLegend writes the legend: a sample of each drawing, in SVG styled
// by the site's CSS (so it follows the theme), and its meaning.
func writeLegend(w util.BufWriter, items []legendItem) {
	if len(items) == 0 {
		return
	}
	_, _ = w.WriteString(`<ul class="legend" aria-label="Legend">`)
	for _, it := range items {
		_, _ = w.WriteString(`<li><svg class="sample ` + it.class + `" viewBox="0 0 36 14" aria-hidden="true">`)
		switch it.class {
		case "group", "continues":
			_, _ = w.WriteString(`<rect x="2" y="2" width="32" height="10" rx="3"></rect>`)
		case "rule":
			_, _ = w.WriteString(`<text x="18" y="11" text-anchor="middle">rule</text>`)
		default:
			_, _ = w.WriteString(`<line x1="1" y1="7" x2="28" y2="7"></line><polygon points="28,3 35,7 28,11"></polygon>`)
		}
		_, _ = w.WriteString(`</svg>`)
		_, _ = w.Write(util.EscapeHTML([]byte(it.text)))
		_, _ = w.WriteString(`</li>`)
	}
	_, _ = w.WriteString("</ul>\n")
}
