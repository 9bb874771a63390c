package docscmd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/docscmd"
)

// docs build --check and docs markdown --check exit 0 when the directory
// is up to date, ExitDrift (1) with the list and a diff of the changes when
// it is not, ExitUsage (2) for bad flags and ExitError (3) when the check
// itself cannot be made.
func TestCheckExitCodes(t *testing.T) {
	app := newApp(t, "slow", "flaky", "fail-with")
	for _, mode := range []string{"build", "markdown"} {
		t.Run(mode, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "docs")
			cache := "FLUXLY_SVG_CACHE=" + t.TempDir()
			run(t, app, []string{"docs", mode, "--out", out}, cache).want(t, 0)
			check := func(args ...string) result {
				return run(t, app, append([]string{"docs", mode, "--check", "--out", out}, args...), cache)
			}
			r := check()
			r.want(t, 0)
			if !strings.Contains(r.stdout, "is up to date") {
				t.Errorf("stdout: %s", r.stdout)
			}

			// Drift: a hand edit shows in the list and in the diff.
			page := "workflows/etl.md"
			if mode == "build" {
				page = "workflows/etl.html"
			}
			p := filepath.Join(out, filepath.FromSlash(page))
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			edited := strings.Replace(string(data), "etl", "ETL-BY-HAND", 1)
			if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			check().want(t, docscmd.ExitDrift, "changed "+page+"\n", "--- a/"+page+"\n+++ b/"+page+"\n@@ ", "-", "ETL-BY-HAND", "is out of date")

			// Usage: a bad base URL, before anything is built.
			check("--schema-base-url", "not a url").want(t, docscmd.ExitUsage, "--schema-base-url")

			// Error: the output is a file, not a directory.
			file := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(file, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			run(t, app, []string{"docs", mode, "--check", "--out", file}, cache).want(t, docscmd.ExitError, "file")
		})
	}
}

// Long diffs are cut so a CI log stays readable.
func TestCheckDiffIsBounded(t *testing.T) {
	app := newApp(t)
	out := filepath.Join(t.TempDir(), "docs")
	cache := "FLUXLY_SVG_CACHE=" + t.TempDir()
	run(t, app, []string{"docs", "markdown", "--out", out}, cache).want(t, 0)
	var changed int
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == ".fluxly-docs" {
			return err
		}
		changed++
		return os.WriteFile(p, []byte(strings.Repeat("hand edit\n", 100)), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, app, []string{"docs", "markdown", "--check", "--out", out}, cache)
	r.want(t, docscmd.ExitDrift, "more lines\n", "… and the diffs of")
	if n := strings.Count(r.stderr, "\n"); n > 500+changed {
		t.Errorf("%d lines of drift output for %d changed files", n, changed)
	}
}

// --schema-base-url gives the published schemas, the model and the pages
// absolute ids; without it they are relative.
func TestSchemaBaseURL(t *testing.T) {
	app := newApp(t, "slow", "flaky", "fail-with", "branching", "producer-consumer", "echo-msg")
	out := filepath.Join(t.TempDir(), "docs")
	run(t, app, []string{"docs", "markdown", "--out", out}).want(t, 0)
	schema, _ := os.ReadFile(filepath.Join(out, "schemas", "etl.schema.json"))
	if !strings.Contains(string(schema), `"$id": "etl.schema.json"`) {
		t.Errorf("default $id:\n%.200s", schema)
	}
	run(t, app, []string{"docs", "markdown", "--out", out, "--schema-base-url", "https://acme.example/schemas/"}).want(t, 0)
	schema, _ = os.ReadFile(filepath.Join(out, "schemas", "etl.schema.json"))
	if !strings.Contains(string(schema), `"$id": "https://acme.example/schemas/etl.schema.json"`) {
		t.Errorf("$id with --schema-base-url:\n%.200s", schema)
	}
	var m struct {
		Workflows []struct {
			Input struct {
				SchemaID string `json:"schema_id"`
			} `json:"input"`
		} `json:"workflows"`
	}
	data, _ := os.ReadFile(filepath.Join(out, "model.json"))
	if err := json.Unmarshal(data, &m); err != nil || len(m.Workflows) != 1 || m.Workflows[0].Input.SchemaID != "https://acme.example/schemas/etl.schema.json" {
		t.Errorf("model.json schema_id: %+v, %v", m, err)
	}
	// The environment variable does the same; the check then passes.
	run(t, app, []string{"docs", "markdown", "--check", "--out", out}, "FLUXLY_SCHEMA_BASE_URL=https://acme.example/schemas").want(t, 0)
	run(t, app, []string{"docs", "markdown", "--check", "--out", out}).want(t, docscmd.ExitDrift, "changed schemas/etl.schema.json")
}

// docs build --check --single-file: exit 0 when the file is what a build
// writes; ExitDrift with "changed FILE" and a unified diff when it is not,
// or "missing FILE" when there is none; ExitError when it cannot be read.
func TestCheckSingleFile(t *testing.T) {
	app := newApp(t, "slow", "flaky", "fail-with", "branching", "producer-consumer", "echo-msg")
	cache := "FLUXLY_SVG_CACHE=" + t.TempDir()
	file := filepath.Join(t.TempDir(), "docs.html")
	check := func(file string) result {
		return run(t, app, []string{"docs", "build", "--check", "--single-file", file}, cache)
	}

	// Missing: said so, not "changed", and no diff.
	r := check(file)
	r.want(t, docscmd.ExitDrift, "missing "+file+"\n", "is missing; run `fluxly docs build --single-file "+file+"`")
	if strings.Contains(r.stderr, "changed") || strings.Contains(r.stderr, "@@") {
		t.Errorf("a missing file is reported as changed:\n%s", r.stderr)
	}

	// Up to date.
	run(t, app, []string{"docs", "build", "--single-file", file}, cache).want(t, 0)
	r = check(file)
	r.want(t, 0)
	if r.stdout != file+" is up to date\n" {
		t.Errorf("stdout = %q", r.stdout)
	}

	// Drift: a hand edit in the middle of the file shows in a unified diff
	// whose hunk is numbered as in the whole file.
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	at := len(lines) / 2
	lines[at] = "EDITED-BY-HAND\n"
	if err := os.WriteFile(file, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(filepath.ToSlash(file), "/")
	r = check(file)
	r.want(t, docscmd.ExitDrift, "changed "+file+"\n", "--- a/"+name+"\n+++ b/"+name+"\n",
		fmt.Sprintf("@@ -%d,", at-2), "-EDITED-BY-HAND\n", "+"+strings.TrimSuffix(strings.SplitAfter(string(data), "\n")[at], "\n"),
		"is out of date; run `fluxly docs build --single-file "+file+"`")

	// Error: a directory where the file should be.
	r = check(t.TempDir())
	r.want(t, docscmd.ExitError)
	if strings.Contains(r.stderr, "missing") || strings.Contains(r.stderr, "changed") {
		t.Errorf("an unreadable file is reported as drift:\n%s", r.stderr)
	}
}
