package docgen

import (
	"encoding/json"
	"strings"

	"github.com/fluxly-go/fluxly/introspect"
)

// The "Run it" section: ready-to-paste CLI, environment and curl
// invocations with every documented input set to its default.

// snippetField is an input field with the value the snippets give it.
type snippetField struct {
	f       *introspect.Field
	value   any  // decoded JSON (json.Number for numbers)
	example bool // a required field's example value, not a default
}

// snippetFields returns the fields the snippets set, in declaration order:
// the workflow's own fields that are documented, not secret, and have a
// default (or are required, with an example value). It also returns the
// secret fields left out.
func snippetFields(w *introspect.Workflow) (fields []snippetField, secrets []*introspect.Field) {
	noDocs, secret := hiddenFields(w)
	for i := range w.Input.Fields {
		f := &w.Input.Fields[i]
		switch {
		case f.Base || noDocs[i]:
			continue
		case secret[i]:
			if !f.Object {
				secrets = append(secrets, f)
			}
			continue
		case f.Object:
			continue
		}
		if f.Required && f.Default == nil {
			fields = append(fields, snippetField{f: f, value: exampleValue(f), example: true})
			continue
		}
		if f.Default == nil {
			continue
		}
		v, ok := decodeJSON(f.Default)
		if !ok || v == nil {
			continue
		}
		if items, isList := v.([]any); isList && len(items) == 0 {
			continue
		}
		fields = append(fields, snippetField{f: f, value: v})
	}
	return fields, secrets
}

// exampleValue is a value for a required field without a default: its first
// allowed value, its minimum, or a placeholder.
func exampleValue(f *introspect.Field) any {
	if len(f.Enum) > 0 {
		if v, ok := decodeJSON(f.Enum[0]); ok {
			return v
		}
	}
	switch {
	case f.JSONType == "array":
		return []any{}
	case f.JSONType == "object":
		return map[string]any{}
	case f.JSONType == "boolean":
		return false
	case f.JSONType == "integer" || f.JSONType == "number":
		if f.Minimum != "" {
			return f.Minimum
		}
		return json.Number("0")
	case f.Format == "duration":
		return "1s"
	case f.Format == "date-time":
		return "2025-01-01T00:00:00Z"
	}
	return "<" + f.Name + ">"
}

// scalarText is a value as typed on a command line or in a variable.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return encodeJSON(v)
}

// envText is a value as an environment variable holds it: lists of scalars
// comma-separated (JSON when an item holds a comma), objects as JSON.
func envText(f *introspect.Field, v any) string {
	items, ok := v.([]any)
	if !ok {
		return scalarText(v)
	}
	parts := make([]string, len(items))
	for i, it := range items {
		switch it.(type) {
		case map[string]any, []any:
			return encodeJSON(v)
		}
		parts[i] = scalarText(it)
		if strings.Contains(parts[i], ",") {
			return encodeJSON(v)
		}
	}
	return strings.Join(parts, ",")
}

