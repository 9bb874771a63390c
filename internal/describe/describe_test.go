package describe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

func TestGoldenModelAndSchemas(t *testing.T) {
	m := describeExamples(t)
	checkGolden(t, "model.json", m.JSON())
	for _, w := range m.Workflows {
		checkGolden(t, "schemas/"+w.Endpoint+".schema.json", w.Schema)
	}
	// Deterministic: a second description is byte-identical.
	if again := describeExamples(t); !bytes.Equal(again.JSON(), m.JSON()) {
		t.Fatal("model JSON differs between two Describe calls")
	}
}

func TestSchemasAreValid2020_12(t *testing.T) {
	c := jsv.NewCompiler()
	meta, err := c.Compile("https://json-schema.org/draft/2020-12/schema")
	if err != nil {
		t.Fatal(err)
	}
	ws := describeExamples(t).Workflows
	sw, _ := sinkWorkflow(t)
	ws = append(ws, sw)
	for _, w := range ws {
		doc, err := jsv.UnmarshalJSON(bytes.NewReader(w.Schema))
		if err != nil {
			t.Fatalf("%s: %v", w.Endpoint, err)
		}
		if err := meta.Validate(doc); err != nil {
			t.Errorf("%s: schema is not valid against the 2020-12 meta-schema: %v", w.Endpoint, err)
		}
		var s map[string]any
		_ = json.Unmarshal(w.Schema, &s)
		if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" || s["additionalProperties"] != false {
			t.Errorf("%s: $schema = %v, additionalProperties = %v", w.Endpoint, s["$schema"], s["additionalProperties"])
		}
		if want := w.Endpoint + ".schema.json"; s["$id"] != want { // relative without a base URL
			t.Errorf("%s: $id = %v, want %s", w.Endpoint, s["$id"], want)
		}
	}
}

func TestModelContents(t *testing.T) {
	m := describeExamples(t)
	if m.Version != introspect.ModelVersion || len(m.Workflows) != 8 {
		t.Fatalf("version %d, %d workflows", m.Version, len(m.Workflows))
	}
	var eps []string
	for _, w := range m.Workflows {
		eps = append(eps, w.Endpoint)
	}
	if got := strings.Join(eps, " "); got != "branching echo-msg etl fail-with flaky orders producer-consumer slow" {
		t.Fatalf("endpoints not sorted: %s", got)
	}
	echo := m.Workflow("echo-msg")
	msg := echo.Field("message")
	if msg.Flag != "message" || msg.Env != "FLUXLY_MESSAGE" || string(msg.Default) != `"hello"` ||
		msg.Description != "Text to print on every line." || *msg.MaxLength != 200 || msg.Required {
		t.Fatalf("message field: %+v", msg)
	}
	tok := echo.Field("token")
	if !tok.Secret || !tok.NoCLI || tok.Flag != "" || tok.Env != "FLUXLY_TOKEN" {
		t.Fatalf("token field: %+v", tok)
	}
	if f := echo.Field("max_retries"); !f.Base || f.Flag != "max-retries" || f.Minimum != "0" {
		t.Fatalf("base field max_retries: %+v", f)
	}
	if f := m.Workflow("fail-with").Field("status"); !f.Required || f.Default != nil || len(f.Enum) != 16 {
		t.Fatalf("status field: %+v", f)
	}
	etl := m.Workflow("etl")
	var order []string
	for _, n := range etl.Nodes {
		order = append(order, n.Name)
	}
	if got := strings.Join(order, " "); got != "extract transform load audit" {
		t.Fatalf("node order %s", got)
	}
	load := etl.Node("load")
	if load.MaxRetries != 2 || load.RetryDelay != "200ms" || load.Backoff.Factor != 2 || load.Backoff.Max != "2s" || load.Timeout != "30s" ||
		load.GoType != "github.com/fluxly-go/fluxly/examples/etl.Load" || load.Output.Fields[0].Name != "loaded" {
		t.Fatalf("load node: %+v", load)
	}
	if len(etl.Groups) != 2 || strings.Join(etl.Groups[0].Nodes, ",") != "extract,transform,load" {
		t.Fatalf("groups %+v", etl.Groups)
	}
	pc := m.Workflow("producer-consumer")
	if e := pc.Edges[1]; e.Kind != runtime.Conditional || e.Label != "doubled value is over 50" {
		t.Fatalf("conditional edge %+v", e)
	}
	if e := pc.Edges[0]; e.Kind != runtime.OnSuccess || e.Label != "if completed" {
		t.Fatalf("on-success edge %+v", e)
	}
	// Output field description from a doc comment.
	if d := pc.Node("producer").Output.Fields[0].Description; d != "Value is the produced number." {
		t.Fatalf("output description %q", d)
	}
}

