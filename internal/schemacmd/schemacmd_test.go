package schemacmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/schemacmd"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	app := fluxly.New(fluxly.Name("fluxly"))
	examples.Register(app)
	var stdout, stderr bytes.Buffer
	code := app.Main(context.Background(), args, env, &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func (r result) want(t *testing.T, code int, texts ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range texts {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", s, r.stdout, r.stderr)
		}
	}
}

// writeSchemas writes the app's schemas to a directory, as a release
// would publish them.
func writeSchemas(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var all map[string]json.RawMessage
	r := run(t, nil, "schema")
	r.want(t, 0)
	if err := json.Unmarshal([]byte(r.stdout), &all); err != nil {
		t.Fatal(err)
	}
	for name := range all {
		out := run(t, nil, "schema", name).stdout
		if err := os.WriteFile(filepath.Join(dir, name+".schema.json"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPrint(t *testing.T) {
	r := run(t, nil, "schema", "etl")
	r.want(t, 0, `"$id": "etl.schema.json"`)
	all := run(t, nil, "schema")
	all.want(t, 0, `"etl": {`, `"$id": "etl.schema.json"`)
	if strings.Contains(all.stdout, `\u003c`) || !strings.Contains(all.stdout, "<endpoint>") {
		t.Errorf("schema escapes < and >:\n%s", all.stdout)
	}
	run(t, nil, "schema", "etl", "--schema-base-url", "https://acme.example/s").want(t, 0, `"$id": "https://acme.example/s/etl.schema.json"`)
	run(t, []string{"FLUXLY_SCHEMA_BASE_URL=https://acme.example/x/"}, "schema", "etl").want(t, 0, `"$id": "https://acme.example/x/etl.schema.json"`)
	run(t, nil, "schema", "--schema-base-url", "acme.example/s").want(t, 2, "want an absolute http or https URL")
	run(t, nil, "schema", "nope").want(t, 2, `no endpoint "nope"`)
	run(t, nil, "schema", "etl", "slow").want(t, 2, "one endpoint, or diff OLD [NEW]")
}

// examplesCount is how many endpoints examples.Register adds.
func examplesCount(t *testing.T) int {
	t.Helper()
	app := fluxly.New(fluxly.Name("fluxly"))
	examples.Register(app)
	m, err := app.Model()
	if err != nil {
		t.Fatal(err)
	}
	return len(m.Workflows)
}

func TestDiffExitCodes(t *testing.T) {
	old := writeSchemas(t)
	n := examplesCount(t)
	etl := filepath.Join(old, "etl.schema.json")
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		args  func(dir string) []string
		code  int
		want  []string
	}{
		{"unchanged directory against the app", nil, func(d string) []string { return []string{"schema", "diff", d} }, 0,
			[]string{fmt.Sprintf("%d schemas: 0 breaking, 0 compatible, %d unchanged, 0 added, 0 removed", n, n)}},
		{"a docs build directory (its schemas/)", func(t *testing.T, d string) {
			if err := os.Mkdir(filepath.Join(d, "site"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(d, "slow.schema.json"), filepath.Join(d, "site", "slow.schema.json")); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(d, "site"), filepath.Join(d, "schemas")); err != nil {
				t.Fatal(err)
			}
		}, func(d string) []string {
			return []string{"schema", "diff", filepath.Join(d, "schemas", "..", "schemas", "..")}
		}, 0, nil},
		{"a bound the app widened", func(t *testing.T, d string) {
			edit(t, filepath.Join(d, "etl.schema.json"), `"maximum": 150`, `"maximum": 120`)
		}, func(d string) []string { return []string{"schema", "diff", d} }, 0,
			[]string{"etl: 0 breaking, 1 compatible", "compatible  min_age: maximum raised from 120 to 150", fmt.Sprintf("1 compatible, %d unchanged", n-1)}},
		{"a field the app removed", func(t *testing.T, d string) {
			edit(t, filepath.Join(d, "etl.schema.json"), `"properties": {`, `"properties": {"legacy": {"type": "string"},`)
		}, func(d string) []string { return []string{"schema", "diff", d} }, schemacmd.ExitBreaking,
			[]string{"breaking    legacy: field removed", "1 breaking change in 1 schema"}},
		{"an endpoint the app removed", func(t *testing.T, d string) {
			if err := os.WriteFile(filepath.Join(d, "gone.schema.json"), []byte(`{"type":"object"}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(d string) []string { return []string{"schema", "diff", d} }, schemacmd.ExitBreaking,
			[]string{"gone: removed, breaking", "1 removed (breaking)"}},
		{"an endpoint the app added", func(t *testing.T, d string) {
			if err := os.Remove(filepath.Join(d, "slow.schema.json")); err != nil {
				t.Fatal(err)
			}
		}, func(d string) []string { return []string{"schema", "diff", d} }, 0, []string{"slow: new schema, compatible", "1 added"}},
		{"one file against the app's schema of its endpoint", func(t *testing.T, d string) {
			edit(t, filepath.Join(d, "etl.schema.json"), `"maximum": 150`, `"maximum": 200`)
		}, func(d string) []string { return []string{"schema", "diff", filepath.Join(d, "etl.schema.json")} }, schemacmd.ExitBreaking,
			[]string{"min_age: maximum lowered from 200 to 150", "1 schema: 1 breaking"}},
		{"two files", func(t *testing.T, d string) {
			data, _ := os.ReadFile(filepath.Join(d, "etl.schema.json"))
			data = bytes.Replace(data, []byte(`"additionalProperties": false`), []byte(`"required": ["country"], "additionalProperties": false`), 1)
			if err := os.WriteFile(filepath.Join(d, "new.json"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(d string) []string {
			return []string{"schema", "diff", filepath.Join(d, "etl.schema.json"), filepath.Join(d, "new.json")}
		}, schemacmd.ExitBreaking, []string{"country: field became required"}},
		{"two directories", nil, func(d string) []string { return []string{"schema", "diff", d, d} }, 0, []string{fmt.Sprintf("%d unchanged", n)}},
		{"json output", func(t *testing.T, d string) {
			edit(t, filepath.Join(d, "etl.schema.json"), `"maximum": 150`, `"maximum": 200`)
		}, func(d string) []string { return []string{"schema", "diff", "--format", "json", d} }, schemacmd.ExitBreaking,
			[]string{`"breaking": true`, `"status": "breaking"`, `"message": "maximum lowered from 200 to 150"`}},
		{"no OLD", nil, func(string) []string { return []string{"schema", "diff"} }, 2, []string{"schema diff needs OLD"}},
		{"too many arguments", nil, func(d string) []string { return []string{"schema", "diff", d, d, d} }, 2, []string{"unexpected argument"}},
		{"a file and a directory", nil, func(d string) []string { return []string{"schema", "diff", etl, d} }, 2, []string{"two files or two directories"}},
		{"a file not named after an endpoint", func(t *testing.T, d string) {
			if err := os.WriteFile(filepath.Join(d, "x.json"), []byte(`{}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(d string) []string { return []string{"schema", "diff", filepath.Join(d, "x.json")} }, 2, []string{"<endpoint>.schema.json"}},
		{"a bad --format", nil, func(d string) []string { return []string{"schema", "diff", "--format", "yaml", d} }, 2, []string{"--format"}},
		{"a missing file", nil, func(d string) []string { return []string{"schema", "diff", filepath.Join(d, "missing.schema.json")} }, schemacmd.ExitError, []string{"no such file"}},
		{"an empty directory", nil, func(string) []string { return []string{"schema", "diff", t.TempDir()} }, schemacmd.ExitError, []string{"no *.schema.json files"}},
		{"a file that is not JSON", func(t *testing.T, d string) {
			if err := os.WriteFile(filepath.Join(d, "etl.schema.json"), []byte(`{"type":`), 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(d string) []string { return []string{"schema", "diff", d} }, schemacmd.ExitError, []string{"etl: old schema: not JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(old)); err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			run(t, nil, tt.args(dir)...).want(t, tt.code, tt.want...)
		})
	}
}

// The published schemas carry the base URL they were published with; the
// diff uses the same flag, so ids do not show as changes.
func TestDiffWithBaseURL(t *testing.T) {
	dir := t.TempDir()
	out := run(t, nil, "schema", "etl", "--schema-base-url", "https://acme.example/s/").stdout
	if err := os.WriteFile(filepath.Join(dir, "etl.schema.json"), []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, nil, "schema", "diff", dir, "--schema-base-url", "https://acme.example/s/").want(t, 0, fmt.Sprintf("1 unchanged, %d added", examplesCount(t)-1))
	run(t, nil, "schema", "diff", dir).want(t, 0, `(input): $id changed from "https://acme.example/s/etl.schema.json" to "etl.schema.json"`)
}
