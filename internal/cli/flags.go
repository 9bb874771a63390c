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
	ctl    map[string]int // the command's own flags (runFlagDefs) → struct field index
}

// The run command's own flags, after the input's: their names, help
// and kong tags. Their environment variables are the app settings
// <PREFIX><NAME> (FLUXLY_INPUT_FILE, …).
var runFlagDefs = []struct{ name, field, help, tags string }{
	{"input-file", "InputFile", "Read input values from this JSON file (flags and environment variables override it).", `placeholder:"FILE"`},
	{"result-file", "ResultFile", "Write the final workflow execution here as JSON; - writes it to stdout.", `placeholder:"PATH"`},
	{"log-format", "LogFormat", "Log format on stderr. One of: text, json.", `enum:"text,json" default:"text"`},
	{"log-level", "LogLevel", "Least severe log level shown. One of: debug, info, warn, error.", `enum:"debug,info,warn,error" default:"info"`},
	{"progress", "Progress", "Live per-node progress: auto shows it when stderr is a terminal. One of: auto, always, never.", `enum:"auto,always,never" default:"auto"`},
	{"data-dir", "DataDir", "Directory of the run store (cli.db) recording every run for runs list, show and resume; off records nothing. Default: the user's state directory (~/.local/state/fluxly/<app>).", `placeholder:"DIR"`},
}

func newEndpointCommand(e *endpoint.Endpoint, prefix string) *endpointCommand {
	w := e.Model()
	c := &endpointCommand{e: e, fields: map[string]int{}, byFlag: map[string]*introspect.Field{}, ctl: map[string]int{}}
	// The user's own inputs come first in --help, then the common ones,
	// then the run command's flags (kong lists groups as they appear).
	var sfs []reflect.StructField
	for _, base := range []bool{false, true} {
		for i := range w.Input.Fields {
			f := &w.Input.Fields[i]
			if f.Flag == "" || f.Base != base {
				continue
			}
			t := flagType(f)
			tag := fmt.Sprintf(`name:%q help:%q placeholder:%q group:%q`, f.Flag, escapeKong(FlagHelp(f)), placeholder(f), group(f))
			if len(f.Enum) > 0 {
				// Completion offers the allowed values (see completion.go);
				// the validator, not kong, enforces them (exit 84).
				tag += fmt.Sprintf(` predictor:%q`, enumPredictor(f))
			}
			if t.Kind() == reflect.Bool {
				tag = fmt.Sprintf(`name:%q help:%q negatable:"" group:%q`, f.Flag, escapeKong(FlagHelp(f)), group(f))
			}
			c.fields[f.Flag] = len(sfs)
			c.byFlag[f.Flag] = f
			sfs = append(sfs, reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: t, Tag: reflect.StructTag(tag)})
		}
	}
	for _, d := range runFlagDefs {
		env := prefix + strings.ToUpper(strings.ReplaceAll(d.name, "-", "_"))
		tag := fmt.Sprintf(`name:%q help:%q %s group:"Run options"`, d.name, escapeKong(d.help+" "+envNote(env)), d.tags)
		c.ctl[d.name] = len(sfs)
		sfs = append(sfs, reflect.StructField{Name: d.field, Type: reflect.TypeFor[string](), Tag: reflect.StructTag(tag)})
	}
	c.target = reflect.New(reflect.StructOf(sfs)).Interface()
	return c
}

// envNote is how help names a flag's environment variable, in kong's
// style for tool flags: ($NAME).
func envNote(env string) string { return "($" + env + ")" }

func group(f *introspect.Field) string {
	if f.Base {
		return "Common inputs"
	}
	return "Inputs"
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
	add("%s", envNote(f.Env))
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
