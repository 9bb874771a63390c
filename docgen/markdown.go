package docgen

import (
	"bytes"
	"embed"
	"encoding/json"
	"path"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/fluxly-go/fluxly/internal/fieldtext"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// The page layouts are text/templates; every value they print is Markdown
// already escaped by the views below, so the templates hold no logic beyond
// layout.

//go:embed templates/*.md.tmpl
var templateFS embed.FS

// pages is parsed on first use, not at package init: run-only binaries link
// docgen for run reports and should not pay for templates they never use.
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("pages").ParseFS(templateFS, "templates/*.md.tmpl"))
})

// renderPage executes a page template; sizeHint saves the buffer's growth.
func renderPage(name string, view any, sizeHint int) []byte {
	var buf bytes.Buffer
	buf.Grow(sizeHint)
	if err := pages().ExecuteTemplate(&buf, name, view); err != nil {
		panic("docgen: template " + name + ": " + err.Error()) // the templates are part of the package
	}
	return buf.Bytes()
}

// pageSize estimates the size of a workflow's page.
func pageSize(w *introspect.Workflow) int {
	return 8192 + 1024*len(w.Input.Fields) + 1024*len(w.Nodes) + 256*len(w.Edges)
}

// row is one line of a two-column table.
type row struct{ Name, Value string }

type workflowView struct {
	Title       string
	Description []string
	Summary     string // one line: endpoint, version, counts, schema link
	Facts       []row
	Inputs      []inputRow // the workflow's own fields
	Common      []inputRow // the base fields every input has
	// CommonLink is the shared common-inputs page, relative to this page,
	// or "" to show the Common table here; CommonNames lists them for the
	// link. ShowCommon shows the table even with a link (the workflow's
	// common inputs differ from the shared page's).
	CommonLink  string
	CommonNames string
	ShowCommon  bool
	Diagram     diagramView
	Nodes       []nodeView
	Edges       []edgeRow
	Groups      []row
	Grouped     bool // the workflow declares execution groups
	Run         runView
}

type inputRow struct {
	Field, Flag, Env, Type, Default, Required, Constraints, Description string
}

type diagramView struct {
	Image   string // Markdown image or link, or ""
	Fence   string
	Mermaid string
	Legend  []string // paragraphs
}

// edgeLegend explains how diagrams draw edges and groups.
const edgeLegend = "Solid arrows are plain edges: the child starts once the parent has finished, whatever its status. " +
	"Dashed arrows are conditional edges, labelled with their condition. " +
	"Dotted green arrows are on-success edges: the parent must finish COMPLETED. " +
	"Dashed boxes are execution groups; a node in several groups is drawn outside them."

// badgeLegend explains the badges under node names, when a diagram has any.
const badgeLegend = "A line under a node's name shows its trigger rule (when it is not the default) " +
	"and \"continues on failure\" for a node whose failure fails no execution group, which also gets a bold border."

type nodeView struct {
	Heading     string // text after "### ", attribute included
	Description []string
	Facts       []row
	Outputs     []outputRow
}

type outputRow struct{ Field, JSONType, GoType, Description string }

type edgeRow struct{ From, To, Kind, Condition string }

type runView struct {
	Notes    []string
	Snippets []snippet
}

type snippet struct {
	Title, Intro, Fence, Code, After string
}

// commonInputsPage is the shared page of the common inputs, at the root
// of [Files]' layout.
const commonInputsPage = "common-inputs.md"

// commonPolicy says how a workflow page shows the common inputs: a link to
// the shared page (link != ""), the table (show), or both.
type commonPolicy struct {
	link string
	show bool
}

func newWorkflowView(w *introspect.Workflow, o Options, cp commonPolicy) *workflowView {
	g := newGraph(w)
	v := &workflowView{
		Title:       mdText(w.Name),
		Description: mdParagraphs(w.Description),
		Grouped:     len(w.Groups) > 0,
	}
	schema := "../" + SchemasDir + "/" + w.Endpoint + ".schema.json"
	v.Facts = workflowFacts(w, schema)
	v.Summary = summaryLine(w, schema)
	v.Inputs, v.Common = inputRows(w)
	v.CommonLink, v.ShowCommon = cp.link, cp.show || cp.link == ""
	if len(v.Common) == 0 {
		v.CommonLink, v.ShowCommon = "", false
	}
	if v.CommonLink != "" {
		v.CommonNames = commonNames(w)
	}
	link := o.DiagramLink
	if link == "" {
		link = "../" + DiagramsDir + "/" + w.Endpoint + ".svg"
	}
	v.Diagram = newDiagramView(w.Name, link, mermaid(w, o, nil), hasBadges(w))
	v.Nodes = nodeViews(w, g)
	v.Edges = edgeRows(w, g)
	for i, grp := range w.Groups {
		names := make([]string, len(grp.Nodes))
		for j, n := range grp.Nodes {
			names[j] = nodeLink(n)
		}
		v.Groups = append(v.Groups, row{strconv.Itoa(i + 1), strings.Join(names, ", ")})
	}
	v.Run = newRunView(w, o)
	return v
}