func TestSinkFields(t *testing.T) {
	w, _ := sinkWorkflow(t)
	tests := []struct {
		name, flag, env, jsonType, items, format, def string
		optional, noCLI                               bool
	}{
		{"limit", "limit", "FLUXLY_LIMIT", "integer", "", "", "", true, false},
		{"wait", "wait", "FLUXLY_WAIT", "string", "", "duration", `"1m30s"`, false, false},
		{"at", "at", "FLUXLY_AT", "string", "", "date-time", "", false, false},
		{"levels", "levels", "FLUXLY_LEVELS", "array", "integer", "", "[1,2]", false, false},
		{"db.host", "db-host", "FLUXLY_DB_HOST", "string", "", "", `"localhost"`, false, false},
		{"db.port", "db-port", "FLUXLY_DB_PORT", "integer", "", "", "5432", false, false},
		{"labels", "", "FLUXLY_LABELS", "object", "", "", "", false, true},
		{"users", "", "FLUXLY_USERS", "array", "object", "", "", false, true},
		{"raw_key", "raw_key", "FLUXLY_RAW_KEY", "string", "", "", "", false, false},
	}
	for _, tt := range tests {
		f := w.Field(tt.name)
		if f == nil {
			t.Fatalf("no field %s", tt.name)
		}
		got := fmt.Sprint(f.Flag, f.Env, f.JSONType, f.ItemType, f.Format, string(f.Default), f.Optional, f.NoCLI)
		want := fmt.Sprint(tt.flag, tt.env, tt.jsonType, tt.items, tt.format, tt.def, tt.optional, tt.noCLI)
		if got != want {
			t.Errorf("%s: got %s, want %s", tt.name, got, want)
		}
	}
	if f := w.Field("db.host"); f.Description != "Host to connect to." {
		t.Errorf("nested description from comment: %q", f.Description)
	}
	if f := w.Field("db.port"); f.Minimum != "0" {
		t.Errorf("uint16 gets minimum 0: %q", f.Minimum)
	}
	if f := w.Field("raw_key"); !f.NoDocs || !f.KeepUnderscores {
		t.Errorf("raw_key options: %+v", f)
	}
}

