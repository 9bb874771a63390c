package site

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/introspect"
)

// The search index is built with the site: a list of documents (every
// workflow, node, input field — the common ones once —, user page and its
// sections, and API operation) and an inverted index from stemmed terms to
// the documents and the field they occur in. assets/site.js matches a
// query against the sorted terms: exactly, by prefix, and within one or two
// edits (typos), and ranks names before other words, workflows and nodes
// before fields. It is written twice: as JSON for tools, and as a script
// assigning window.fluxlySearchIndex, which the search box loads with a
// <script> element because browsers refuse to fetch() files from file://.
//
// A library such as MiniSearch (about 25 KB minified) would build its index
// in the browser on every page load, or need its serialisation format
// reproduced here; this index and its matcher (a few KB) are built and
// tested with the site, and the ranking rules are ours.

const (
	searchIndexJSON = "search-index.json"
	searchIndexJS   = "assets/search-index.js"
)

// searchVersion is the version of the index format.
const searchVersion = 2

// Fields a term occurs in, by weight: the tokenizer and site.js agree on
// these numbers.
const (
	fieldText  = 1 // description, page text
	fieldExtra = 2 // flags, env vars, Go type, title, version
	fieldName  = 3 // the name
)

type searchIndex struct {
	Version int           `json:"version"`
	Docs    []searchEntry `json:"docs"`
	// Terms are sorted; Postings[i] lists, for Terms[i], document index
	// and field pairs, by document.
	Terms    []string `json:"terms"`
	Postings [][]int  `json:"postings"`
}

// searchEntry is one result of the search box. Keys are short: the index
// of a large app is loaded on every first search.
type searchEntry struct {
	Kind     string `json:"k"`           // workflow, node, input, page, section, api
	Name     string `json:"n"`           // what the result shows
	Workflow string `json:"w,omitempty"` // the workflow or page it belongs to
	URL      string `json:"u"`           // relative to the site's root
	Text     string `json:"d,omitempty"` // description, shortened
}

// indexer collects documents and their terms.
type indexer struct {
	idx   searchIndex
	terms map[string]map[int]int // term → doc → best field
}

func (ix *indexer) add(e searchEntry, name, extra, text string) {
	doc := len(ix.idx.Docs)
	e.Text = shorten(oneLine(e.Text), 160)
	ix.idx.Docs = append(ix.idx.Docs, e)
	for _, f := range []struct {
		s     string
		field int
	}{{name, fieldName}, {extra, fieldExtra}, {text, fieldText}} {
		for _, t := range searchTerms(f.s, f.field == fieldText) {
			docs := ix.terms[t]
			if docs == nil {
				docs = map[int]int{}
				ix.terms[t] = docs
			}
			docs[doc] = max(docs[doc], f.field)
		}
	}
}

func newSearchIndex(b *builder) *searchIndex {
	ix := &indexer{idx: searchIndex{Version: searchVersion, Docs: []searchEntry{}, Terms: []string{}, Postings: [][]int{}}, terms: map[string]map[int]int{}}
	m := b.m
	commonDone := map[string]bool{}
	commonPage := b.paths["common-inputs.html"]
	for _, w := range m.Workflows {
		page := docgen.WorkflowsDir + "/" + w.Endpoint + ".html"
		extra := []string{}
		if w.Name != w.Endpoint {
			extra = append(extra, w.Name)
		}
		if w.Version != "" {
			extra = append(extra, w.Version)
		}
		ix.add(searchEntry{Kind: "workflow", Name: w.Endpoint, URL: page, Text: w.Description},
			w.Endpoint, strings.Join(extra, " "), w.Description)
		for i := range w.Nodes {
			n := &w.Nodes[i]
			ix.add(searchEntry{Kind: "node", Name: n.Name, Workflow: w.Endpoint, URL: page + "#" + docgen.NodeAnchor(n.Name), Text: n.Description},
				n.Name, shortType(n.GoType)+" "+n.TriggerRule, n.Description+" "+nodeWords(n))
		}
		hidden := hiddenFields(w)
		for i := range w.Input.Fields {
			f := &w.Input.Fields[i]
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
			e := searchEntry{Kind: "input", Name: f.Name, Workflow: w.Endpoint, URL: page + "#" + inputAnchor(f.Name), Text: f.Description}
			if f.Base && commonPage {
				// One result per common field, on the shared page.
				if commonDone[f.Name] {
					continue
				}
				commonDone[f.Name] = true
				e.Workflow, e.URL = "", "common-inputs.html#"+inputAnchor(f.Name)
			}
			ix.add(e, f.Name, strings.Join(extra, " "), f.Description)
		}
	}
	for _, p := range b.pages {
		if p.kind != guidePage {
			continue
		}
		ix.add(searchEntry{Kind: "page", Name: p.title, URL: p.out, Text: firstParagraph(p.src)}, p.title, "", string(p.src))
		for _, t := range p.toc {
			ix.add(searchEntry{Kind: "section", Name: t.Text, Workflow: p.title, URL: p.out + "#" + t.ID}, t.Text, "", "")
		}
	}
	if len(b.o.OpenAPI) > 0 {
		for _, op := range apiOperations(b.o.OpenAPI) {
			ix.add(searchEntry{Kind: "api", Name: op.Method + " " + op.Path, URL: apiPagePath + "#" + op.ID, Text: op.Summary},
				op.Path, op.Method, op.Summary)
		}
	}
	ix.idx.Terms = sortedKeys(ix.terms)
	for _, t := range ix.idx.Terms {
		docs := ix.terms[t]
		ids := make([]int, 0, len(docs))
		for d := range docs {
			ids = append(ids, d)
		}
		slices.Sort(ids)
		post := make([]int, 0, 2*len(ids))
		for _, d := range ids {
			post = append(post, d, docs[d])
		}
		ix.idx.Postings = append(ix.idx.Postings, post)
	}
	return &ix.idx
}

