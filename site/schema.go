package site

import (
	"bytes"
	"encoding/json"
	"html/template"
	"math"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/introspect"
)

// This file writes a page per published input schema, with an example
// input generated from the schema itself.

var schemaTemplate = template.Must(template.New("schema").Parse(`<h1 id="input-schema">Input schema: {{.Name}}</h1>
<p>The JSON Schema (draft 2020-12) of the <a href="../workflows/{{.Endpoint}}.html">{{.Name}}</a> workflow's input. The command line, the environment trigger, input files and the HTTP API all check input against it.</p>
<p><a href="{{.Endpoint}}.schema.json" download>{{.Endpoint}}.schema.json</a>{{if .ID}} · <code>$id</code> <code>{{.ID}}</code>{{end}}</p>
<h2 id="example-input">Example input</h2>
<p>Generated from the schema: the required fields and the workflow's own fields that have a default. It validates against the schema; use it as an input file (<code>--input-file</code>) or as the body of <code>POST /{{.Endpoint}}/run</code>.</p>
<pre><code class="language-json">{{.Example}}</code></pre>
<h2 id="schema">Schema</h2>
<pre><code class="language-json">{{.JSON}}</code></pre>
`))

type schemaView struct {
	Name, Endpoint, ID string
	Example, JSON      string
}

// addSchemaPages adds schemas/<endpoint>.html for every workflow that has
// a schema.
func (b *builder) addSchemaPages() {
	for _, w := range b.m.Workflows {
		if w.Schema == nil {
			continue
		}
		var buf bytes.Buffer
		v := schemaView{Name: w.Name, Endpoint: w.Endpoint, ID: w.Input.SchemaID,
			Example: string(exampleInput(w)), JSON: string(bytes.TrimSpace(w.Schema))}
		if err := schemaTemplate.Execute(&buf, v); err != nil {
			panic("site: schema template: " + err.Error()) // plain strings
		}
		b.pages = append(b.pages, &page{
			out:   docgen.SchemasDir + "/" + w.Endpoint + ".html",
			body:  buf.Bytes(),
			title: w.Endpoint + " input schema",
			kind:  referencePage,
			w:     nil,
			toc:   []tocEntry{{"example-input", "Example input", 2}, {"schema", "Schema", 2}},
		})
	}
}

// exampleInput is an example input for w, generated from its JSON Schema,
// as indented JSON.
func exampleInput(w *introspect.Workflow) []byte {
	var schema any
	dec := json.NewDecoder(bytes.NewReader(w.Schema))
	dec.UseNumber()
	if err := dec.Decode(&schema); err != nil {
		return []byte("{}")
	}
	common := map[string]bool{}
	for _, f := range w.Input.Fields {
		if f.Base {
			common[f.Name] = true
		}
	}
	g := exampleGen{root: schema, skip: common}
	v := g.value(schema, 0, true)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return []byte("{}")
	}
	return bytes.TrimSpace(buf.Bytes())
}

// exampleGen makes example values for schemas.
type exampleGen struct {
	root any
	skip map[string]bool // top-level properties left out unless required
}

// value returns an example of schema s. top is the input object itself.
func (g *exampleGen) value(s any, depth int, top bool) any {
	m, ok := s.(map[string]any)
	if !ok || depth > 16 {
		return nil
	}
	if ref, ok := m["$ref"].(string); ok {
		return g.value(g.resolve(ref), depth+1, top)
	}
	for _, k := range []string{"default", "const"} {
		if v, ok := m[k]; ok {
			return v
		}
	}
	for _, k := range []string{"examples", "enum"} {
		if l, ok := m[k].([]any); ok && len(l) > 0 {
			return l[0]
		}
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		if l, ok := m[k].([]any); ok {
			for _, alt := range l {
				if am, ok := alt.(map[string]any); ok && am["type"] != "null" {
					return g.value(alt, depth+1, top)
				}
			}
		}
	}
	switch schemaType(m) {
	case "object":
		out := map[string]any{}
		props, _ := m["properties"].(map[string]any)
		required := map[string]bool{}
		if l, ok := m["required"].([]any); ok {
			for _, r := range l {
				if name, ok := r.(string); ok {
					required[name] = true
				}
			}
		}
		for _, name := range sortedKeys(props) {
			p, _ := props[name].(map[string]any)
			_, hasDefault := p["default"]
			switch {
			case required[name] || (hasDefault && !(top && g.skip[name])):
				out[name] = g.value(p, depth+1, false)
			case !(top && g.skip[name]):
				// An optional object shows its own required and
				// defaulted fields.
				if v, ok := g.value(p, depth+1, false).(map[string]any); ok && len(v) > 0 {
					out[name] = v
				}
			}
		}
		return out
	case "array":
		n := 0
		if v, ok := number(m["minItems"]); ok {
			n = int(v)
		}
		items := make([]any, 0, n)
		for range n {
			items = append(items, g.value(m["items"], depth+1, false))
		}
		return items
	case "string":
		return exampleString(m)
	case "integer", "number":
		return exampleNumber(m, schemaType(m) == "integer")
	case "boolean":
		return false
	}
	return nil
}