func TestSameTypeNameFromTwoPackages(t *testing.T) {
	w, _ := sinkWorkflow(t)
	var s struct {
		Defs       map[string]json.RawMessage `json:"$defs"`
		Properties map[string]struct {
			Ref string `json:"$ref"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(w.Schema, &s); err != nil {
		t.Fatal(err)
	}
	a, b := s.Properties["a"].Ref, s.Properties["b"].Ref
	if a == b || a == "" {
		t.Fatalf("a.Options and b.Options share a definition: %q, %q", a, b)
	}
	for _, ref := range []string{a, b} {
		if _, ok := s.Defs[strings.TrimPrefix(ref, "#/$defs/")]; !ok {
			t.Errorf("%s is not in $defs (%v)", ref, s.Defs)
		}
	}
	if a != "#/$defs/github.com.fluxly-go.fluxly.internal.describe.internal.testinputs.a.Options" {
		t.Errorf("a ref = %s", a)
	}
	// Each definition keeps its own fields: level in a, name in b.
	if !strings.Contains(string(s.Defs[strings.TrimPrefix(a, "#/$defs/")]), `"level"`) ||
		!strings.Contains(string(s.Defs[strings.TrimPrefix(b, "#/$defs/")]), `"name"`) {
		t.Errorf("definitions mixed up: %v", s.Defs)
	}
}

func TestDecode(t *testing.T) {
	w, c := sinkWorkflow(t)
	v, red, err := c.DecodeNew([]byte(`{"name":"x","limit":null,"db":{"port":6000},"levels":[3],"wait":"2s","at":"2026-01-02T03:04:05Z","password":"hunter222"}`))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(v)
	for _, s := range []string{`"name":"x"`, `"limit":null`, `"db":{"host":"localhost","port":6000}`, `"levels":[3]`, `"ratio":0.5`, `"verbose":true`} {
		if !strings.Contains(string(got), s) {
			t.Errorf("decoded input lacks %s: %s", s, got)
		}
	}
	if got := reflect.ValueOf(v).Elem().FieldByName("APIKey").String(); got != "dev-key-123" {
		t.Errorf("a secret's default must still apply: %q", got)
	}
	if f := w.Field("api_key"); f.Default != nil || strings.Contains(string(w.Schema), "dev-key-123") {
		t.Errorf("a secret's default is published: model %s", f.Default)
	}
	if f := w.Field("db"); !f.Object || f.Env != "" {
		t.Errorf("nested struct field: %+v", f)
	}
	if red["password"] != "***" || red["name"] != "x" || red["wait"] != "2s" || red["api_key"] != "***" {
		t.Fatalf("Redact: %v", red)
	}
	if _, _, err := c.DecodeNew([]byte(`{"name":"x","limit":3}`)); err != nil {
		t.Fatalf("limit 3: %v", err)
	}
}

// TestRejects checks that every kind of bad input is refused with the field
// path and the rule named, and nothing panics.
func TestRejects(t *testing.T) {
	_, c := sinkWorkflow(t)
	deep := strings.Repeat(`{"a":`, 64) + "1" + strings.Repeat("}", 64)
	big := `{"name":"x","code":"` + strings.Repeat("A", 10<<20) + `"}`
	tests := []struct {
		name, doc   string
		field, rule string
		value       string
	}{
		{"wrong type", `{"name":"x","ratio":"half"}`, "ratio", "type", `"half"`},
		{"unknown field", `{"name":"x","colour":"red"}`, "colour", "unknown_field", ""},
		{"below minimum", `{"name":"x","limit":0}`, "limit", "minimum", "0"},
		{"above maximum", `{"name":"x","ratio":1.5}`, "ratio", "maximum", "1.5"},
		{"exclusive minimum", `{"name":"x","ratio":0}`, "ratio", "exclusive_minimum", "0"},
		{"not in enum", `{"name":"x","colors":["blue"]}`, "colors[0]", "enum", `"blue"`},
		{"pattern mismatch", `{"name":"x","code":"ab"}`, "code", "pattern", `"ab"`},
		{"missing required", `{}`, "name", "required", ""},
		{"null for a non-pointer", `{"name":null}`, "name", "type", "null"},
		{"string too long", `{"name":"abcdefghijkl"}`, "name", "max_length", ""},
		{"array item of the wrong type", `{"name":"x","levels":[1,"two"]}`, "levels[1]", "type", `"two"`},
		{"too many items", `{"name":"x","levels":[1,2,3,4]}`, "levels", "max_items", ""},
		{"nested field", `{"name":"x","db":{"port":70000}}`, "db.port", "maximum", "70000"},
		{"bad duration", `{"name":"x","wait":"soon"}`, "wait", "pattern", `"soon"`},
		{"bad time", `{"name":"x","at":"yesterday"}`, "at", "format", `"yesterday"`},
		{"secret value hidden", `{"name":"x","password":"short"}`, "password", "min_length", ""},
		{"invalid UTF-8", "{\"name\":\"\xff\"}", "", "utf8", ""},
		{"64-level nesting", deep, "", "max_depth", ""},
		{"10 MB document", big, "", "max_size", ""},
		{"not JSON", `{"name":`, "", "syntax", ""},
		{"not an object", `[1,2]`, "", "type", "[1,2]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _, err := c.DecodeNew([]byte(tt.doc))
			if err == nil {
				t.Fatalf("accepted: %+v", v)
			}
			var ve *describe.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T: %v", err, err)
			}
			var found *describe.FieldError
			for i, fe := range ve.Errors {
				if fe.Field == tt.field && fe.Rule == tt.rule {
					found = &ve.Errors[i]
				}
			}
			if found == nil {
				t.Fatalf("no %s error on %q in:\n%v", tt.rule, tt.field, err)
			}
			if found.Value != tt.value {
				t.Errorf("value = %q, want %q", found.Value, tt.value)
			}
			if tt.field != "" && !strings.Contains(err.Error(), tt.field+": ") {
				t.Errorf("message does not name the field: %v", err)
			}
			if strings.Contains(err.Error(), "short") {
				t.Errorf("a secret value leaked into the message: %v", err)
			}
		})
	}
}

func TestRejectsEveryViolationAtOnce(t *testing.T) {
	_, c := exampleCodec(t, "echo-msg")
	_, _, err := c.DecodeNew([]byte(`{"count":0,"mode":"medium","tags":[1],"extra":1,"message":"","token":5}`))
	want := `invalid input for echo-msg (6 problem(s)):
  count: must be at least 1 (minimum); got 0
  extra: is not a field of this input (unknown_field)
  message: must be at least 1 character(s) long (min_length); got ""
  mode: must be one of "fast", "slow" (enum); got "medium"
  tags[0]: must be string, not number (type); got 1
  token: must be string, not number (type)`
	if err == nil || err.Error() != want {
		t.Fatalf("got\n%v\nwant\n%s", err, want)
	}
}

type badInput struct {
	runtime.Input
	NoTag  string
	Ch     chan int       `json:"ch"`
	Count  int            `json:"count" default:"many"`
	Both   string         `json:"both" default:"x" fluxly:"required"`
	Weird  string         `json:"weird" fluxly:"loud"`
	Bytes  []byte         `json:"bytes"`
	Nested map[int]string `json:"nested"`
}

type badStep struct {
	runtime.Node[badInput, runtime.NoOutput]
}

func (badStep) Logic(context.Context, *runtime.Exec[badInput, runtime.NoOutput]) error { return nil }

func TestDescribeErrors(t *testing.T) {
	good := exampleEndpoints()[0]
	bad := ep{Name: "bad", Build: func() any {
		wf := runtime.NewWorkflow[badInput]("bad")
		runtime.Add(wf, &badStep{}, runtime.Name("s"))
		return wf
	}}
	cyclic := ep{Name: "cyclic", Build: func() any {
		wf := runtime.NewWorkflow[badInput]("cyclic")
		a := runtime.Add(wf, &badStep{}, runtime.Name("a"))
		b := runtime.Add(wf, &badStep{}, runtime.Name("b"))
		wf.AddEdge(a, b)
		wf.AddEdge(b, a)
		return wf
	}}
	_, err := describeAll([]ep{good, good, {Name: "Bad Name"}, bad, cyclic,
		{Name: "nil", Build: func() any { return nil }}}, describe.Options{ReservedFlags: []string{"help"}})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`endpoint "echo-msg" is registered twice`,
		`endpoint "Bad Name": names are 1–63 lowercase letters`,
		"field NoTag has no json tag: add `json:\"no_tag\"`",
		"field ch (chan int): unsupported type",
		`field count: default "many": not an integer that fits int`,
		"field both: a required field cannot have a default",
		`field weird: unknown fluxly tag option "loud"`,
		"field bytes ([]uint8): byte slices are not supported",
		"field nested (map[int]string): unsupported type",
		`endpoint "cyclic": workflow "cyclic": edge "b" → "a" would close a cycle: a → b → a`,
		`endpoint "nil": not a *runtime.Workflow`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q", want)
		}
	}
	// Name collisions and rule-breaking defaults are found once the types are fine.
	for _, tt := range []struct {
		build func() any
		want  string
	}{
		{func() any {
			wf := runtime.NewWorkflow[collideInput]("collide")
			runtime.Add(wf, &collideStep{}, runtime.Name("s"))
			return wf
		}, "fields dup_name and dup-name both map to flag --dup-name"},
		{func() any {
			wf := runtime.NewWorkflow[collideInput]("collide")
			runtime.Add(wf, &collideStep{}, runtime.Name("s"))
			return wf
		}, "field help: flag --help is reserved by the CLI"},
		{func() any {
			wf := runtime.NewWorkflow[smallInput]("small")
			runtime.Add(wf, &smallStep{}, runtime.Name("s"))
			return wf
		}, "default of small breaks its own rule: must be at least 1"},
		{func() any {
			wf := runtime.NewWorkflow[reservedEnvInput]("reserved")
			runtime.Add(wf, &reservedEnvStep{}, runtime.Name("s"))
			return wf
		}, "field endpoint: FLUXLY_ENDPOINT is reserved by the app"},
		{func() any {
			wf := runtime.NewWorkflow[hiddenSecretInput]("hidden")
			runtime.Add(wf, &hiddenSecretStep{}, runtime.Name("s"))
			return wf
		}, "field creds ([]describe_test.cred): describe_test.cred.Password has a fluxly tag, which is not honoured"},
	} {
		_, err := describeAll([]ep{{Name: "x", Build: tt.build}},
			describe.Options{ReservedFlags: []string{"help"}, ReservedEnv: []string{"FLUXLY_ENDPOINT"}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v, want %q", err, tt.want)
		}
	}
}

type collideInput struct {
	runtime.Input
	Dup    string `json:"dup_name"`
	DupToo string `json:"dup-name"`
	Help   string `json:"help"`
}

type collideStep struct {
	runtime.Node[collideInput, runtime.NoOutput]
}

func (collideStep) Logic(context.Context, *runtime.Exec[collideInput, runtime.NoOutput]) error {
	return nil
}

type smallInput struct {
	runtime.Input
	Small int `json:"small" default:"0" jsonschema:"minimum=1"`
}

type smallStep struct {
	runtime.Node[smallInput, runtime.NoOutput]
}

func (smallStep) Logic(context.Context, *runtime.Exec[smallInput, runtime.NoOutput]) error {
	return nil
}

type reservedEnvInput struct {
	runtime.Input
	Endpoint string `json:"endpoint" fluxly:"nocli"`
}

type reservedEnvStep struct {
	runtime.Node[reservedEnvInput, runtime.NoOutput]
}

func (reservedEnvStep) Logic(context.Context, *runtime.Exec[reservedEnvInput, runtime.NoOutput]) error {
	return nil
}

type cred struct {
	User     string `json:"user"`
	Password string `json:"password" fluxly:"secret"`
}

type hiddenSecretInput struct {
	runtime.Input
	Creds []cred `json:"creds"`
}

type hiddenSecretStep struct {
	runtime.Node[hiddenSecretInput, runtime.NoOutput]
}

func (hiddenSecretStep) Logic(context.Context, *runtime.Exec[hiddenSecretInput, runtime.NoOutput]) error {
	return nil
}
