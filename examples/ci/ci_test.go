package ci_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// step is a step of docs.yml that runs a command.
type step struct {
	name, run string
}

// workflow is what the test needs of docs.yml: its env block and the
// commands of its steps, in order.
type workflow struct {
	env   []string
	steps []step
}

// parseWorkflow reads docs.yml: a GitHub Actions file whose top-level env
// is a flat map and whose steps have a name and a run (one line, or a "|"
// block), or a uses (skipped: checkout and setup-go are the test's own
// set-up). It is not a YAML parser; it fails on anything else.
func parseWorkflow(t *testing.T, path string) workflow {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	var cur *step
	section := ""
	blockIndent := -1 // indentation of a run: | block being read
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if blockIndent >= 0 {
			if trimmed == "" || indent >= blockIndent {
				if len(line) >= blockIndent {
					cur.run += line[blockIndent:] + "\n"
				}
				continue
			}
			blockIndent = -1
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if indent == 0 {
			section = strings.TrimSuffix(trimmed, ":")
			continue
		}
		switch {
		case section == "env" && indent == 2:
			k, v, ok := strings.Cut(trimmed, ":")
			if !ok {
				t.Fatalf("env line %q", line)
			}
			v, _, _ = strings.Cut(v, " #")
			w.env = append(w.env, k+"="+strings.TrimSpace(v))
		case section == "jobs" && strings.HasPrefix(trimmed, "- "):
			if cur != nil && cur.run != "" {
				w.steps = append(w.steps, *cur)
			}
			cur = &step{}
			trimmed = strings.TrimPrefix(trimmed, "- ")
			fallthrough
		case section == "jobs" && cur != nil:
			k, v, _ := strings.Cut(trimmed, ":")
			v = strings.TrimSpace(v)
			switch k {
			case "name":
				cur.name = v
			case "run":
				if v == "|" {
					blockIndent = indent + 2
					if strings.HasPrefix(strings.TrimLeft(line, " "), "- ") {
						blockIndent += 2
					}
				} else {
					cur.run = v + "\n"
				}
			}
		}
	}
	if cur != nil && cur.run != "" {
		w.steps = append(w.steps, *cur)
	}
	return w
}

func TestParseWorkflow(t *testing.T) {
	w := parseWorkflow(t, "docs.yml")
	var names []string
	for _, s := range w.steps {
		names = append(names, s.name)
	}
	want := []string{
		"Build the app",
		"Golden tests (Markdown, schemas, diagrams)",
		"Committed docs are up to date",
		"Input schemas still accept what the last release accepted",
		"Build the site",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Fatalf("steps:\n%s", strings.Join(names, "\n"))
	}
	if !strings.Contains(w.steps[3].run, `schema diff "$RUNNER_TEMP/release/$DOCS_DIR"`) || !strings.Contains(w.steps[3].run, "--abbrev=0 --match 'v*' HEAD^") ||
		!strings.Contains(w.steps[2].run, "docs build --check") {
		t.Errorf("commands:\n%+v", w.steps)
	}
	if len(w.env) != 3 || w.env[0] != "APP_PACKAGE=./cmd/acme" {
		t.Errorf("env: %q", w.env)
	}
}

// repo is a throwaway git repository holding the acme app.
type repo struct {
	t        *testing.T
	dir, tmp string
	env      []string
}

func newRepo(t *testing.T, w workflow) *repo {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "acme")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "acme"))); err != nil {
		t.Fatal(err)
	}
	gomod := "module example.com/acme\n\ngo 1.26\n\nrequire github.com/fluxly-go/fluxly v0.0.0\n\nreplace github.com/fluxly-go/fluxly => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	r := &repo{t: t, dir: dir, tmp: t.TempDir()}
	// Offline, with this Go: modules come from the module cache only.
	r.env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local",
		"GIT_AUTHOR_NAME=ci", "GIT_AUTHOR_EMAIL=ci@example.com", "GIT_COMMITTER_NAME=ci", "GIT_COMMITTER_EMAIL=ci@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "RUNNER_TEMP="+r.tmp, "FLUXLY_SVG_CACHE="+t.TempDir())
	r.env = append(r.env, w.env...)
	r.sh("go mod tidy")
	r.sh("git init -q -b main . && git add -A && git commit -qm 'acme without docs'")
	return r
}

// sh runs a shell command in the repository, failing the test if it fails.
func (r *repo) sh(script string) string {
	r.t.Helper()
	out, code := r.run(script)
	if code != 0 {
		r.t.Fatalf("%s: exit %d\n%s", script, code, out)
	}
	return out
}

// run runs a script as a GitHub Actions run step does (bash -e -o pipefail).
func (r *repo) run(script string) (string, int) {
	r.t.Helper()
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Dir = r.dir
	cmd.Env = r.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		r.t.Fatal(err)
	}
	return string(out), 0
}

