package describe_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// Creds is embedded: its fields are top-level JSON fields.
type Creds struct {
	PIN int64 `json:"pin" fluxly:"secret"`
}

type Vault struct {
	Code int64 `json:"code" fluxly:"secret"`
	N    int64 `json:"n"`
}

type rangeInput struct {
	runtime.Input
	Creds
	Small int8   `json:"small"`
	Port  uint16 `json:"port"`
	Count uint   `json:"count"`
	Big   int    `json:"big"`
	Many  []int8 `json:"many"`
	Vault Vault  `json:"vault"`
	Huge  uint64 `json:"huge" default:"18446744073709551615"`
	Exact int64  `json:"exact" default:"9007199254740993"`
}

type rangeStep struct {
	runtime.Node[rangeInput, runtime.NoOutput]
}

func (rangeStep) Logic(context.Context, *runtime.Exec[rangeInput, runtime.NoOutput]) error {
	return nil
}

func rangeWorkflow(t *testing.T) (*introspect.Workflow, *describe.Codec) {
	t.Helper()
	return codec(t, ep{Name: "ranges", Build: func() any {
		wf := runtime.NewWorkflow[rangeInput]("ranges")
		runtime.Add(wf, &rangeStep{}, runtime.Name("step"))
		return wf
	}}, describe.Options{})
}

// TestIntegerRanges: sized integers carry their bounds into the schema (so
// the validator names the field and rule), values too big for int64 are
// reported under their JSON path with secrets masked, and whole numbers
// written with an exponent or a fraction decode into integer fields.
func TestIntegerRanges(t *testing.T) {
	w, c := rangeWorkflow(t)
	for name, want := range map[string][2]string{
		"small": {"-128", "127"}, "port": {"0", "65535"}, "count": {"0", ""}, "many": {"-128", "127"}, "big": {"", ""},
	} {
		f := w.Field(name)
		if f == nil {
			t.Fatalf("no field %q", name)
		}
		if string(f.Minimum) != want[0] || string(f.Maximum) != want[1] {
			t.Errorf("%s: bounds [%s, %s], want [%s, %s]", name, f.Minimum, f.Maximum, want[0], want[1])
		}
	}

	rejects := []struct {
		name, doc, field, rule, value string
	}{
		{"int8 above maximum", `{"small":300}`, "small", "maximum", "300"},
		{"uint16 above maximum", `{"port":70000}`, "port", "maximum", "70000"},
		{"negative uint", `{"count":-1}`, "count", "minimum", "-1"},
		{"array item out of range", `{"many":[1,-129]}`, "many[1]", "minimum", "-129"},
		{"embedded secret beyond int64", `{"pin":98765432109876543210}`, "pin", "range", ""},
		{"embedded base field overflow", `{"timeout_seconds":1e400}`, "timeout_seconds", "range", "number 1e400"},
		{"nested secret beyond int64", `{"vault":{"code":99999999999999999999}}`, "vault.code", "range", ""},
		{"nested field beyond int64", `{"vault":{"n":99999999999999999999}}`, "vault.n", "range", "number 99999999999999999999"},
		{"beyond int64 with an exponent", `{"big":1e40}`, "big", "range", "number 1e40"},
		{"a long value is cut", `{"big":` + strings.Repeat("9", 200) + `}`, "big", "range", "number " + strings.Repeat("9", 54) + "..."},
	}
	for _, tt := range rejects {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := c.DecodeNew([]byte(tt.doc))
			var ve *describe.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) != 1 {
				t.Fatalf("want one field error, got %v", err)
			}
			fe := ve.Errors[0]
			if fe.Field != tt.field || fe.Rule != tt.rule || fe.Value != tt.value {
				t.Errorf("got field %q rule %q value %q, want %q %q %q", fe.Field, fe.Rule, fe.Value, tt.field, tt.rule, tt.value)
			}
			if strings.Contains(err.Error(), "98765432109876543210") || (tt.field == "vault.code" && strings.Contains(err.Error(), "9999")) {
				t.Errorf("a secret value leaked: %v", err)
			}
		})
	}

	v, _, err := c.DecodeNew([]byte(`{"big":1e2,"small":-1.0E1,"vault":{"n":2.50e1},"many":[3.0],"timeout_seconds":1.5}`))
	if err != nil {
		t.Fatal(err)
	}
	in := v.(*rangeInput)
	if in.Huge != 18446744073709551615 || in.Exact != 9007199254740993 {
		t.Errorf("64-bit defaults lost precision: huge %d, exact %d", in.Huge, in.Exact)
	}
	if in.Big != 100 || in.Small != -10 || in.Vault.N != 25 || len(in.Many) != 1 || in.Many[0] != 3 || in.TimeoutSeconds != 1.5 {
		t.Errorf("decoded %+v", in)
	}
	if _, _, err := c.DecodeNew([]byte(`{"big":1.5}`)); err == nil || !strings.Contains(err.Error(), "big: ") {
		t.Errorf("1.5 for an int field: %v", err)
	}
}

// TestSchemaBaseURL: a configured base (with or without its trailing
// slash) gives every schema its $id and the model its schema_id.
func TestSchemaBaseURL(t *testing.T) {
	for _, base := range []string{"https://example.com/s/", "https://example.com/s"} {
		m, err := describeAll(exampleEndpoints(), describe.Options{SchemaBaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		w := m.Workflow("echo-msg")
		const want = "https://example.com/s/echo-msg.schema.json"
		if w.Input.SchemaID != want {
			t.Errorf("base %q: schema_id %q, want %q", base, w.Input.SchemaID, want)
		}
		var doc struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(w.Schema, &doc); err != nil || doc.ID != want {
			t.Errorf("base %q: $id %q (%v), want %q", base, doc.ID, err, want)
		}
	}
}