// summaryLine is the workflow's configuration on one line, under its
// description: what a reader needs before the diagram.
func summaryLine(w *introspect.Workflow, schemaLink string) string {
	parts := []string{"Endpoint " + mdCode(w.Endpoint)}
	if w.Version != "" {
		parts = append(parts, "version "+mdText(w.Version))
	}
	parts = append(parts, plural(len(w.Nodes), "node"), plural(len(w.Edges), "edge"))
	if len(w.Groups) > 0 {
		parts = append(parts, plural(len(w.Groups), "execution group"))
	}
	if schemaLink != "" {
		parts = append(parts, "["+mdText("JSON Schema")+"]("+schemaLink+")")
	}
	return strings.Join(parts, " · ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// commonNames lists the documented common inputs as code spans.
func commonNames(w *introspect.Workflow) string {
	noDocs, _ := hiddenFields(w)
	var names []string
	for i := range w.Input.Fields {
		if f := &w.Input.Fields[i]; f.Base && !noDocs[i] {
			names = append(names, mdCode(f.Name))
		}
	}
	return strings.Join(names, ", ")
}

// hasBadges reports whether any node shows a badge in the diagrams.
func hasBadges(w *introspect.Workflow) bool {
	for i := range w.Nodes {
		if len(nodeBadges(&w.Nodes[i])) > 0 {
			return true
		}
	}
	return false
}

func workflowFacts(w *introspect.Workflow, schemaLink string) []row {
	facts := []row{{"Endpoint", cellCode(w.Endpoint)}}
	if w.Version != "" {
		facts = append(facts, row{"Version", mdText(w.Version)})
	}
	facts = append(facts,
		row{"Nodes", strconv.Itoa(len(w.Nodes))},
		row{"Edges", strconv.Itoa(len(w.Edges))},
	)
	if len(w.Groups) == 0 {
		facts = append(facts, row{"Execution groups", "1 (the default: every node)"})
	} else {
		facts = append(facts, row{"Execution groups", strconv.Itoa(len(w.Groups))})
	}
	if w.MaxConcurrency > 0 {
		facts = append(facts, row{"Max concurrency", strconv.Itoa(w.MaxConcurrency) + " nodes at a time"})
	} else {
		facts = append(facts, row{"Max concurrency", "unlimited"})
	}
	if len(w.Hooks) > 0 {
		facts = append(facts, row{"Workflow hooks", codeList(w.Hooks)})
	}
	if w.Input.GoType != "" {
		facts = append(facts, row{"Input type", cellCode(w.Input.GoType)})
	}
	if schemaLink != "" {
		facts = append(facts, row{"JSON Schema", "[" + mdText(path.Base(schemaLink)) + "](" + schemaLink + ")"})
	}
	if w.Input.SchemaID != "" {
		facts = append(facts, row{"Schema $id", cellCode(w.Input.SchemaID)})
	}
	return facts
}

func codeList(items []string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = cellCode(s)
	}
	return strings.Join(parts, ", ")
}

// hiddenFields returns, by field index, whether a field is left out of the
// docs or is secret, either itself or through a parent object.
func hiddenFields(w *introspect.Workflow) (noDocs, secret []bool) {
	noDocs = make([]bool, len(w.Input.Fields))
	secret = make([]bool, len(w.Input.Fields))
	byPath := make(map[string]int, len(w.Input.Fields))
	for i := range w.Input.Fields {
		f := &w.Input.Fields[i]
		byPath[f.Name] = i
		noDocs[i], secret[i] = f.NoDocs, f.Secret
		for p := f.Name; ; {
			j := strings.LastIndexByte(p, '.')
			if j < 0 {
				break
			}
			p = p[:j]
			if k, ok := byPath[p]; ok {
				noDocs[i] = noDocs[i] || noDocs[k]
				secret[i] = secret[i] || secret[k]
			}
		}
	}
	return noDocs, secret
}

func inputRows(w *introspect.Workflow) (own, common []inputRow) {
	noDocs, secret := hiddenFields(w)
	for i := range w.Input.Fields {
		if noDocs[i] {
			continue
		}
		r := inputRowOf(&w.Input.Fields[i], secret[i])
		if w.Input.Fields[i].Base {
			common = append(common, r)
		} else {
			own = append(own, r)
		}
	}
	return own, common
}

func inputRowOf(f *introspect.Field, secret bool) inputRow {
	r := inputRow{
		Field:       cellCode(f.Name),
		Flag:        "—",
		Env:         "—",
		Type:        typeText(f),
		Default:     "—",
		Required:    "no",
		Constraints: constraintsText(f),
		Description: orDash(mdText(f.Description)),
	}
	switch {
	case f.Flag == "":
	case f.JSONType == "boolean":
		r.Flag = cellCode("--[no-]" + f.Flag)
	case f.JSONType == "array":
		r.Flag = cellCode("--"+f.Flag) + " (repeatable)"
	default:
		r.Flag = cellCode("--" + f.Flag)
	}
	if f.Env != "" && !f.Object {
		r.Env = cellCode(f.Env)
	}
	switch {
	case f.Object:
	case secret:
		r.Default = "*secret*"
	case f.Default != nil:
		r.Default = cellCode(jsonText(f.Default))
	}
	if f.Required {
		r.Required = "yes"
	}
	if r.Constraints == "" {
		r.Constraints = "—"
	}
	return r
}

func typeText(f *introspect.Field) string {
	t := fieldtext.Type(f)
	if f.Optional {
		t += " or null"
	}
	return mdText(t)
}

// constraintsText is the field's rules as fieldtext words them, with
// literal values as code: "one of `"a"`, `"b"`; range 1 to 100".
func constraintsText(f *introspect.Field) string {
	var parts []string
	for _, r := range fieldtext.Rules(f) {
		text := mdText(strings.ToLower(r.Name))
		if r.Text != "" {
			text += " " + mdText(r.Text)
		}
		if len(r.Values) > 0 {
			vals := make([]string, len(r.Values))
			for i, v := range r.Values {
				if r.Name == "Pattern" {
					var p string
					_ = json.Unmarshal(v, &p)
					vals[i] = cellCode(p)
					continue
				}
				vals[i] = cellCode(jsonText(v))
			}
			text += " " + strings.Join(vals, ", ")
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, "; ")
}

// jsonText re-encodes a JSON value compactly without HTML escaping, so
// "<" reads as "<" rather than "\u003c" (the Markdown around it escapes).
func jsonText(raw json.RawMessage) string {
	v, ok := decodeJSON(raw)
	if !ok {
		return string(raw)
	}
	return encodeJSON(v)
}

func decodeJSON(raw json.RawMessage) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

func encodeJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func newDiagramView(name, link string, mmd []byte, badges bool) diagramView {
	d := diagramView{Mermaid: string(mmd), Fence: codeFence(string(mmd)), Legend: []string{edgeLegend}}
	if badges {
		d.Legend = append(d.Legend, badgeLegend)
	}
	if link == "" {
		return d
	}
	switch strings.ToLower(path.Ext(link)) {
	case ".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp":
		d.Image = "![" + mdText("Diagram of "+name) + "](" + linkDest(link) + ")"
	default:
		d.Image = "[" + mdText("Diagram ("+strings.TrimPrefix(path.Ext(link), ".")+")") + "](" + linkDest(link) + ")"
	}
	return d
}

// linkDest writes a link destination: in angle brackets when it holds
// spaces or parentheses, with the characters that would end it escaped.
func linkDest(s string) string {
	s = oneLine(s)
	if !strings.ContainsAny(s, " ()<>\\") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, "<", `\<`, ">", `\>`)
	return "<" + r.Replace(s) + ">"
}

// nodeLink is a link to a node's section.
func nodeLink(name string) string {
	return "[" + cellCode(name) + "](#" + NodeAnchor(name) + ")"
}

// nodeHeading is the text of a node's heading: the goldmark attribute is
// added when the heading alone would not slug to the anchor.
func nodeHeading(name string) string {
	h := "Node " + mdCode(name)
	if !simpleName(name) {
		h += " {#" + NodeAnchor(name) + "}"
	}
	return h
}

func nodeViews(w *introspect.Workflow, g *graph) []nodeView {
	views := make([]nodeView, len(w.Nodes))
	for i := range w.Nodes {
		n := &w.Nodes[i]
		v := &views[i]
		v.Heading = nodeHeading(n.Name)
		v.Description = mdParagraphs(n.Description)
		v.Facts = append(v.Facts, row{"Go type", cellCode(n.GoType)})
		timeout := "none"
		if n.Timeout != "" {
			timeout = mdText(n.Timeout) + " per attempt"
		}
		v.Facts = append(v.Facts,
			row{"Timeout", timeout},
			row{"Retries", mdText(retriesText(n))},
		)
		if len(n.NonRetryable) > 0 {
			v.Facts = append(v.Facts, row{"Not retried on", codeList(n.NonRetryable)})
		}
		if n.TriggerRule != "" {
			v.Facts = append(v.Facts, row{"Trigger rule", cellCode(n.TriggerRule) + ": " + mdText(triggerRuleText(n.TriggerRule))})
		}
		if n.ContinueOnFailure {
			v.Facts = append(v.Facts, row{"On failure", "continues: its failure fails no execution group (the node still shows as failed)"})
		}
		if len(n.Hooks) > 0 {
			v.Facts = append(v.Facts, row{"Hooks", codeList(n.Hooks)})
		}
		v.Facts = append(v.Facts,
			row{"Parents", relatives(w, g.in[i], true, "none: starts first")},
			row{"Children", relatives(w, g.out[i], false, "none")},
		)
		if len(w.Groups) > 0 {
			grp := "none"
			if len(g.groups[i]) > 0 {
				grp = joinInts(g.groups[i])
			}
			v.Facts = append(v.Facts, row{"Execution groups", grp})
		}
		switch {
		case n.Output == nil:
			v.Facts = append(v.Facts, row{"Output", "none"})
		default:
			v.Facts = append(v.Facts, row{"Output", cellCode(n.Output.GoType)})
			for _, f := range n.Output.Fields {
				v.Outputs = append(v.Outputs, outputRow{
					Field: cellCode(f.Name), JSONType: mdText(f.JSONType), GoType: cellCode(f.GoType),
					Description: orDash(mdText(f.Description)),
				})
			}
		}
	}
	return views
}

// relatives lists a node's parents (or children) with the kind of the edge
// to each.
func relatives(w *introspect.Workflow, edges []int, parents bool, none string) string {
	if len(edges) == 0 {
		return none
	}
	parts := make([]string, len(edges))
	for i, ei := range edges {
		e := &w.Edges[ei]
		other := e.To
		if parents {
			other = e.From
		}
		kind := edgeKindText(e.Kind)
		if e.Label != "" && e.Kind != runtime.Plain {
			kind += ": " + e.Label
		}
		parts[i] = nodeLink(other) + " (" + mdText(kind) + ")"
	}
	return strings.Join(parts, ", ")
}

func edgeRows(w *introspect.Workflow, g *graph) []edgeRow {
	rows := make([]edgeRow, 0, len(g.edges))
	for _, ei := range g.edges {
		e := &w.Edges[ei]
		rows = append(rows, edgeRow{
			From: nodeLink(e.From), To: nodeLink(e.To),
			Kind: mdText(edgeKindText(e.Kind)), Condition: orDash(mdText(e.Label)),
		})
	}
	return rows
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

type indexView struct {
	Count     int
	Workflows []indexRow
	Common    bool // Files writes the common inputs' page
}

// commonView is the shared page of the common inputs.
type commonView struct {
	Rows      []inputRow
	Workflows int
}

type indexRow struct {
	Link, Endpoint, Version, Nodes, Description string
}

func newIndexView(m *introspect.Model, _ Options) *indexView {
	v := &indexView{Count: len(m.Workflows)}
	for _, w := range m.Workflows {
		if _, common := inputRows(w); len(common) > 0 {
			v.Common = true
		}
		v.Workflows = append(v.Workflows, indexRow{
			Link:        "[" + mdText(w.Name) + "](" + linkDest(WorkflowsDir+"/"+w.Endpoint+".md") + ")",
			Endpoint:    cellCode(w.Endpoint),
			Version:     orDash(mdText(w.Version)),
			Nodes:       strconv.Itoa(len(w.Nodes)),
			Description: orDash(mdText(w.Description)),
		})
	}
	return v
}