func newRunView(w *introspect.Workflow, o Options) runView {
	fields, secrets := snippetFields(w)
	cmd := o.command()
	var rv runView

	var notes []string
	var examples []string
	for _, sf := range fields {
		if sf.example {
			examples = append(examples, mdCode(sf.f.Name))
		}
	}
	notes = append(notes, "Every input below is set to its default; change what you need and drop the rest.")
	if len(examples) > 0 {
		notes = append(notes, "Required without a default, so shown with an example value: "+strings.Join(examples, ", ")+".")
	}
	if len(secrets) > 0 {
		names := make([]string, len(secrets))
		for i, f := range secrets {
			names[i] = mdCode(f.Name) + " (" + mdCode(f.Env) + ")"
		}
		notes = append(notes, "Secret inputs are left out; pass them through the environment or the request body: "+strings.Join(names, ", ")+".")
	}
	rv.Notes = notes

	// Command line.
	groups := [][]string{{cmd, shellWord(w.Endpoint)}}
	for _, sf := range fields {
		f := sf.f
		if f.Flag == "" {
			continue
		}
		switch v := sf.value.(type) {
		case bool:
			if v {
				groups = append(groups, []string{"--" + f.Flag})
			} else {
				groups = append(groups, []string{"--no-" + f.Flag})
			}
		case []any:
			for _, it := range v {
				groups = append(groups, flagWords(f.Flag, scalarText(it)))
			}
		default:
			groups = append(groups, flagWords(f.Flag, scalarText(v)))
		}
	}
	rv.Snippets = append(rv.Snippets, newSnippet("Command line", "", shellLines(groups), ""))

	// Environment trigger.
	groups = [][]string{{"FLUXLY_ENDPOINT=" + shellWord(w.Endpoint)}}
	for _, sf := range fields {
		if sf.f.Env != "" {
			groups = append(groups, []string{sf.f.Env + "=" + shellWord(envText(sf.f, sf.value))})
		}
	}
	groups = append(groups, []string{cmd})
	rv.Snippets = append(rv.Snippets, newSnippet("Environment",
		"With no arguments and `FLUXLY_ENDPOINT` set, the program runs that endpoint from `FLUXLY_*` variables alone (containers, schedulers):",
		shellLines(groups), ""))

	// HTTP API.
	base := o.apiBaseURL()
	body := jsonBody(fields)
	curl := shellLines([][]string{
		{"curl", "-sS", "-X", "POST", shellWord(base + "/" + w.Endpoint + "/run")},
		{"-H", shellWord("Content-Type: application/json")},
		{"-d", shellWord(body)},
	})
	poll := shellLines([][]string{{"curl", "-sS", shellWord(base+"/"+w.Endpoint+"/runs/") + "RUN_ID"}})
	rv.Snippets = append(rv.Snippets, newSnippet("HTTP API",
		"Submit a run to the server ("+mdCode(cmd+" serve")+", or the program with no arguments); it answers 202 with the run record:",
		curl, "Then poll the run with the `run_id` it returned:\n\n"+fenced("sh", poll)))
	return rv
}

// flagWords is a flag and its value; a value starting with '-' is joined
// with '=' so it cannot be read as a flag.
func flagWords(flag, value string) []string {
	if strings.HasPrefix(value, "-") {
		return []string{shellWord("--" + flag + "=" + value)}
	}
	return []string{"--" + flag, shellWord(value)}
}

// shellLines joins words into a command: on one line when it is short,
// otherwise one group per line with backslash continuations.
func shellLines(groups [][]string) string {
	parts := make([]string, len(groups))
	total := 0
	for i, g := range groups {
		parts[i] = strings.Join(g, " ")
		total += len(parts[i]) + 1
	}
	if total <= 80 {
		return strings.Join(parts, " ")
	}
	return strings.Join(parts, " \\\n  ")
}

// jsonBody is the request body: the fields' values nested by path, keys in
// declaration order.
func jsonBody(fields []snippetField) string {
	type object struct {
		keys []string
		vals map[string]any
	}
	root := &object{vals: map[string]any{}}
	for _, sf := range fields {
		obj := root
		parts := strings.Split(sf.f.Name, ".")
		for _, p := range parts[:len(parts)-1] {
			child, ok := obj.vals[p].(*object)
			if !ok {
				child = &object{vals: map[string]any{}}
				obj.keys = append(obj.keys, p)
				obj.vals[p] = child
			}
			obj = child
		}
		last := parts[len(parts)-1]
		if _, dup := obj.vals[last]; !dup {
			obj.keys = append(obj.keys, last)
		}
		obj.vals[last] = sf.value
	}
	var write func(b *strings.Builder, o *object)
	write = func(b *strings.Builder, o *object) {
		b.WriteByte('{')
		for i, k := range o.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(encodeJSON(k))
			b.WriteString(": ")
			if child, ok := o.vals[k].(*object); ok {
				write(b, child)
			} else {
				b.WriteString(encodeJSON(o.vals[k]))
			}
		}
		b.WriteByte('}')
	}
	var b strings.Builder
	write(&b, root)
	return b.String()
}

func newSnippet(title, intro, code, after string) snippet {
	return snippet{Title: title, Intro: intro, Fence: codeFence(code), Code: code, After: after}
}

// fenced returns a fenced code block.
func fenced(lang, code string) string {
	f := codeFence(code)
	return f + lang + "\n" + code + "\n" + f
}
