package svgrender_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	goldenfile "github.com/fluxly-go/fluxly/internal/golden"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

var update = flag.Bool("update", false, "rewrite the golden SVGs under testdata/golden/docgen/svg")

func examplesModel(t testing.TB) *introspect.Model {
	t.Helper()
	app := fluxly.New(fluxly.Name("fluxly"))
	examples.Register(app)
	m, err := app.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func render(t testing.TB, dot []byte) []byte {
	t.Helper()
	svg, err := svgrender.New().RenderSVG(context.Background(), dot)
	if err != nil {
		t.Fatalf("RenderSVG: %v\n%s", err, dot)
	}
	return svg
}

// element is a parsed SVG element.
type element struct {
	name     string
	attr     map[string]string // "xlink:href" for namespaced attributes
	children []*element
	text     string // character data directly inside
}

func parseSVG(t *testing.T, svg []byte) *element {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	root := &element{name: "#document"}
	stack := []*element{root}
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &element{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				key := a.Name.Local
				if a.Name.Space == "http://www.w3.org/1999/xlink" {
					key = "xlink:" + key
				}
				e.attr[key] = a.Value
			}
			top := stack[len(stack)-1]
			top.children = append(top.children, e)
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			stack[len(stack)-1].text += string(tok)
		case xml.Comment:
			t.Errorf("the SVG keeps a comment: %s", tok)
		case xml.ProcInst, xml.Directive:
			t.Errorf("the SVG keeps a prolog: %T", tok)
		}
	}
	return root
}

func (e *element) walk(fn func(*element)) {
	fn(e)
	for _, c := range e.children {
		c.walk(fn)
	}
}

func (e *element) byID() map[string]*element {
	ids := map[string]*element{}
	e.walk(func(c *element) {
		if id := c.attr["id"]; id != "" {
			ids[id] = c
		}
	})
	return ids
}

func (e *element) find(name string) *element {
	var found *element
	e.walk(func(c *element) {
		if found == nil && c.name == name {
			found = c
		}
	})
	return found
}

func (e *element) texts() []string {
	var out []string
	e.walk(func(c *element) {
		if c.name == "text" {
			out = append(out, c.text)
		}
	})
	return out
}

