package docgen_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"golang.org/x/net/html"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// tricky are user strings that break naive escaping.
var tricky = []struct{ name, s string }{
	{"script", `<script>alert(1)</script>`},
	{"quotes", `say "hi" and 'bye'`},
	{"pipe", `a | b || c`},
	{"backticks", "one ` two `` three ```"},
	{"brackets", `]] [[x]] [link](javascript:alert(1)) ![img](x.png)`},
	{"newlines", "line one\nline two\r\nline three\n\nparagraph"},
	{"ampersand", `AT&T &amp; &lt;b&gt; &#60; &copy;`},
	{"emoji", "rocket 🚀 family 👨‍👩‍👧 flag 🇫🇷"},
	{"rtl", "שלום עולם and مرحبا بالعالم"},
	{"backslashes", `C:\new\table \N \G \l \" trailing\`},
	{"markdown", `*bold* _it_ ~~gone~~ $x$ # not-heading {#evil .cls}`},
	{"block starts", "- item\n+ item\n1. item\n> quote\n---\n=== \n# h"},
	{"html comment", `<!-- c --> <b onclick="x">b</b> <img src=x onerror=alert(1)>`},
	{"bidi and control", "abc\u202Eevil\u2066x\u0007bell\u0000nul"},
	{"mermaid syntax", `end; click n0 call alert() %% comment ]) --> x`},
	{"xml", "]]> <![CDATA[x]]> &#0; \uFFFE\uFFFF"},
}

// want is the text a reader should see for s on one line: control and bidi
// characters replaced, whitespace collapsed.
func want(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return '\uFFFD'
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// trickyWorkflow puts s everywhere user text can go.
func trickyWorkflow(s string) *introspect.Workflow {
	def, _ := json.Marshal(s)
	return &introspect.Workflow{
		Endpoint: "tricky", Name: s, Description: s, Version: s,
		Input: introspect.Input{GoType: "x.Input", Fields: []introspect.Field{
			{Name: "field", GoType: "string", JSONType: "string", Flag: "field", Env: "FLUXLY_FIELD", Default: def, Description: s,
				Enum: []json.RawMessage{def}, Pattern: s},
		}},
		Nodes: []introspect.Node{
			{Name: s, Description: s, GoType: s, Timeout: "1s",
				Output: &introspect.Output{GoType: s, Fields: []introspect.OutputField{{Name: s, GoType: s, JSONType: "string", Description: s}}}},
			{Name: "b", Description: "plain"},
			{Name: s + " (2)", Description: "a second tricky node"},
		},
		Edges: []introspect.Edge{
			{From: s, To: "b", Kind: runtime.Conditional, Label: s},
			{From: "b", To: s + " (2)", Kind: runtime.OnSuccess, Label: "if completed"},
		},
		Groups: []introspect.Group{{Nodes: []string{s, "b"}}, {Nodes: []string{s + " (2)"}}},
	}
}

// renderHTML renders Markdown the way the site does: GFM, auto heading ids
// and heading attributes, no raw HTML.
func renderHTML(t *testing.T, md []byte) *html.Node {
	t.Helper()
	gm := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID(), parser.WithAttribute()),
	)
	var buf bytes.Buffer
	if err := gm.Convert(md, &buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("raw HTML omitted")) {
		t.Errorf("the Markdown contains raw HTML:\n%s", buf.Bytes())
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// checkHTML asserts what any rendered page must satisfy: only the elements
// Markdown makes, no scripts or event handlers, every in-page link resolves,
// every id unique.
func checkHTML(t *testing.T, doc *html.Node) {
	t.Helper()
	allowed := map[string]bool{"html": true, "head": true, "body": true, "h1": true, "h2": true, "h3": true, "p": true,
		"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "code": true, "pre": true,
		"a": true, "img": true, "em": true, "strong": true, "hr": true}
	ids := map[string]int{}
	var links []string
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if !allowed[n.Data] {
			t.Errorf("unexpected <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") || (a.Key == "href" || a.Key == "src") && strings.Contains(strings.ToLower(a.Val), "javascript:") {
				t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
			}
		}
		if id := attrOf(n, "id"); id != "" {
			ids[id]++
		}
		if href := attrOf(n, "href"); strings.HasPrefix(href, "#") {
			links = append(links, href[1:])
		}
	})
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q appears %d times", id, n)
		}
	}
	for _, l := range links {
		if ids[l] == 0 {
			t.Errorf("link #%s points to no id on the page", l)
		}
	}
}

