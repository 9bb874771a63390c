package site

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/introspect"
)

// The search index lists every workflow, node and documented input field
// with the page section it lives in. It is written twice: as JSON for
// tools, and as a script assigning window.fluxlySearchIndex, which the
// search box loads with a <script> element because browsers refuse to
// fetch() files from file://.

const (
	searchIndexJSON = "search-index.json"
	searchIndexJS   = "assets/search-index.js"
)

// Section ids of docgen's workflow page (goldmark's automatic heading ids).
const (
	ownInputsID    = "workflow-inputs"
	commonInputsID = "common-inputs"
)

type searchIndex struct {
	Version int           `json:"version"`
	Entries []searchEntry `json:"entries"`
}

// searchEntry is one hit of the search box. Keys are short: the index of a
// large app is loaded on every first search.
type searchEntry struct {
	Kind     string `json:"k"`           // workflow, node or input
	Name     string `json:"n"`           // what the result shows
	Workflow string `json:"w"`           // the endpoint it belongs to
	URL      string `json:"u"`           // relative to the site's root
	Text     string `json:"d,omitempty"` // description
	Extra    string `json:"x,omitempty"` // other words that find it: title, flag, env var, Go type
}

func newSearchIndex(m *introspect.Model) *searchIndex {
	idx := &searchIndex{Version: 1, Entries: []searchEntry{}}
	for _, w := range m.Workflows {
		page := docgen.WorkflowsDir + "/" + w.Endpoint + ".html"
		extra := []string{}
		if w.Name != w.Endpoint {
			extra = append(extra, w.Name)
		}
		if w.Version != "" {
			extra = append(extra, w.Version)
		}
		idx.Entries = append(idx.Entries, searchEntry{
			Kind: "workflow", Name: w.Endpoint, Workflow: w.Endpoint, URL: page,
			Text: oneLine(w.Description), Extra: strings.Join(extra, " "),
		})
		for _, n := range w.Nodes {
			idx.Entries = append(idx.Entries, searchEntry{
				Kind: "node", Name: n.Name, Workflow: w.Endpoint, URL: page + "#" + docgen.NodeAnchor(n.Name),
				Text: oneLine(n.Description), Extra: n.GoType,
			})
		}
		hidden := hiddenFields(w)
		for i, f := range w.Input.Fields {
			if hidden[i] {
				continue
			}
			var extra []string
			if f.Flag != "" && !f.NoCLI {
				extra = append(extra, "--"+f.Flag)
			}
			if f.Env != "" {
				extra = append(extra, f.Env)
			}
			section := ownInputsID
			if f.Base {
				section = commonInputsID
			}
			idx.Entries = append(idx.Entries, searchEntry{
				Kind: "input", Name: f.Name, Workflow: w.Endpoint, URL: page + "#" + section,
				Text: oneLine(f.Description), Extra: strings.Join(extra, " "),
			})
		}
	}
	return idx
}

// hiddenFields reports, by field index, the fields left out of the docs:
// marked nodocs themselves or nested in a field that is.
func hiddenFields(w *introspect.Workflow) []bool {
	hidden := make([]bool, len(w.Input.Fields))
	var prefixes []string
	for i, f := range w.Input.Fields {
		for _, p := range prefixes {
			if strings.HasPrefix(f.Name, p) {
				hidden[i] = true
			}
		}
		if f.NoDocs {
			hidden[i] = true
			prefixes = append(prefixes, f.Name+".")
		}
	}
	return hidden
}

func (idx *searchIndex) json() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(idx); err != nil {
		panic(err) // plain data: cannot fail
	}
	return buf.Bytes()
}

// script returns the index as JavaScript. encoding/json escapes <, > and &
// as \u003c…, so no text in it can close a script element or form markup.
func (idx *searchIndex) script() []byte {
	b, err := json.Marshal(idx)
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	return append(append([]byte("window.fluxlySearchIndex = "), b...), ";\n"...)
}

// oneLine joins the lines of a description and trims it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
