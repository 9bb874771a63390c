package fluxlytest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	"github.com/fluxly-go/fluxly/fluxlytest"
	"github.com/fluxly-go/fluxly/runtime"
)

type input struct {
	runtime.Input
	Size int `json:"size" default:"3" help:"How <big> & how many." jsonschema:"minimum=1"`
}

type step struct {
	runtime.Node[input, runtime.NoOutput]
}

func (step) Logic(context.Context, *runtime.Exec[input, runtime.NoOutput]) error { return nil }

// demo is a two-node workflow; with extra, a third node changes its
// diagram.
func demo(extra bool) func() *runtime.Workflow[input] {
	return func() *runtime.Workflow[input] {
		wf := runtime.NewWorkflow[input]("demo", runtime.Description("A demo."), runtime.Version("1"))
		a := runtime.Add(wf, &step{}, runtime.Name("fetch"))
		b := runtime.Add(wf, &step{}, runtime.Name("store"))
		wf.AddEdge(a, b)
		if extra {
			c := runtime.Add(wf, &step{}, runtime.Name("notify"))
			wf.AddEdge(b, c)
		}
		return wf
	}
}

// TestHelperGolden is the test the others run in a child process, in a
// directory of their own: FLUXLYTEST_SCENARIO says which app to check.
func TestHelperGolden(t *testing.T) {
	scenario := os.Getenv("FLUXLYTEST_SCENARIO")
	if scenario == "" {
		t.Skip("run by TestGoldenFailsAndUpdates")
	}
	app := fluxly.New(fluxly.Name("acme"), fluxly.Use(docscmd.Extension()))
	fluxly.Register(app, "demo", demo(scenario == "changed"))
	fluxly.Register(app, "other", demo(false))
	fluxlytest.Golden(t, app, "demo")
}

// child runs TestHelperGolden in dir, returning its output and whether it
// passed.
func child(t *testing.T, dir, scenario string, update bool) (string, bool) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-test.run=^TestHelperGolden$", "-test.v"}
	if update {
		args = append(args, "-update")
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FLUXLYTEST_SCENARIO="+scenario)
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return string(out), err == nil
}

func TestGoldenFailsAndUpdates(t *testing.T) {
	dir := t.TempDir()
	golden := func(p string) string { return filepath.Join(dir, "testdata", "golden", p) }

	out, ok := child(t, dir, "original", false)
	if ok || !strings.Contains(out, "run the test with -update to create it") {
		t.Fatalf("no golden files yet: passed %v\n%s", ok, out)
	}
	if out, ok := child(t, dir, "original", true); !ok {
		t.Fatalf("-update failed:\n%s", out)
	}
	for _, p := range []string{"workflows/demo.md", "schemas/demo.schema.json", "diagrams/demo.dot", "diagrams/demo.mmd", "diagrams/demo.svg"} {
		if _, err := os.Stat(golden(p)); err != nil {
			t.Errorf("-update did not write %s: %v", p, err)
		}
	}
	if _, err := os.Stat(golden("workflows/other.md")); err == nil {
		t.Error("-update wrote the docs of an endpoint not named")
	}
	schema, _ := os.ReadFile(golden("schemas/demo.schema.json"))
	if !strings.Contains(string(schema), `"$id": "demo.schema.json"`) || !strings.Contains(string(schema), "How <big> & how many.") {
		t.Errorf("schema golden:\n%s", schema)
	}
	if out, ok := child(t, dir, "original", false); !ok {
		t.Fatalf("unchanged docs fail:\n%s", out)
	}

	// A changed diagram fails with a readable diff, file by file.
	before, _ := os.ReadFile(golden("diagrams/demo.dot"))
	out, ok = child(t, dir, "changed", false)
	if ok {
		t.Fatalf("a changed diagram passed:\n%s", out)
	}
	for _, want := range []string{
		"--- FAIL: TestHelperGolden/demo",
		filepath.Join("testdata", "golden", "diagrams", "demo.dot") + " differs from the output (run the test with -update to accept it):",
		"--- " + filepath.Join("testdata", "golden", "diagrams", "demo.dot") + "\n", "+++ got\n", "@@ -",
		`+	n2 [id="svg-demo-n2", label="notify"`,
		filepath.Join("testdata", "golden", "diagrams", "demo.svg") + " differs",
		filepath.Join("testdata", "golden", "workflows", "demo.md") + " differs",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the failure does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "demo.schema.json differs") {
		t.Error("the schema did not change, yet it is reported")
	}
	if after, _ := os.ReadFile(golden("diagrams/demo.dot")); string(after) != string(before) {
		t.Error("a failing comparison changed the golden file")
	}

	// -update rewrites it, and then the test passes.
	if out, ok := child(t, dir, "changed", true); !ok {
		t.Fatalf("-update failed:\n%s", out)
	}
	if after, _ := os.ReadFile(golden("diagrams/demo.dot")); string(after) == string(before) || !strings.Contains(string(after), `label="notify"`) {
		t.Errorf("-update did not rewrite the diagram:\n%s", after)
	}
	if out, ok := child(t, dir, "changed", false); !ok {
		t.Fatalf("after -update:\n%s", out)
	}
}

func TestUnknownEndpoint(t *testing.T) {
	if os.Getenv("FLUXLYTEST_UNKNOWN") == "1" {
		app := fluxly.New(fluxly.Name("acme"))
		fluxly.Register(app, "demo", demo(false))
		fluxlytest.Golden(t, app, "nope")
		return
	}
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "-test.run=^TestUnknownEndpoint$")
	cmd.Env = append(os.Environ(), "FLUXLYTEST_UNKNOWN=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `fluxlytest: no endpoint "nope"; endpoints: demo`) {
		t.Errorf("err %v:\n%s", err, out)
	}
}
