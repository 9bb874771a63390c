package site

import (
	"strings"
	"testing"
)

// Internal tests of the Markdown pass: docgen escapes user text, and this
// pass is the second line of defence for anything that still looks like
// markup, and the place where .md links become .html.

func TestRender(t *testing.T) {
	pc := &pageCtx{
		path:    "workflows/etl.md",
		pages:   map[string]bool{"index.md": true, "workflows/etl.md": true, "workflows/other.md": true},
		diagram: "diagrams/etl.svg",
		svg:     []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`),
		links:   []diagramLink{{"SVG", "../diagrams/etl.svg"}},
	}
	for _, tc := range []struct {
		name, md string
		has      []string
		hasNot   []string
	}{
		{"page links", "[i](../index.md) [o](other.md#node-x) [s](../schemas/etl.schema.json) [f](#inputs)",
			[]string{`href="../index.html"`, `href="other.html#node-x"`, `href="../schemas/etl.schema.json"`, `href="#inputs"`}, []string{".md"}},
		{"external links", "[a](https://example.com/x) <https://example.com/y> [m](mailto:a@b.c) www.example.org",
			[]string{`href="https://example.com/x"`, `href="https://example.com/y"`, `href="mailto:a@b.c"`, `href="http://www.example.org"`}, nil},
		{"script links", "[a](javascript:alert(1)) [b](JAVASCRIPT:alert(2)) [c](data:text/html,x) [d](vbscript:x) [e](file:///etc/passwd)",
			[]string{"<p>a b c d e</p>"}, []string{"href", "alert"}},
		{"links out of the site", "[a](/abs/path) [b](//evil.example/x) [c](../../up.html)",
			[]string{"<p>a b c</p>"}, []string{"href"}},
		{"raw html", "<script>alert(1)</script>\n\ntext <img src=x onerror=alert(2)> more\n\n<div onclick=\"x\">d</div>",
			[]string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&lt;div onclick=&quot;x&quot;&gt;d&lt;/div&gt;"},
			[]string{"<script", "<img", "<div", "raw HTML omitted"}},
		{"remote images", "![alt text](https://evil.example/x.png) ![local](../diagrams/other.svg)",
			[]string{"alt text", `<img src="../diagrams/other.svg" alt="local">`}, []string{"evil"}},
		{"heading attributes", "### Node `a` {#node-a--1234 onclick=\"alert(1)\" .cls style=\"x\"}\n\n## Plain\n\n#### Bad {onclick=alert(1)}",
			[]string{`<h3 id="node-a--1234">Node <code>a</code></h3>`, `<h2 id="plain">Plain</h2>`, `<h4 id="bad-onclickalert1">Bad {onclick=alert(1)}</h4>`},
			[]string{`onclick="`, "cls", "style"}},
		{"diagram", "## Diagram\n\n![Diagram of etl](../diagrams/etl.svg)\n\n```mermaid\nflowchart TB\n```\n",
			[]string{`<figure class="diagram">`, `<svg xmlns="http://www.w3.org/2000/svg"></svg>`, `Diagram of etl. <span class="hint">Click a node`, `<a href="../diagrams/etl.svg">SVG</a>`},
			[]string{"<img", "mermaid", "<p><figure"}},
		{"tables", "| a | b |\n| :-- | --: |\n| 1 | 2 |",
			[]string{`<th align="left">a</th>`, `<td align="right">2</td>`}, []string{"style"}},
		{"code", "```sh\nfluxly etl --x '<b>'\n```",
			[]string{`<pre><code class="language-sh">fluxly etl --x '&lt;b&gt;'`}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := render(newMarkdown(), []byte(tc.md), pc)
			if err != nil {
				t.Fatal(err)
			}
			got := string(out)
			for _, s := range tc.has {
				if !strings.Contains(got, s) {
					t.Errorf("output lacks %q:\n%s", s, got)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(got, s) {
					t.Errorf("output contains %q:\n%s", s, got)
				}
			}
		})
	}
}

// The user's pages have their relative links checked: a target that is no
// page or file of the build is broken (with its line); links with a
// fragment are kept for the anchor check; links that are not relative, or
// leave the site, are not checked.
func TestCheckLinks(t *testing.T) {
	pc := &pageCtx{
		path:       "pages/guide/start.md",
		pages:      map[string]bool{"index.md": true, "workflows/etl.md": true, "pages/guide/start.md": true, "pages/faq.md": true},
		paths:      map[string]bool{"pages/guide/shot.png": true, "schemas/etl.html": true, "diagrams/etl.svg": true, "api.html": true, "index.html": true},
		checkLinks: true,
	}
	md := "# Start\n\n" +
		"[ok](../faq.md) [ok](../../workflows/etl.md#node-x) [ok](../../schemas/etl.schema.json) [ok](../../api.html#run)\n" +
		"![ok](shot.png) [ok](https://example.com/x.md) [ok](mailto:a@b.c) [ok](#start) [ok](../../../out.md) [ok](../../)\n\n" +
		"Text [gone](missing.md) and [gone too](../../workflows/nope.md#x).\n\n" +
		"| a |\n| - |\n| ![img](nope.png) |\n\n" +
		"[file](data.csv) [](empty.md)\n"
	if _, _, err := render(newMarkdown(), []byte(md), pc); err != nil {
		t.Fatal(err)
	}
	want := []brokenLink{
		{6, "missing.md", "no page of the pages directory or of the site has this path"},
		{6, "../../workflows/nope.md#x", "no page of the pages directory or of the site has this path"},
		{10, "nope.png", "no image of the pages or file of the site has this path"},
		{12, "data.csv", "no page or file of the site has this path"},
		{12, "empty.md", "no page of the pages directory or of the site has this path"},
	}
	if len(pc.broken) != len(want) {
		t.Fatalf("broken links:\n got %+v\nwant %+v", pc.broken, want)
	}
	for i := range want {
		if pc.broken[i] != want[i] {
			t.Errorf("broken link %d: got %+v, want %+v", i, pc.broken[i], want[i])
		}
	}
	wantAnchors := []anchorLink{
		{3, "../../workflows/etl.md#node-x", "workflows/etl.html", "node-x"},
		{3, "../../api.html#run", "api.html", "run"},
		{4, "#start", "pages/guide/start.html", "start"},
	}
	if len(pc.anchors) != len(wantAnchors) {
		t.Fatalf("anchors:\n got %+v\nwant %+v", pc.anchors, wantAnchors)
	}
	for i := range wantAnchors {
		if pc.anchors[i] != wantAnchors[i] {
			t.Errorf("anchor %d: got %+v, want %+v", i, pc.anchors[i], wantAnchors[i])
		}
	}
}