// develop is what a developer does after changing the app: regenerate
// the golden files and the docs, and commit.
func (r *repo) develop(message string) {
	r.t.Helper()
	r.sh(`go test ./... -update >/dev/null && go run ./cmd/acme docs build --out "$DOCS_DIR" >/dev/null && git add -A && git commit -qm '` + message + `'`)
}

// edit changes the orders workflow's input.
func (r *repo) edit(old, new string) {
	r.t.Helper()
	p := filepath.Join(r.dir, "orders", "orders.go")
	data, err := os.ReadFile(p)
	if err != nil {
		r.t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		r.t.Fatalf("orders.go has no %q", old)
	}
	if err := os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// ci runs every step of the workflow in a fresh runner directory, and
// returns each step's exit status and output.
func (r *repo) ci(w workflow) (codes []int, outs []string) {
	r.t.Helper()
	r.sh(`git worktree remove --force "$RUNNER_TEMP/release" 2>/dev/null || true; rm -rf "$RUNNER_TEMP"/* _site`)
	for _, s := range w.steps {
		out, code := r.run(s.run)
		codes = append(codes, code)
		outs = append(outs, s.name+":\n"+out)
	}
	return codes, outs
}

func (r *repo) wantCI(w workflow, want []int, texts ...string) {
	r.t.Helper()
	codes, outs := r.ci(w)
	all := strings.Join(outs, "\n")
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		r.t.Errorf("step exit statuses %v, want %v\n%s", codes, want, all)
	}
	for _, s := range texts {
		if !strings.Contains(all, s) {
			r.t.Errorf("the steps' output lacks %q\n%s", s, all)
		}
	}
}

// TestWorkflow runs docs.yml's commands on the acme app: the first
// release's tag push, an unchanged release, a compatible change and its
// release's tag push, a breaking change, and a change whose docs and
// golden files were not regenerated. Builds the app several
// times from the module cache, offline; skipped with -short.
func TestWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a separate module")
	}
	for _, tool := range []string{"git", "bash", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	w := parseWorkflow(t, "docs.yml")
	r := newRepo(t, w)

	// Before the first release: no tag, nothing to compare.
	r.develop("orders: docs")
	r.wantCI(w, []int{0, 0, 0, 0, 0}, "no release tag yet", "is up to date")
	r.sh("git tag v1.0.0")
	// The first release's tag push: the tag is HEAD's own, and there is no
	// release before it (it must not be compared with itself).
	r.wantCI(w, []int{0, 0, 0, 0, 0}, "no release tag yet")
	if data, err := os.ReadFile(filepath.Join(r.dir, "docs", "schemas", "orders.schema.json")); err != nil ||
		!bytes.Contains(data, []byte(`"$id": "https://acme.example/docs/schemas/orders.schema.json"`)) {
		t.Fatalf("published schema: %v\n%.300s", err, data)
	}

	t.Run("release unchanged", func(t *testing.T) {
		r.sh("echo notes >> NOTES && git add NOTES && git commit -qm notes")
		r.wantCI(w, []int{0, 0, 0, 0, 0}, "1 schema: 0 breaking, 0 compatible, 1 unchanged")
	})
	t.Run("compatible change", func(t *testing.T) {
		r.edit("// FIELDS", "Note string `json:\"note\" help:\"A note for the shipper.\"`\n\t// FIELDS")
		r.edit(`"minimum=1,maximum=1000"`, `"minimum=1,maximum=5000"`)
		r.develop("orders: a note, more orders")
		r.wantCI(w, []int{0, 0, 0, 0, 0}, "comparing with v1.0.0", "orders: 0 breaking, 2 compatible", "limit: maximum raised from 1000 to 5000", "note: new optional field")
		r.sh("git tag v1.1.0")
	})
	t.Run("tag push", func(t *testing.T) {
		// CI on the commit tagged v1.1.0 compares it with v1.0.0, the
		// release before, not with v1.1.0 itself.
		r.wantCI(w, []int{0, 0, 0, 0, 0}, "comparing with v1.0.0", "orders: 0 breaking, 2 compatible")
	})
	t.Run("breaking change", func(t *testing.T) {
		r.edit("// FIELDS", "Carrier string `json:\"carrier\" help:\"Who ships.\" fluxly:\"required\"`\n\t// FIELDS")
		r.edit(`enum:"eu,us"`, `enum:"eu"`)
		r.develop("orders: a carrier, EU only")
		r.wantCI(w, []int{0, 0, 0, 1, 0}, "comparing with v1.1.0", "carrier: new required field", `region: value "us" removed`, "2 breaking changes in 1 schema")
	})
	t.Run("docs not regenerated", func(t *testing.T) {
		r.edit("Where the orders are.", "Where the orders come from.")
		r.sh("git commit -qam 'orders: help text, docs forgotten'")
		r.wantCI(w, []int{0, 1, 1, 1, 0},
			"testdata/golden/workflows/orders.md differs from the output",
			"changed workflows/orders.html", "-", "Where the orders come from.",
			"is out of date")
	})
}
