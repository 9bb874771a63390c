// Package docgen turns the introspection model into documentation: a
// Markdown page per workflow and an index page, JSON Schema files, Graphviz
// DOT and Mermaid diagrams, and run reports of finished executions. It reads
// only the [introspect.Model] (and, for reports, a [runtime.Result]); every
// function is pure and does no disk IO, so the same model always gives the
// same bytes.
//
// SVG rendering sits behind the small [Renderer] interface. The Graphviz
// implementation lives in package internal/svgrender, the only package that
// links go-graphviz (its package init compiles WebAssembly); binaries that
// only run workflows import docgen, never svgrender.
//
// # Node anchors
//
// Every node has a section on its workflow page whose HTML id is
// [NodeAnchor]: "node-" followed by the name for names made of lowercase
// ASCII letters, digits and single hyphens ("node-extract"), and otherwise
// "node-", a lowercase ASCII slug of the name, "--" and 8 hex digits of the
// name's SHA-256 ("node-a--559aead0" for "A"). The two forms cannot collide
// (simple names never contain "--") and the hash keeps names that slug alike
// apart, so anchors are unique within any workflow.
//
// Node headings read "### Node `extract`". For simple names that heading
// alone yields the anchor both on GitHub and in goldmark with
// parser.WithAutoHeadingID(), because both slug it to "node-extract". Other
// names get an explicit goldmark attribute, "### Node `A` {#node-a--559aead0}":
// sites must parse with parser.WithAutoHeadingID() and
// parser.WithAttribute() to get every id right, while GitHub shows the
// attribute as text and keeps its own id (so links to such nodes are exact
// on the site and approximate on GitHub). Page titles start with
// "Workflow:" or "Run report:" so no other heading can take a node's id.
//
// # Run reports
//
// A run that asks for a report (the auto_generate_md input) writes
// [ReportMarkdown] to md_file_path and [ReportDOT] or [ReportMermaid] to
// diagram_file_path, with [Options.DiagramLink] set to the diagram's path
// relative to the report. Both are plain text, so binaries that only run
// workflows never link go-graphviz; only a program that links
// internal/svgrender can turn the DOT into SVG.
//
// # Escaping
//
// User text (names, descriptions, labels, errors) never reaches the output
// as markup: Markdown text is backslash-escaped (no raw HTML, links,
// emphasis, table pipes or heading attributes can form), code spans use a
// fence longer than any backtick run inside, DOT strings escape quotes and
// backslashes and use generated node ids (n0, n1, …), edge labels
// (HTML-like, for their padding) are text with entities, <br/> and doubled
// backslashes only, and Mermaid labels are quoted with entity codes
// (#quot;, #lt;, …). Control characters and Unicode bidirectional
// overrides are replaced with U+FFFD everywhere; newlines become spaces
// where a line break would change the structure.
package docgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// Options configure the generated documents. The zero value is ready to use.
type Options struct {
	// Command is the program in CLI and environment snippets (default
	// "fluxly"), written as is: "go run ./cmd/acme" works.
	Command string
	// APIBaseURL is the HTTP API's base URL in curl snippets (default
	// "http://127.0.0.1:8000").
	APIBaseURL string
	// Direction is the diagrams' layout: "TB" (top-down, the default) or
	// "LR" (left to right). Any other value means "TB".
	Direction string
	// Theme colours the diagrams: Light (the default) or Dark.
	Theme Theme
	// DiagramLink is the diagram link on a page, relative to the page. An
	// SVG or PNG link is shown as an image, anything else as a plain link.
	// Default: "../diagrams/<endpoint>.svg" on workflow pages (the layout
	// of [Files]) and no link on run reports.
	DiagramLink string
}

// Defaults for Options.
const (
	defaultCommand    = "fluxly"
	defaultAPIBaseURL = "http://127.0.0.1:8000"
)

func (o Options) command() string {
	if strings.TrimSpace(o.Command) == "" {
		return defaultCommand
	}
	return o.Command
}

func (o Options) apiBaseURL() string {
	if strings.TrimSpace(o.APIBaseURL) == "" {
		return defaultAPIBaseURL
	}
	return strings.TrimRight(o.APIBaseURL, "/")
}

func (o Options) rankdir() string {
	if strings.EqualFold(strings.TrimSpace(o.Direction), "LR") {
		return "LR"
	}
	return "TB"
}

// Theme is a colour scheme for diagrams.
type Theme int

// Themes.
const (
	Light Theme = iota
	Dark
)

// String returns "light" or "dark".
func (t Theme) String() string {
	if t == Dark {
		return "dark"
	}
	return "light"
}

// NodeAnchor returns the HTML id of a node's section on its workflow page:
// unique for every distinct name and safe in HTML ids and URL fragments
// (only [a-z0-9-]). See the package documentation for the scheme.
func NodeAnchor(node string) string {
	if simpleName(node) {
		return "node-" + node
	}
	sum := sha256.Sum256([]byte(node))
	h := hex.EncodeToString(sum[:4])
	if s := slug(node); s != "" {
		return "node-" + s + "--" + h
	}
	return "node--" + h
}

