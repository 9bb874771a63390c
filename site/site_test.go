package site_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"maps"
	"net/url"
	"path"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fluxly-go/fluxly/internal/outdir"

	"golang.org/x/net/html"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/svgrender"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/site"
	"github.com/fluxly-go/fluxly/site/internal/xss"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/site from the current build")

const goldenDir = "../testdata/golden/site"

// TestGolden compares the whole site of the bundled examples, byte for
// byte, with testdata/golden/site (go test ./site -update rewrites it).
func TestGolden(t *testing.T) {
	files := examplesSite(t)
	if *update {
		d, err := outdir.Write(goldenDir, files, outdir.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s:\n%s", goldenDir, d)
		return
	}
	d, err := outdir.Check(goldenDir, files)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Empty() {
		t.Errorf("the built site differs from %s (go test ./site -update to accept):\n%s", goldenDir, d)
	}
}

// TestLayout checks the tree's file list.
func TestLayout(t *testing.T) {
	files := examplesSite(t)
	m := examplesModel(t)
	var want []string
	for _, w := range m.Workflows {
		want = append(want,
			"workflows/"+w.Endpoint+".html",
			"schemas/"+w.Endpoint+".schema.json", "schemas/"+w.Endpoint+".html",
			"diagrams/"+w.Endpoint+".svg", "diagrams/"+w.Endpoint+".dot", "diagrams/"+w.Endpoint+".mmd")
	}
	want = append(want, "index.html", "common-inputs.html", "model.json", "search-index.json",
		"assets/search-index.js", "assets/site.css", "assets/site.js", "assets/graph.js", "assets/theme.js", "assets/favicon.svg")
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
	}
	if !slices.IsSorted(got) {
		t.Errorf("files are not sorted by path: %v", got)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("files:\n got %v\nwant %v", got, want)
	}
	byPath := fileMap(files)
	if !bytes.Equal(byPath["model.json"], m.JSON()) {
		t.Error("model.json is not the model's JSON")
	}
	for _, w := range m.Workflows {
		if !bytes.Equal(byPath["schemas/"+w.Endpoint+".schema.json"], w.Schema) {
			t.Errorf("schemas/%s.schema.json is not the workflow's schema", w.Endpoint)
		}
	}
}

// TestDeterministic builds twice, with different parallelism: same bytes.
func TestDeterministic(t *testing.T) {
	m := examplesModel(t)
	build := func(procs int) []site.File {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		files, err := site.Build(context.Background(), m, svgrender.New(), site.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	a, b := build(1), build(2)
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between builds", a[i].Path)
		}
	}
}

// TestPages parses every page with golang.org/x/net/html and checks its
// structure and every link, without a browser.
func TestPages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []site.File
	}{
		{"examples", examplesSite(t)},
		{"xss", xssSite(t)},
		{"no-renderer", buildWith(t, examplesModel(t), nil)},
		{"empty", buildWith(t, &introspect.Model{Version: introspect.ModelVersion, Workflows: []*introspect.Workflow{}}, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) { checkSite(t, tc.files) })
	}
}

