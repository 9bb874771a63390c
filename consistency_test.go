package fluxly_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/cli"
)

var (
	flagStart = regexp.MustCompile(`^\s+--(\[no-\])?([a-z0-9_-]+)(=\S+)?\s{2,}(.*)$`)
	flagCont  = regexp.MustCompile(`^\s{8,}(\S.*)$`)
)

// helpEntries parses kong's help into flag name → its (unwrapped) text.
func helpEntries(help string) map[string]string {
	out := map[string]string{}
	cur := ""
	for _, line := range strings.Split(help, "\n") {
		if m := flagStart.FindStringSubmatch(line); m != nil {
			cur = m[2]
			out[cur] = m[4]
			continue
		}
		if m := flagCont.FindStringSubmatch(line); m != nil && cur != "" {
			out[cur] += " " + m[1]
			continue
		}
		cur = ""
	}
	return out
}

// TestHelpSchemaModelAgree checks, for every field of every example input,
// that --help, the JSON Schema and the model say the same: flag, env var,
// default, enum, required and description.
func TestHelpSchemaModelAgree(t *testing.T) {
	app := fluxly.New(fluxly.Name("fluxly"))
	examples.Register(app)
	m, err := app.Model()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Workflows {
		t.Run(w.Endpoint, func(t *testing.T) {
			o := run(t, app, nil, w.Endpoint, "--help")
			if o.code != 0 {
				t.Fatalf("--help exit %d", o.code)
			}
			help := helpEntries(o.stdout)
			var schema struct {
				Properties map[string]struct {
					Description string            `json:"description"`
					Default     json.RawMessage   `json:"default"`
					Enum        []json.RawMessage `json:"enum"`
					Items       *struct {
						Enum []json.RawMessage `json:"enum"`
					} `json:"items"`
				} `json:"properties"`
				Required []string `json:"required"`
			}
			if err := json.Unmarshal(w.Schema, &schema); err != nil {
				t.Fatal(err)
			}
			for _, f := range w.Input.Fields {
				prop, ok := schema.Properties[f.Name]
				if !ok {
					t.Errorf("%s: not in the schema", f.Name)
					continue
				}
				if want := "FLUXLY_" + strings.ToUpper(f.Name); f.Env != want {
					t.Errorf("%s: env %s, want %s", f.Name, f.Env, want)
				}
				if prop.Description != f.Description {
					t.Errorf("%s: schema description %q, model %q", f.Name, prop.Description, f.Description)
				}
				if compact(prop.Default) != compact(f.Default) {
					t.Errorf("%s: schema default %s, model %s", f.Name, prop.Default, f.Default)
				}
				enum := prop.Enum
				if prop.Items != nil && enum == nil {
					enum = prop.Items.Enum
				}
				if !slices.EqualFunc(enum, f.Enum, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
					t.Errorf("%s: schema enum %s, model %s", f.Name, enum, f.Enum)
				}
				if slices.Contains(schema.Required, f.Name) != f.Required {
					t.Errorf("%s: required in schema %v, model %v", f.Name, !f.Required, f.Required)
				}
				text, onCLI := help[f.Flag]
				if f.Flag == "" || f.NoCLI {
					if onCLI {
						t.Errorf("%s: has no flag in the model but --help lists one", f.Name)
					}
					continue
				}
				if !onCLI {
					t.Errorf("%s: --%s missing from --help", f.Name, f.Flag)
					continue
				}
				if want := cli.FlagHelp(&f); text != want {
					t.Errorf("--%s help\n got %q\nwant %q", f.Flag, text, want)
				}
				for _, must := range []string{f.Description, "($" + f.Env + ")"} {
					if !strings.Contains(text, must) {
						t.Errorf("--%s help lacks %q: %q", f.Flag, must, text)
					}
				}
				// The default as --help must show it, worked out here from
				// the schema rather than by the CLI's own formatting.
				switch {
				case f.Secret && strings.Contains(text, "Default: "):
					t.Errorf("--%s help shows a secret's default: %q", f.Flag, text)
				case prop.Default != nil && !f.Secret && !f.Required:
					if want := "Default: " + helpValue(t, prop.Default) + "."; !strings.Contains(text, want) {
						t.Errorf("--%s help lacks %q: %q", f.Flag, want, text)
					}
				}
				if (f.Required) != strings.Contains(text, "Required.") {
					t.Errorf("--%s help and model disagree on required: %q", f.Flag, text)
				}
				if len(enum) > 0 {
					vals := make([]string, len(enum))
					for i, e := range enum {
						vals[i] = helpValue(t, e)
					}
					if want := "One of: " + strings.Join(vals, ", ") + "."; !strings.Contains(text, want) {
						t.Errorf("--%s help lacks %q: %q", f.Flag, want, text)
					}
				}
			}
		})
	}
}

// helpValue is how --help writes a JSON value: strings bare ("" when
// empty), lists comma-separated ("(none)" when empty), anything else as JSON.
func helpValue(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("bad JSON value %s: %v", raw, err)
	}
	switch x := v.(type) {
	case string:
		if x == "" {
			return `""`
		}
		return x
	case []any:
		if len(x) == 0 {
			return "(none)"
		}
		parts := make([]string, len(x))
		for i, it := range x {
			b, _ := json.Marshal(it)
			parts[i] = helpValue(t, b)
		}
		return strings.Join(parts, ",")
	}
	return string(raw)
}

// compact is a JSON value without insignificant white space.
func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}