// nodeWords are the words a node's configuration adds to its text: a node
// that retries is found by "retry".
func nodeWords(n *introspect.Node) string {
	var w []string
	if n.MaxRetries > 0 {
		w = append(w, "retries")
	}
	if n.Timeout != "" {
		w = append(w, "timeout")
	}
	if n.ContinueOnFailure {
		w = append(w, "continues on failure")
	}
	if n.TriggerRule != "" {
		w = append(w, "trigger rule")
	}
	return strings.Join(w, " ")
}

// shortType is a Go type without its package path: "etl.Extract".
func shortType(t string) string {
	if i := strings.LastIndexByte(t, '/'); i >= 0 {
		return t[i+1:]
	}
	return t
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

// stopWords are left out of descriptions and page text.
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "by": true, "for": true,
	"from": true, "if": true, "in": true, "is": true, "it": true, "its": true, "of": true, "on": true, "or": true,
	"that": true, "the": true, "them": true, "then": true, "this": true, "to": true, "with": true,
}

// searchTerms splits text into stemmed lowercase terms: runs of letters
// and digits, camelCase split ("ExtractOutput" is "extract output"). Text
// fields drop stop words. site.js's terms() must agree.
func searchTerms(s string, text bool) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			t := string(cur)
			cur = cur[:0]
			if text && stopWords[t] {
				return
			}
			out = append(out, stem(t))
		}
	}
	var prev rune
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && prev != 0 && unicode.IsLower(prev) {
				flush()
			}
			cur = append(cur, unicode.ToLower(r))
		default:
			flush()
		}
		prev = r
	}
	flush()
	return out
}

// stem strips common English endings, so "retries" and "retry",
// "extracts" and "extract" meet. site.js's stem() must agree.
func stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "xes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		w = w[:len(w)-3]
	case strings.HasSuffix(w, "ed") && len(w) > 4:
		w = w[:len(w)-2]
	}
	if strings.HasSuffix(w, "e") && len(w) > 4 {
		w = w[:len(w)-1]
	}
	return w
}

// firstParagraph is the first line of a Markdown page that is not a
// heading, for its result's snippet.
func firstParagraph(src []byte) string {
	for line := range strings.SplitSeq(string(src), "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			return t
		}
	}
	return ""
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func (idx *searchIndex) json() []byte {
	var buf bytes.Buffer
	buf.WriteString("{\n \"version\": " + strconv.Itoa(idx.Version) + ",\n \"docs\": [")
	for i, d := range idx.Docs {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n  ")
		writeJSON(&buf, d)
	}
	buf.WriteString("\n ],\n \"terms\": ")
	writeJSON(&buf, idx.Terms)
	buf.WriteString(",\n \"postings\": ")
	writeJSON(&buf, idx.Postings)
	buf.WriteString("\n}\n")
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

// writeJSON writes v for the standalone search-index.json: text keeps <, >
// and & readable, as in every JSON file the site publishes (the script
// form escapes them).
func writeJSON(buf *bytes.Buffer, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // plain data: cannot fail
	}
	buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// oneLine joins the lines of a description and trims it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