func buildWith(t *testing.T, m *introspect.Model, r docgen.Renderer) []site.File {
	t.Helper()
	files, err := site.Build(context.Background(), m, r, site.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// parsedPage is what checkSite learns from one page.
type parsedPage struct {
	ids   map[string]bool
	links []string // href and src values, as written
	text  string   // the text content, whitespace collapsed
}

func parsePage(t *testing.T, f site.File) *parsedPage {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	p := &parsedPage{ids: map[string]bool{}}
	var text strings.Builder
	counts := map[string]int{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if n.Parent == nil || n.Parent.Data != "script" {
				text.WriteString(n.Data)
				text.WriteByte(' ')
			}
		case html.ElementNode:
			if n.Namespace == "" {
				counts[n.Data]++
			}
			switch n.Data {
			case "script":
				// Data blocks (the diagram's graph) are not run.
				if (attr(n, "src") == "" || n.FirstChild != nil) && attr(n, "type") != "application/json" {
					t.Errorf("%s: inline script", f.Path)
				}
			case "style", "iframe", "object", "embed", "img", "foreignObject", "form", "base":
				t.Errorf("%s: unexpected <%s>", f.Path, n.Data)
			}
			for _, a := range n.Attr {
				switch {
				case strings.HasPrefix(a.Key, "on"):
					t.Errorf("%s: <%s %s=%q>", f.Path, n.Data, a.Key, a.Val)
				case a.Key == "style":
					t.Errorf("%s: style attribute on <%s> (the CSP forbids it)", f.Path, n.Data)
				case a.Key == "id":
					if p.ids[a.Val] {
						t.Errorf("%s: duplicate id %q", f.Path, a.Val)
					}
					p.ids[a.Val] = true
				case a.Key == "href" || a.Key == "src" || a.Key == "xlink:href":
					p.links = append(p.links, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, el := range []string{"html", "head", "title", "body", "main", "h1"} {
		if counts[el] != 1 {
			t.Errorf("%s: %d <%s> elements, want 1", f.Path, counts[el], el)
		}
	}
	if !bytes.HasPrefix(f.Data, []byte("<!DOCTYPE html>\n")) {
		t.Errorf("%s: no doctype", f.Path)
	}
	if !bytes.Contains(f.Data, []byte(`<meta http-equiv="Content-Security-Policy"`)) {
		t.Errorf("%s: no Content-Security-Policy", f.Path)
	}
	p.text = strings.Join(strings.Fields(text.String()), " ")
	return p
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// checkSite checks every page, then every link between them: relative,
// to a file of the site, and with a fragment that names an element.
func checkSite(t *testing.T, files []site.File) map[string]*parsedPage {
	t.Helper()
	byPath := fileMap(files)
	parsed := map[string]*parsedPage{}
	for _, f := range pages(files) {
		parsed[f.Path] = parsePage(t, f)
	}
	if parsed["index.html"] == nil {
		t.Fatal("no index.html")
	}
	n := 0
	for _, f := range pages(files) {
		for _, l := range parsed[f.Path].links {
			n++
			u, err := url.Parse(l)
			switch {
			case err != nil:
				t.Errorf("%s: bad link %q", f.Path, l)
				continue
			case u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "mailto":
				continue // external; none is needed to view the site
			case u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "/"):
				t.Errorf("%s: link %q is not relative", f.Path, l)
				continue
			}
			target := f.Path
			if u.Path != "" {
				target = path.Join(path.Dir(f.Path), u.Path)
			}
			if _, ok := byPath[target]; !ok {
				t.Errorf("%s: link %q: no file %s", f.Path, l, target)
				continue
			}
			if u.Fragment != "" && strings.HasSuffix(target, ".html") && !parsed[target].ids[u.Fragment] {
				t.Errorf("%s: link %q: %s has no id %q", f.Path, l, target, u.Fragment)
			}
		}
	}
	if n == 0 {
		t.Error("no links at all")
	}
	// Every search hit lands on an element of its page.
	var idx struct {
		Docs []struct{ K, N, W, U string }
	}
	if err := json.Unmarshal(byPath["search-index.json"], &idx); err != nil {
		t.Fatalf("search-index.json: %v", err)
	}
	for _, e := range idx.Docs {
		pagePath, frag, _ := strings.Cut(e.U, "#")
		p := parsed[pagePath]
		if p == nil || (frag != "" && !p.ids[frag]) {
			t.Errorf("search entry %s %q leads to %s, which does not exist", e.K, e.N, e.U)
		}
	}
	js := byPath["assets/search-index.js"]
	if !bytes.HasPrefix(js, []byte("window.fluxlySearchIndex = {")) || bytes.ContainsAny(js, "<>") {
		t.Errorf("assets/search-index.js is not a safe script: %.80s…", js)
	}
	return parsed
}

// TestSearchIndex checks the index holds every workflow, node and
// documented input field — the common ones once, on their shared page —
// and that its postings point at documents.
func TestSearchIndex(t *testing.T) {
	m := examplesModel(t)
	var idx struct {
		Version  int
		Docs     []struct{ K, N, W, U, D string }
		Terms    []string
		Postings [][]int
	}
	if err := json.Unmarshal(fileMap(examplesSite(t))["search-index.json"], &idx); err != nil {
		t.Fatal(err)
	}
	have := map[string]int{}
	for _, e := range idx.Docs {
		have[e.K+" "+e.W+" "+e.N]++
	}
	for _, w := range m.Workflows {
		want := []string{"workflow  " + w.Endpoint}
		for _, n := range w.Nodes {
			want = append(want, "node "+w.Endpoint+" "+n.Name)
		}
		for _, f := range w.Input.Fields {
			switch {
			case f.NoDocs:
			case f.Base:
				want = append(want, "input  "+f.Name)
			default:
				want = append(want, "input "+w.Endpoint+" "+f.Name)
			}
		}
		for _, k := range want {
			if have[k] != 1 {
				t.Errorf("search index has %d × %s, want 1", have[k], k)
			}
		}
	}
	if !slices.IsSorted(idx.Terms) || len(idx.Terms) != len(idx.Postings) || len(idx.Terms) < 50 {
		t.Errorf("%d terms (sorted: %v), %d postings", len(idx.Terms), slices.IsSorted(idx.Terms), len(idx.Postings))
	}
	for i, p := range idx.Postings {
		for j := 0; j+1 < len(p); j += 2 {
			if p[j] < 0 || p[j] >= len(idx.Docs) || p[j+1] < 1 || p[j+1] > 3 {
				t.Fatalf("term %q: bad posting %v", idx.Terms[i], p)
			}
		}
	}
}

// TestXSS builds the site of a workflow made of injection payloads: every
// payload is on the page as text, and nothing in the page is markup that
// came from it (see also TestBrowserXSS).
func TestXSS(t *testing.T) {
	files := xssSite(t)
	parsed := checkSite(t, files)
	page := parsed["workflows/xss.html"]
	for _, p := range xss.Payloads {
		if !strings.Contains(page.text, strings.Join(strings.Fields(p), " ")) {
			t.Errorf("payload %q is not shown as text on the page", p)
		}
	}
	index := parsed["index.html"]
	if !strings.Contains(index.text, "<script>alert(21)</script>") {
		t.Error("the index does not show the workflow's name as text")
	}
	for _, f := range files {
		if bytes.Contains(f.Data, []byte("<script>alert")) || bytes.Contains(bytes.ToLower(f.Data), []byte("<img src=x")) {
			if strings.HasSuffix(f.Path, ".html") || strings.HasSuffix(f.Path, ".svg") || strings.HasSuffix(f.Path, ".js") {
				t.Errorf("%s holds a raw payload", f.Path)
			}
		}
	}
	// The standalone SVG is as clean as the inline one.
	checkSVG(t, "diagrams/xss.svg", fileMap(files)["diagrams/xss.svg"], "../workflows/xss.html#node-")
}

// checkSVG parses an SVG document: only shapes, text and links to node
// sections.
func checkSVG(t *testing.T, name string, svg []byte, hrefPrefix string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	links := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch el.Name.Local {
		case "svg", "g", "a", "title", "path", "polygon", "polyline", "ellipse", "text":
		default:
			t.Errorf("%s: unexpected element <%s>", name, el.Name.Local)
		}
		for _, a := range el.Attr {
			switch {
			case strings.HasPrefix(a.Name.Local, "on") || a.Name.Local == "style":
				t.Errorf("%s: <%s %s=%q>", name, el.Name.Local, a.Name.Local, a.Value)
			case a.Name.Local == "href":
				links++
				if !strings.HasPrefix(a.Value, hrefPrefix) {
					t.Errorf("%s: link %q", name, a.Value)
				}
			}
		}
	}
	if links == 0 {
		t.Errorf("%s: no node links", name)
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := site.Build(context.Background(), nil, nil, site.Options{}); err == nil {
		t.Error("nil model: no error")
	}
	// A model decoded from JSON can carry anything as an endpoint.
	var m introspect.Model
	if err := json.Unmarshal([]byte(`{"version":1,"workflows":[{"endpoint":"../evil","name":"x","input":{"fields":[]},"nodes":[],"edges":[]}]}`), &m); err != nil {
		t.Fatal(err)
	}
	_, err := site.Build(context.Background(), &m, nil, site.Options{})
	if err == nil || !strings.Contains(err.Error(), `"../evil"`) {
		t.Errorf("endpoint ../evil: err = %v, want one naming it", err)
	}
	// Renderer errors name the workflow and are returned.
	bad := docgen.RendererFunc(func(context.Context, []byte) ([]byte, error) { return []byte("<svg><script>"), nil })
	if _, err := site.Build(context.Background(), examplesModel(t), bad, site.Options{}); err == nil || !strings.Contains(err.Error(), "diagrams/") {
		t.Errorf("broken SVG: err = %v, want one naming the diagram", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := site.Build(ctx, examplesModel(t), nil, site.Options{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestTitle(t *testing.T) {
	files, err := site.Build(context.Background(), examplesModel(t), nil, site.Options{Title: "Acme <jobs>"})
	if err != nil {
		t.Fatal(err)
	}
	etl := fileMap(files)["workflows/etl.html"]
	if !bytes.Contains(etl, []byte("<title>etl · Acme &lt;jobs&gt;</title>")) {
		t.Errorf("page title not found in:\n%.600s", etl)
	}
}

// A user's page with a relative link or image to nothing in the site, or a
// link to a fragment no element of its page has, fails the build with the
// page's file, line and link; every other link builds.
func TestBrokenLinks(t *testing.T) {
	m := examplesModel(t)
	node := docgen.NodeAnchor(m.Workflow("etl").Nodes[0].Name)
	good := fstest.MapFS{
		"start.md": {Data: []byte("# Getting started\n\n## Install\n\nSee the [FAQ](faq.md#questions), [etl](../workflows/etl.md#" + node +
			"), its [schema](../schemas/etl.schema.json), the [API](../api.html), [the top](#top) and [Install](#install).\n\n![shot](img/shot.png)\n")},
		"faq.md":       {Data: []byte("# FAQ\n\n## Questions\n\n[Back](start.md#install), [home](../index.md), [out](https://example.com/missing.md).\n")},
		"img/shot.png": {Data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
	}
	build := func(pages fstest.MapFS) error {
		_, err := site.Build(context.Background(), m, nil, site.Options{Pages: pages, OpenAPI: examplesOpenAPI(t)})
		return err
	}
	if err := build(good); err != nil {
		t.Fatalf("good links: %v", err)
	}

	with := func(name, md string) fstest.MapFS {
		pages := fstest.MapFS{}
		maps.Copy(pages, good)
		pages[name] = &fstest.MapFile{Data: []byte(md)}
		return pages
	}
	for _, tc := range []struct {
		name   string
		pages  fstest.MapFS
		errHas []string
	}{
		{"missing page", with("guide/more.md", "# More\n\nRead\n[the intro](intro.md) and [etl](../../workflows/etl.md).\n"),
			[]string{`site: guide/more.md:4: broken link "intro.md": no page of the pages directory or of the site has this path`}},
		{"missing workflow", with("faq.md", "# FAQ\n\n[x](../workflows/nope.md#a)\n"),
			[]string{`faq.md:3: broken link "../workflows/nope.md#a"`}},
		{"missing image and file", with("faq.md", "# FAQ\n\n![a](shot.png)\n\n[b](notes.txt)\n"),
			[]string{`faq.md:3: broken link "shot.png": no image`, `faq.md:5: broken link "notes.txt": no page or file of the site`}},
		{"missing anchor in the page", with("faq.md", "# FAQ\n\n## Questions\n\n[q](#question)\n"),
			[]string{`faq.md:5: broken link "#question": pages/faq.html has no element with id "question"`}},
		{"missing anchor in another page", with("faq.md", "# FAQ\n\n[i](start.md#instal) [n](../workflows/etl.md#node-nope)\n"),
			[]string{`faq.md:3: broken link "start.md#instal": pages/start.html has no element with id "instal"`,
				`faq.md:3: broken link "../workflows/etl.md#node-nope": workflows/etl.html has no element with id "node-nope"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := build(tc.pages)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
		})
	}
}