// resolve follows a local reference ("#/$defs/X").
func (g *exampleGen) resolve(ref string) any {
	p, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	cur := g.root
	for part := range strings.SplitSeq(strings.TrimPrefix(p, "/"), "/") {
		if part == "" {
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
	}
	return cur
}

// schemaType is the first non-null type a schema names.
func schemaType(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s != "null" {
				return s
			}
		}
	}
	if _, ok := m["properties"]; ok {
		return "object"
	}
	return ""
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// patternTries are strings tried against a pattern, in order.
var patternTries = []string{"example", "EXAMPLE", "US", "ab", "AB", "a", "A", "1", "0", "x1", "abc-123",
	"2025-01-01", "12:00", "user@example.com", "https://example.com", "a_b", "A1"}

func exampleString(m map[string]any) any {
	format, _ := m["format"].(string)
	switch format {
	case "date-time":
		return "2025-01-01T00:00:00Z"
	case "duration":
		return "1s"
	case "email":
		return "user@example.com"
	case "uri":
		return "https://example.com"
	}
	minLen, _ := number(m["minLength"])
	maxLen, hasMax := number(m["maxLength"])
	fits := func(s string) bool {
		n := float64(len([]rune(s)))
		return n >= minLen && (!hasMax || n <= maxLen)
	}
	if pat, ok := m["pattern"].(string); ok {
		if re, err := regexp.Compile(pat); err == nil {
			for _, s := range patternTries {
				if re.MatchString(s) && fits(s) {
					return s
				}
			}
			if s, ok := matching(pat); ok && re.MatchString(s) && fits(s) {
				return s
			}
		}
	}
	s := "example"
	if hasMax && float64(len(s)) > maxLen {
		s = s[:int(maxLen)]
	}
	for float64(len(s)) < minLen {
		s += "x"
	}
	return s
}

func exampleNumber(m map[string]any, integer bool) any {
	v := 1.0
	lo, hasLo := number(m["minimum"])
	if x, ok := number(m["exclusiveMinimum"]); ok && (!hasLo || x >= lo) {
		lo, hasLo = x+1, true
		if !integer {
			lo = x + 0.5
		}
	}
	hi, hasHi := number(m["maximum"])
	if x, ok := number(m["exclusiveMaximum"]); ok && (!hasHi || x <= hi) {
		hi, hasHi = x-1, true
		if !integer {
			hi = x - 0.5
		}
	}
	if hasLo && v < lo {
		v = lo
	}
	if hasHi && v > hi {
		v = hi
	}
	if integer {
		v = math.Ceil(v)
		return json.Number(strings.TrimSuffix(strings.TrimSuffix(jsonFloat(v), ".0"), "e+00"))
	}
	return json.Number(jsonFloat(v))
}

func jsonFloat(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// matching returns a short string the pattern matches, made from its
// syntax: literals as written, each class's first character, each
// repetition's minimum, each alternation's first branch. The caller
// checks the result.
func matching(pattern string) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	var gen func(re *syntax.Regexp, depth int) bool
	gen = func(re *syntax.Regexp, depth int) bool {
		if depth > 32 || b.Len() > 256 {
			return false
		}
		switch re.Op {
		case syntax.OpLiteral:
			b.WriteString(string(re.Rune))
		case syntax.OpCharClass:
			if len(re.Rune) == 0 {
				return false
			}
			b.WriteRune(classRune(re.Rune))
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte('a')
		case syntax.OpCapture, syntax.OpPlus:
			return gen(re.Sub[0], depth+1)
		case syntax.OpRepeat:
			for range re.Min {
				if !gen(re.Sub[0], depth+1) {
					return false
				}
			}
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				if !gen(sub, depth+1) {
					return false
				}
			}
		case syntax.OpAlternate:
			return gen(re.Sub[0], depth+1)
		case syntax.OpStar, syntax.OpQuest, syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine,
			syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		default:
			return false
		}
		return true
	}
	if !gen(re, 0) {
		return "", false
	}
	return b.String(), true
}

// classRune picks a character of a class (pairs of inclusive ranges):
// a letter or digit when it has one.
func classRune(ranges []rune) rune {
	for i := 0; i+1 < len(ranges); i += 2 {
		for _, c := range []rune{'a', 'A', '0'} {
			if ranges[i] <= c && c <= ranges[i+1] {
				return c
			}
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i] > ' ' {
			return ranges[i]
		}
	}
	return ranges[0]
}