// checkStructure asserts what the site relies on: every node is a group
// with a unique id, linking to its section with a tooltip in <title>, every
// edge and cluster is there, and nothing is left that breaks inlining.
func checkStructure(t *testing.T, w *introspect.Workflow, svg []byte, prefix string) {
	t.Helper()
	if !bytes.HasPrefix(svg, []byte("<svg ")) {
		t.Errorf("the SVG starts with %q, want <svg", svg[:min(len(svg), 20)])
	}
	if bytes.Contains(svg, []byte("<script")) || bytes.Contains(svg, []byte("<!--")) {
		t.Error("the SVG contains <script or a comment")
	}
	root := parseSVG(t, svg)
	ids := root.byID()
	for i, n := range w.Nodes {
		g := ids[prefix+"-n"+strconv.Itoa(i)]
		if g == nil || !strings.Contains(g.attr["class"], "node") {
			t.Errorf("node %q: no <g id=%q class=node>", n.Name, prefix+"-n"+strconv.Itoa(i))
			continue
		}
		a := g.find("a")
		if a == nil {
			t.Errorf("node %q: no link", n.Name)
			continue
		}
		href := "#" + docgen.NodeAnchor(n.Name)
		if a.attr["href"] != href || a.attr["xlink:href"] != href {
			t.Errorf("node %q: href %q, xlink:href %q, want %q", n.Name, a.attr["href"], a.attr["xlink:href"], href)
		}
		title := g.find("title")
		if title == nil || title.text != a.attr["xlink:title"] || !strings.Contains(title.text, n.Description) {
			t.Errorf("node %q: <title> %q, want the tooltip %q with the description", n.Name, title.text, a.attr["xlink:title"])
		}
		if !strings.HasPrefix(strings.Join(g.texts(), "\n"), n.Name) {
			t.Errorf("node %q: label texts %q", n.Name, g.texts())
		}
	}
	edges := 0
	root.walk(func(e *element) {
		if strings.HasPrefix(e.attr["class"], "edge") {
			edges++
			if !strings.HasPrefix(e.attr["id"], prefix+"-e") {
				t.Errorf("edge id %q lacks the prefix %q", e.attr["id"], prefix)
			}
		}
	})
	if edges != len(w.Edges) {
		t.Errorf("%d edges in the SVG, want %d", edges, len(w.Edges))
	}
	for _, e := range root.byID() {
		if id := e.attr["id"]; !strings.HasPrefix(id, prefix) && !strings.HasPrefix(id, "a_"+prefix) {
			t.Errorf("id %q is not under the diagram's prefix %q: two inlined SVGs could clash", id, prefix)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("..", "..", "testdata", "golden", "docgen", "svg", name), got, *update)
}

// The SVG of every example is stable with the pinned go-graphviz (golden)
// and structurally right.
func TestExamples(t *testing.T) {
	for _, w := range examplesModel(t).Workflows {
		t.Run(w.Endpoint, func(t *testing.T) {
			svg := render(t, docgen.DOT(w, docgen.Options{}))
			checkStructure(t, w, svg, "svg-"+w.Endpoint)
			golden(t, w.Endpoint+".svg", svg)
			dark := render(t, docgen.DOT(w, docgen.Options{Theme: docgen.Dark, Direction: "LR"}))
			checkStructure(t, w, dark, "svg-"+w.Endpoint)
			if bytes.Contains(dark, []byte(`fill="#ffffff"`)) || bytes.Contains(dark, []byte(`fill="white"`)) {
				t.Error("the dark SVG has white fills")
			}
		})
	}
}

func TestReport(t *testing.T) {
	w := examplesModel(t).Workflow("branching")
	res := &runtime.Result{RunID: "r1", Workflow: "branching", Status: runtime.Completed, Executions: []*runtime.WorkflowExecution{{
		Attempt: 1, Status: runtime.Completed, Skipped: []string{"C"},
		Nodes: map[string][]runtime.NodeExecution{
			"A": {{Attempt: 1, Status: runtime.Completed}},
			"B": {{Attempt: 1, Status: runtime.NoVerdict, Error: &runtime.ErrorInfo{Type: "x", Message: "<b>no</b>"}}},
			"D": {{Attempt: 1, Status: runtime.TimedOut}},
		},
	}}}
	svg := render(t, docgen.ReportDOT(w, res, docgen.Options{}))
	checkStructure(t, w, svg, "run-branching")
	classes := map[string]string{}
	ids := parseSVG(t, svg).byID()
	for i, n := range w.Nodes {
		classes[n.Name] = ids["run-branching-n"+strconv.Itoa(i)].attr["class"]
	}
	want := map[string]string{"A": "node completed", "B": "node failed", "C": "node skipped", "D": "node timed-out"}
	for n, c := range want {
		if classes[n] != c {
			t.Errorf("node %s: class %q, want %q", n, classes[n], c)
		}
	}
	if ids["run-branching-legend"] == nil {
		t.Error("no legend")
	}
}

// tricky strings come out of Graphviz as the same text, escaped.
func TestEscaping(t *testing.T) {
	cases := []string{
		`<script>alert(1)</script>`,
		`say "hi" & 'bye' &amp; &lt;b&gt;`,
		"pipes | and ]] and `ticks`",
		`back\slash \N \G \l trailing\`,
		"emoji 🚀 and RTL שלום مرحبا",
		`<!-- --> <![CDATA[x]]> ]]>`,
	}
	for i, s := range cases {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			w := &introspect.Workflow{
				Endpoint: "tricky", Name: s,
				Nodes: []introspect.Node{{Name: s, Description: s}, {Name: "b", Description: "b"}},
				Edges: []introspect.Edge{{From: s, To: "b", Kind: runtime.Conditional, Label: s}},
			}
			svg := render(t, docgen.DOT(w, docgen.Options{}))
			if bytes.Contains(svg, []byte("<script")) {
				t.Fatal("the SVG contains <script")
			}
			checkStructure(t, w, svg, "svg-tricky")
			root := parseSVG(t, svg)
			texts := root.texts()
			count := 0
			for _, x := range texts {
				if x == s {
					count++
				}
			}
			if count != 3 { // graph label, node label, edge label
				t.Errorf("%q appears in %d <text> elements, want 3: %q", s, count, texts)
			}
			title := root.byID()["svg-tricky-n0"].find("title").text
			if !strings.HasPrefix(title, s+"\n") {
				t.Errorf("tooltip %q, want it to start with %q", title, s)
			}
		})
	}
}

// Every DOT docgen writes parses and lays out without error.
func TestEveryDOTRenders(t *testing.T) {
	m := examplesModel(t)
	for _, w := range m.Workflows {
		for _, o := range []docgen.Options{{}, {Theme: docgen.Dark}, {Direction: "LR"}} {
			render(t, docgen.DOT(w, o))
			render(t, docgen.ReportDOT(w, nil, o))
		}
	}
}

// Files with the real renderer is byte-identical across runs and across
// GOMAXPROCS 1 and 2.
func TestFilesDeterministic(t *testing.T) {
	m := examplesModel(t)
	generate := func() []docgen.File {
		t.Helper()
		files, err := docgen.Files(context.Background(), m, svgrender.New(), docgen.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	goruntime.GOMAXPROCS(1)
	one, again := generate(), generate()
	goruntime.GOMAXPROCS(2)
	two := generate()
	for name, other := range map[string][]docgen.File{"second run": again, "GOMAXPROCS=2": two} {
		if len(other) != len(one) {
			t.Fatalf("%s: %d files, want %d", name, len(other), len(one))
		}
		for i := range one {
			if one[i].Path != other[i].Path || !bytes.Equal(one[i].Data, other[i].Data) {
				t.Errorf("%s: %s differs", name, one[i].Path)
			}
		}
	}
}

func TestInvalidDOT(t *testing.T) {
	for _, dot := range []string{"digraph {", "not dot at all", `digraph { a -> }`} {
		_, err := svgrender.New().RenderSVG(context.Background(), []byte(dot))
		if err == nil || !strings.HasPrefix(err.Error(), "svgrender: parsing DOT: syntax error") || strings.HasSuffix(err.Error(), "\n") {
			t.Errorf("RenderSVG(%q): err = %q", dot, err)
		}
	}
	// The renderer still works afterwards.
	render(t, []byte("digraph { a -> b }"))
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := svgrender.New().RenderSVG(ctx, []byte("digraph { a }")); err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// Concurrent renders are safe and give the same bytes.
func TestConcurrent(t *testing.T) {
	m := examplesModel(t)
	want := map[string][]byte{}
	for _, w := range m.Workflows {
		want[w.Endpoint] = render(t, docgen.DOT(w, docgen.Options{}))
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := m.Workflows[i%len(m.Workflows)]
			svg, err := svgrender.New().RenderSVG(context.Background(), docgen.DOT(w, docgen.Options{}))
			if err != nil || !bytes.Equal(svg, want[w.Endpoint]) {
				t.Errorf("%s: concurrent render differs (err %v)", w.Endpoint, err)
			}
		}()
	}
	wg.Wait()
}

func TestPostprocess(t *testing.T) {
	in := `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
 "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- Generated by graphviz version 2.43.0 (0)
 -->
<svg width="8pt" height="8pt" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<!-- n0 -->
<g id="x&#45;n0" class="node">
<title>n0</title>
<g id="a_x&#45;n0"><a xlink:href="#node-a" xlink:title="tip &amp; &lt;b&gt;&#10;line 2">
<text>a</text>
</a>
</g>
</g>
<g id="x&#45;n1" class="node">
<title>n1</title>
<text>plain</text>
</g>
</svg>
`
	want := `<svg width="8pt" height="8pt" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<g id="x&#45;n0" class="node">
<title>tip &amp; &lt;b&gt;&#10;line 2</title>
<g id="a_x&#45;n0"><a href="#node-a" xlink:href="#node-a" xlink:title="tip &amp; &lt;b&gt;&#10;line 2">
<text>a</text>
</a>
</g>
</g>
<g id="x&#45;n1" class="node">
<title>n1</title>
<text>plain</text>
</g>
</svg>
`
	if got := string(svgrender.Postprocess([]byte(in))); got != want {
		t.Errorf("Postprocess:\n%s\nwant\n%s", got, want)
	}
}

func ExampleRenderer() {
	svg, err := svgrender.New().RenderSVG(context.Background(), []byte(`digraph { a -> b }`))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(svg[:4]), bytes.Contains(svg, []byte("<title>a</title>")))
	// Output: <svg true
}
