package cli

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/fieldtext"
	"github.com/fluxly-go/fluxly/introspect"
)

// endpointCommand is an endpoint's kong command: a struct built at run time
// with one field per flag of the model, so user input structs never carry
// kong tags.
type endpointCommand struct {
	e      *endpoint.Endpoint
	target any            // pointer to the built struct
	fields map[string]int // flag name → struct field index
	byFlag map[string]*introspect.Field
}

// Indices of the command's own flags in the built struct.
const (
	ctlInputFile = iota
	ctlResultFile
	ctlLogFormat
	ctlProgress
	ctlCount
)

func newEndpointCommand(e *endpoint.Endpoint, prefix string) *endpointCommand {
	w := e.Model()
	c := &endpointCommand{e: e, fields: map[string]int{}, byFlag: map[string]*introspect.Field{}}
	p := escapeKong(prefix)
	sfs := []reflect.StructField{
		{Name: "InputFile", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`name:"input-file" help:"Read input values from this JSON file (flags and ` + p + `* variables override it). Env: $` + p + `INPUT_FILE." placeholder:"FILE" group:"Run"`)},
		{Name: "ResultFile", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`name:"result-file" help:"Write the final workflow execution here as JSON. Env: $` + p + `RESULT_FILE." placeholder:"PATH" group:"Run"`)},
		{Name: "LogFormat", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`name:"log-format" help:"Log format on stderr. Env: $` + p + `LOG_FORMAT." enum:"text,json" default:"text" group:"Run"`)},
		{Name: "Progress", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`name:"progress" help:"Live per-node progress: auto shows it when stderr is a terminal. Env: $` + p + `PROGRESS." enum:"auto,always,never" default:"auto" group:"Run"`)},
	}
	for i := range w.Input.Fields {
		f := &w.Input.Fields[i]
		if f.Flag == "" {
			continue
		}
		t := flagType(f)
		tag := fmt.Sprintf(`name:%q help:%q placeholder:%q group:%q`, f.Flag, escapeKong(FlagHelp(f)), placeholder(f), group(f))
		if t.Kind() == reflect.Bool {
			tag = fmt.Sprintf(`name:%q help:%q negatable:"" group:%q`, f.Flag, escapeKong(FlagHelp(f)), group(f))
		}
		c.fields[f.Flag] = len(sfs)
		c.byFlag[f.Flag] = f
		sfs = append(sfs, reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: t, Tag: reflect.StructTag(tag)})
	}
	c.target = reflect.New(reflect.StructOf(sfs)).Interface()
	return c
}

func group(f *introspect.Field) string {
	if f.Base {
		return "Common"
	}
	return "Input"
}

// flagType is the Go type kong parses a flag into. Unparsable values are
// usage errors (exit 2); rule violations are left to the validator (84),
// so no enum or bounds here.
func flagType(f *introspect.Field) reflect.Type {
	scalar := func(jsonType, format string) reflect.Type {
		switch {
		case format == "duration":
			return reflect.TypeFor[time.Duration]()
		case jsonType == "boolean":
			return reflect.TypeFor[bool]()
		case jsonType == "integer":
			if strings.Contains(f.GoType, "uint") {
				return reflect.TypeFor[uint64]()
			}
			return reflect.TypeFor[int64]()
		case jsonType == "number":
			return reflect.TypeFor[float64]()
		}
		return reflect.TypeFor[string]()
	}
	if f.JSONType == "array" {
		return reflect.SliceOf(scalar(f.ItemType, f.Format))
	}
	return scalar(f.JSONType, f.Format)
}

func placeholder(f *introspect.Field) string {
	name := func(jsonType, format string) string {
		switch {
		case format == "duration":
			return "DURATION"
		case format == "date-time":
			return "TIME"
		}
		return strings.ToUpper(jsonType)
	}
	if f.JSONType == "array" {
		return name(f.ItemType, f.Format) // kong adds ",..." for lists
	}
	return name(f.JSONType, f.Format)
}

// FlagHelp is the help text of a field's flag: its description, then its
// type, default, allowed values, bounds, environment variable and options.
// `--help`, the docs and the consistency tests all read it.
func FlagHelp(f *introspect.Field) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(f.Description))
	if b.Len() > 0 && !strings.HasSuffix(b.String(), ".") {
		b.WriteByte('.')
	}
	add := func(format string, args ...any) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, format, args...)
	}
	typ := fieldtext.Type(f)
	if f.JSONType == "array" {
		typ += " (repeat the flag or separate with commas)"
	}
	add("Type: %s.", typ)
	switch {
	case f.Required:
		add("Required.")
	case f.Default != nil && !f.Secret:
		add("Default: %s.", display(f.Default))
	}
	for _, r := range fieldtext.Rules(f) {
		text := r.Text
		if len(r.Values) > 0 {
			vals := make([]string, len(r.Values))
			for i, v := range r.Values {
				vals[i] = display(v)
			}
			text = strings.Join(vals, ", ")
		}
		add("%s: %s.", r.Name, text)
	}
	add("Env: $%s.", f.Env)
	if f.Secret {
		add("Secret: never printed.")
	}
	return b.String()
}

// display shows a JSON value the way a user types it: strings bare.
func display(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return `""`
		}
		return s
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) == nil {
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = display(it)
		}
		if len(parts) == 0 {
			return "(none)"
		}
		return strings.Join(parts, ",")
	}
	return string(raw)
}

// escapeKong keeps kong from interpolating ${…} in user text.
func escapeKong(s string) string { return strings.ReplaceAll(s, "$", "$$") }

func endpointHelp(w *introspect.Workflow) string {
	h := w.Description
	if h == "" {
		h = "Run the " + w.Name + " workflow."
	}
	if w.Version != "" {
		h += " (v" + w.Version + ")"
	}
	return escapeKong(h)
}
