package describe_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/internal/describe"
)

// Without a base URL, $id and schema_id are relative: <endpoint>.schema.json.
func TestRelativeSchemaIDs(t *testing.T) {
	for _, w := range describeExamples(t).Workflows {
		want := w.Endpoint + ".schema.json"
		if w.Input.SchemaID != want || !bytes.Contains(w.Schema, []byte(`"$id": "`+want+`"`)) {
			t.Errorf("%s: schema_id %q, want %q", w.Endpoint, w.Input.SchemaID, want)
		}
		if bytes.Contains(w.Schema, []byte("fluxly-go.github.io")) {
			t.Errorf("%s: the schema names this project's domain", w.Endpoint)
		}
	}
}

// Text in schemas keeps <, > and & as they are: JSON needs no escape.
func TestSchemaTextUnescaped(t *testing.T) {
	for _, w := range describeExamples(t).Workflows {
		for _, esc := range []string{`\u003c`, `\u003e`, `\u0026`} {
			if bytes.Contains(w.Schema, []byte(esc)) {
				t.Errorf("%s: the schema has %s", w.Endpoint, esc)
			}
		}
	}
	w := describeExamples(t).Workflow("etl")
	if !bytes.Contains(w.Schema, []byte("<endpoint>-report.md")) {
		t.Errorf("etl: the md_file_path description lost its <endpoint>")
	}
}

func TestWithSchemaBase(t *testing.T) {
	m := describeExamples(t)
	before := string(m.JSON())
	got, err := describe.WithSchemaBase(m, "https://acme.example/schemas")
	if err != nil {
		t.Fatal(err)
	}
	if string(m.JSON()) != before {
		t.Error("WithSchemaBase changed its argument")
	}
	for i, w := range got.Workflows {
		want := "https://acme.example/schemas/" + w.Endpoint + ".schema.json"
		var doc map[string]any
		if err := json.Unmarshal(w.Schema, &doc); err != nil {
			t.Fatal(err)
		}
		if w.Input.SchemaID != want || doc["$id"] != want {
			t.Errorf("%s: schema_id %q, $id %v, want %q", w.Endpoint, w.Input.SchemaID, doc["$id"], want)
		}
		// Only the $id line differs from the schema without a base.
		old := strings.Split(string(m.Workflows[i].Schema), "\n")
		now := strings.Split(string(w.Schema), "\n")
		if len(old) != len(now) {
			t.Fatalf("%s: %d lines, was %d", w.Endpoint, len(now), len(old))
		}
		for j := range old {
			if old[j] != now[j] && !strings.HasPrefix(strings.TrimSpace(now[j]), `"$id": `) {
				t.Errorf("%s: line %d changed: %q", w.Endpoint, j+1, now[j])
			}
		}
	}
	if same, err := describe.WithSchemaBase(m, ""); err != nil || same != m {
		t.Errorf("an empty base: %v, %v", same, err)
	}
	for _, bad := range []string{"example.com/s", "ftp://example.com/", "https:///s", "https://example.com/s?v=1", "https://example.com/s#x", "/schemas/"} {
		if _, err := describe.WithSchemaBase(m, bad); err == nil {
			t.Errorf("base %q accepted", bad)
		}
		if err := describe.CheckSchemaBaseURL(bad); err == nil {
			t.Errorf("CheckSchemaBaseURL(%q) = nil", bad)
		}
	}
	if got := describe.SchemaID("", "etl"); got != "etl.schema.json" {
		t.Errorf("SchemaID without a base: %q", got)
	}
	if got := describe.SchemaID("https://x.example/s", "etl"); got != "https://x.example/s/etl.schema.json" {
		t.Errorf("SchemaID: %q", got)
	}
}

// A relative $id still validates input (the validator needs an absolute
// URL to compile under, and must not show it).
func TestRelativeIDValidates(t *testing.T) {
	_, c := sinkWorkflow(t)
	_, _, err := c.DecodeNew([]byte(`{"nope": 1}`))
	if err == nil || strings.Contains(err.Error(), "fluxly.invalid") {
		t.Errorf("DecodeNew: %v", err)
	}
}