func TestEscapingMarkdown(t *testing.T) {
	for _, tt := range tricky {
		t.Run(tt.name, func(t *testing.T) {
			w := trickyWorkflow(tt.s)
			for page, md := range map[string][]byte{
				"workflow": docgen.WorkflowMarkdown(w, docgen.Options{}),
				"report":   docgen.ReportMarkdown(w, nil, docgen.Options{}),
				"index":    docgen.IndexMarkdown(&introspect.Model{Workflows: []*introspect.Workflow{w}}, docgen.Options{}),
			} {
				doc := renderHTML(t, md)
				checkHTML(t, doc)
				var h1 string
				headings := map[string]string{} // id → text
				var cells []string
				walk(doc, func(n *html.Node) {
					switch {
					case n.Type != html.ElementNode:
					case n.Data == "h1":
						h1 = textOf(n)
					case n.Data == "h3":
						headings[attrOf(n, "id")] = textOf(n)
					case n.Data == "td":
						cells = append(cells, textOf(n))
					}
				})
				wantTitle := map[string]string{"workflow": "Workflow: ", "report": "Run report: ", "index": ""}[page] + want(tt.s)
				if page == "index" {
					wantTitle = "Workflows"
				}
				if h1 != wantTitle {
					t.Errorf("%s: title %q, want %q", page, h1, wantTitle)
				}
				if !containsString(cells, want(tt.s)) {
					t.Errorf("%s: no table cell reads %q; cells: %q", page, want(tt.s), cells)
				}
				if page == "index" {
					continue
				}
				for _, n := range w.Nodes {
					if got, ok := headings[docgen.NodeAnchor(n.Name)]; !ok || got != "Node "+want(n.Name) {
						t.Errorf("%s: heading #%s = %q, want %q (headings %q)", page, docgen.NodeAnchor(n.Name), got, "Node "+want(n.Name), headings)
					}
				}
			}
		})
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Every node heading of every example gets exactly its NodeAnchor id in
// goldmark, and every link on every page resolves.
func TestAnchorsInGoldmark(t *testing.T) {
	m := examplesModel(t)
	m.Workflows = append(m.Workflows, sinkWorkflow(t))
	for _, w := range m.Workflows {
		t.Run(w.Endpoint, func(t *testing.T) {
			doc := renderHTML(t, docgen.WorkflowMarkdown(w, docgen.Options{}))
			checkHTML(t, doc)
			ids := map[string]bool{}
			walk(doc, func(n *html.Node) {
				if n.Type == html.ElementNode && n.Data == "h3" {
					ids[attrOf(n, "id")] = true
				}
			})
			for _, n := range w.Nodes {
				if !ids[docgen.NodeAnchor(n.Name)] {
					t.Errorf("no heading with id %q for node %q", docgen.NodeAnchor(n.Name), n.Name)
				}
			}
		})
	}
}

var (
	dotAttr      = regexp.MustCompile(`\b(label|tooltip)="((?:[^"\\]|\\.)*)"`)
	edgeLabel    = regexp.MustCompile(`-> n[0-9]+ \[[^\n]*\blabel=<<table [^>]*><tr><td>([^<>]*(?:<br/>[^<>]*)*)</td></tr></table>>`)
	mermaidLabel = regexp.MustCompile(`"([^"]*)"`)
	entityCode   = regexp.MustCompile(`#[a-z0-9]+;`)
)

// unDOT decodes a DOT label as Graphviz shows it.
func unDOT(s string, tooltip bool) string {
	if tooltip {
		s = strings.ReplaceAll(s, `\\\\`, "\x00")
	} else {
		s = strings.ReplaceAll(s, `\\`, "\x00")
	}
	s = strings.NewReplacer(`\"`, `"`, `\n`, "\n", "&amp;", "&").Replace(s)
	return strings.ReplaceAll(s, "\x00", `\`)
}

func TestEscapingDOT(t *testing.T) {
	for _, tt := range tricky {
		t.Run(tt.name, func(t *testing.T) {
			w := trickyWorkflow(tt.s)
			for name, dot := range map[string][]byte{
				"DOT":       docgen.DOT(w, docgen.Options{}),
				"ReportDOT": docgen.ReportDOT(w, nil, docgen.Options{}),
			} {
				for _, line := range strings.Split(strings.TrimSuffix(string(dot), "\n"), "\n") {
					line = strings.TrimSpace(line)
					if !(strings.HasPrefix(line, "//") || strings.HasSuffix(line, "{") || line == "}" || strings.HasSuffix(line, ";")) {
						t.Errorf("%s: a statement spans lines: %q", name, line)
					}
				}
				var labels []string
				for _, m := range dotAttr.FindAllStringSubmatch(string(dot), -1) {
					labels = append(labels, unDOT(m[2], m[1] == "tooltip"))
				}
				// The conditional edge's label is HTML-like: text, <br/> and
				// doubled backslashes only, which read back as the label.
				// XML forbids U+FFFE and U+FFFF: that label has U+FFFD.
				xmlSafe := strings.NewReplacer("\uFFFE", "\uFFFD", "\uFFFF", "\uFFFD").Replace(cleaned(tt.s))
				if m := edgeLabel.FindStringSubmatch(string(dot)); m != nil {
					got := html.UnescapeString(strings.NewReplacer("<br/>", "\n", `\\`, `\`).Replace(m[1]))
					if got != xmlSafe {
						t.Errorf("%s: the edge label reads %q, want %q", name, got, xmlSafe)
					}
					labels = append(labels, got)
				} else {
					t.Errorf("%s: no edge label of text and <br/> only:\n%s", name, dot)
				}
				if !containsString(labels, cleaned(tt.s)) && !containsString(labels, xmlSafe) {
					t.Errorf("%s: no label reads %q; labels %q", name, cleaned(tt.s), labels)
				}
			}
		})
	}
}

func TestEscapingMermaid(t *testing.T) {
	unMermaid := strings.NewReplacer("#quot;", `"`, "#lt;", "<", "#gt;", ">", "#amp;", "&", "#35;", "#", "#96;", "`", "#124;", "|", "#59;", ";", "#92;", `\`, "<br>", "\n")
	for _, tt := range tricky {
		t.Run(tt.name, func(t *testing.T) {
			w := trickyWorkflow(tt.s)
			for name, mmd := range map[string][]byte{
				"Mermaid":       docgen.Mermaid(w, docgen.Options{}),
				"ReportMermaid": docgen.ReportMermaid(w, nil, docgen.Options{}),
			} {
				lines := strings.Split(strings.TrimSuffix(string(mmd), "\n"), "\n")
				var labels []string
				for _, line := range lines {
					if strings.Count(line, `"`)%2 != 0 {
						t.Errorf("%s: unbalanced quotes: %q", name, line)
					}
					if strings.ContainsAny(entityCode.ReplaceAllString(line, ""), "`;") && !strings.HasPrefix(strings.TrimSpace(line), "%%") {
						t.Errorf("%s: raw backtick or semicolon: %q", name, line)
					}
					for _, m := range mermaidLabel.FindAllStringSubmatch(line, -1) {
						labels = append(labels, strings.SplitN(unMermaid.Replace(m[1]), "\n", 2)[0])
					}
				}
				if !containsString(labels, want(tt.s)) {
					t.Errorf("%s: no label reads %q; labels %q", name, want(tt.s), labels)
				}
				if strings.Count(string(mmd), "\n") != len(lines) {
					t.Errorf("%s: stray line breaks", name)
				}
			}
		})
	}
}

// Shell snippets survive any default value: the quoted word reads back as
// the value in a POSIX shell.
func TestEscapingSnippets(t *testing.T) {
	for _, tt := range tricky {
		t.Run(tt.name, func(t *testing.T) {
			md := string(docgen.WorkflowMarkdown(trickyWorkflow(tt.s), docgen.Options{}))
			_, after, _ := strings.Cut(md, "## Run it")
			quoted := "'" + strings.ReplaceAll(cleaned(tt.s), "'", `'\''`) + "'"
			equals := "'" + strings.ReplaceAll("--field="+cleaned(tt.s), "'", `'\''`) + "'"
			if !strings.Contains(after, "--field "+quoted) && !strings.Contains(after, "--field "+cleaned(tt.s)) && !strings.Contains(after, equals) {
				t.Errorf("the CLI snippet lacks --field %s:\n%s", quoted, after)
			}
		})
	}
}

// cleaned is s as multi-line outputs (DOT labels, shell words) carry it:
// control and bidi characters replaced, CRLF and CR as LF, tabs as spaces.
func cleaned(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r == '\r':
			return '\n'
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return '\uFFFD'
		}
		return r
	}, s)
}