// simpleName reports whether name is lowercase ASCII letters and digits in
// runs joined by single hyphens: GitHub and goldmark both slug "Node name"
// to "node-name" exactly.
func simpleName(name string) bool {
	if name == "" || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && name[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// slug lowercases ASCII letters and digits and joins their runs with '-';
// everything else is dropped.
func slug(s string) string {
	var b strings.Builder
	pending := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			if pending && b.Len() > 0 {
				b.WriteByte('-')
			}
			pending = false
			b.WriteByte(c)
		default:
			pending = true
		}
	}
	return b.String()
}

// Renderer renders DOT text to SVG. Package internal/svgrender implements it
// with Graphviz.
type Renderer interface {
	RenderSVG(ctx context.Context, dot []byte) ([]byte, error)
}

// RendererFunc adapts a function to [Renderer].
type RendererFunc func(ctx context.Context, dot []byte) ([]byte, error)

// RenderSVG calls f.
func (f RendererFunc) RenderSVG(ctx context.Context, dot []byte) ([]byte, error) { return f(ctx, dot) }

var _ Renderer = RendererFunc(nil)

// File is one generated file: a slash-separated path relative to the
// output directory, and its contents.
type File struct {
	Path string
	Data []byte
}

// Workflow pages, schemas and diagrams live in these directories of the
// output (see [Files]).
const (
	WorkflowsDir = "workflows"
	SchemasDir   = "schemas"
	DiagramsDir  = "diagrams"
)

// WorkflowMarkdown returns the Markdown page of one workflow: summary,
// diagram, nodes in topological order, edges, execution groups, inputs
// (the common ones linked on the shared page of [Files]), configuration
// and ready-to-paste CLI, environment and curl invocations.
func WorkflowMarkdown(w *introspect.Workflow, o Options) []byte {
	return renderPage("workflow", newWorkflowView(w, o, commonPolicy{link: "../" + commonInputsPage}), pageSize(w))
}

// IndexMarkdown returns the index page listing every workflow of m, with
// links to the workflow pages of [Files].
func IndexMarkdown(m *introspect.Model, o Options) []byte {
	return renderPage("index", newIndexView(m, o), 1024+256*len(m.Workflows))
}

// DOT returns the workflow's Graphviz diagram: deterministic text, edge
// kinds drawn differently, execution groups as clusters, node tooltips and
// links to the node sections of the workflow page.
func DOT(w *introspect.Workflow, o Options) []byte { return dot(w, o, nil) }

// Mermaid returns the workflow's diagram as a Mermaid flowchart, which
// GitHub renders natively, laid out along Options.Direction (top-down by
// default) like [DOT]; the pages and the .mmd files of [Files] use the same.
func Mermaid(w *introspect.Workflow, o Options) []byte { return mermaid(w, o, nil) }

// ReportMarkdown returns the run report of a finished run of w: the
// outcome, per-node status, attempts, durations and errors, the diagram
// coloured by status, then the workflow page. Input values are not part of
// a Result and are never shown.
func ReportMarkdown(w *introspect.Workflow, res *runtime.Result, o Options) []byte {
	return renderPage("report", newReportView(w, res, o), 2*pageSize(w))
}

// ReportDOT returns the workflow's diagram with every node coloured by its
// final state in the last workflow attempt (completed, failed, timed out,
// skipped, not reached), plus a legend.
func ReportDOT(w *introspect.Workflow, res *runtime.Result, o Options) []byte {
	return dot(w, o, newRunState(w, res))
}

// ReportMermaid is [ReportDOT] as a Mermaid flowchart.
func ReportMermaid(w *introspect.Workflow, res *runtime.Result, o Options) []byte {
	return mermaid(w, o, newRunState(w, res))
}

// Files generates the documentation of every workflow of m, sorted by path:
//
//	index.md                           IndexMarkdown
//	common-inputs.md                   the common inputs every workflow takes (when any workflow documents them)
//	model.json                         m.JSON()
//	workflows/<endpoint>.md            WorkflowMarkdown
//	schemas/<endpoint>.schema.json     the input's JSON Schema
//	diagrams/<endpoint>.dot            DOT
//	diagrams/<endpoint>.mmd            Mermaid
//	diagrams/<endpoint>.svg            r's rendering of the DOT (only when r is not nil)
//
// Workflows are generated in parallel; the result does not depend on it.
// Each page links its own diagram (o.DiagramLink is not used): the SVG, or
// without a renderer the DOT file. Workflow pages link the common inputs'
// page, and also show a workflow's own table of them when it differs from
// the shared one (a model decoded from JSON may say anything).
// A workflow without a JSON Schema (one decoded from model JSON rather
// than built by introspect.Describe) is an error.
func Files(ctx context.Context, m *introspect.Model, r Renderer, o Options) ([]File, error) {
	return files(ctx, m, r, o)
}
