package fluxly_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/runtime"
)

// Command-line conventions: log levels, --version, completion, result to
// stdout, help text, report paths and the environment prefix.

func TestLogLevel(t *testing.T) {
	app := testApp(t)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"flag", nil, []string{"echo-msg", "--count", "1", "--log-level", "warn"}},
		{"environment", []string{"FLUXLY_LOG_LEVEL=warn"}, []string{"echo-msg", "--count", "1", "--no-verbose"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, app, tc.env, tc.args...)
			if o.code != 0 || o.stderr != "" {
				t.Errorf("a completed run at level warn: exit %d, stderr:\n%s", o.code, o.stderr)
			}
		})
	}
	// Errors still show at warn.
	o := run(t, app, []string{"FLUXLY_LOG_LEVEL=warn"}, "fail-with", "--status", "DATA_ERROR", "--no-verbose")
	if o.code != 64 || !strings.Contains(o.stderr, "level=ERROR") || strings.Contains(o.stderr, "level=INFO") {
		t.Errorf("a failed run at level warn: exit %d, stderr:\n%s", o.code, o.stderr)
	}
	o = run(t, app, nil, "echo-msg", "--log-level", "loud")
	if o.code != 2 || !strings.Contains(o.stderr, `--log-level must be one of "debug","info","warn","error"`) {
		t.Errorf("bad level: exit %d, stderr:\n%s", o.code, o.stderr)
	}
}

func TestVersionFlag(t *testing.T) {
	app := testApp(t)
	o := run(t, app, nil, "--version")
	if o.code != 0 || !strings.HasPrefix(o.stdout, "fluxly test (fluxly, go") {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", o.code, o.stdout, o.stderr)
	}
}

func TestResultFileStdout(t *testing.T) {
	app := testApp(t)
	o := run(t, app, nil, "echo-msg", "--count", "1", "--result-file", "-", "--no-verbose")
	var res runtime.Result
	if err := json.Unmarshal([]byte(o.stdout), &res); err != nil || o.code != 0 || res.Status != runtime.Completed {
		t.Fatalf("exit %d, %v, stdout:\n%s", o.code, err, o.stdout)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`a file named "-" was created`)
	}
}

func TestHelpConventions(t *testing.T) {
	app := testApp(t)
	o := run(t, app, nil, "echo-msg", "--help")
	help := o.stdout
	flat := strings.Join(strings.Fields(help), " ") // kong wraps lines
	for _, want := range []string{
		"One of: text, json.",               // --log-format
		"One of: auto, always, never.",      // --progress
		"One of: debug, info, warn, error.", // --log-level
		"($FLUXLY_COUNT)", "($FLUXLY_INPUT_FILE)",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "Env: $") {
		t.Errorf("help mixes env styles:\n%s", help)
	}
	in, common, runOpts := strings.Index(help, "\nInputs\n"), strings.Index(help, "\nCommon inputs\n"), strings.Index(help, "\nRun options\n")
	if in < 0 || !(in < common && common < runOpts) {
		t.Errorf("groups are not in the order Inputs, Common inputs, Run options:\n%s", help)
	}
	top := strings.Join(strings.Fields(run(t, app, nil, "--help").stdout), " ")
	for _, want := range []string{"FLUXLY_PORT", "FLUXLY_API_TOKEN", "completion"} {
		if !strings.Contains(top, want) {
			t.Errorf("app help does not list the reserved name %s:\n%s", want, top)
		}
	}
}

func TestReportDiagramPath(t *testing.T) {
	app := testApp(t)
	dir := t.TempDir()
	png := filepath.Join(dir, "d.png")
	o := run(t, app, nil, "echo-msg", "--count", "1", "--auto-generate-md", "--md-file-path", filepath.Join(dir, "r.md"), "--diagram-file-path", png)
	if o.code != 2 || !strings.Contains(o.stderr, "supported extensions are .svg, .dot, .gv, .mmd") {
		t.Fatalf("exit %d, stderr:\n%s", o.code, o.stderr)
	}
	if strings.Contains(o.stderr, "starting workflow") {
		t.Error("the run started before the path was refused")
	}
	mmd := filepath.Join(dir, "d.mmd")
	o = run(t, app, nil, "echo-msg", "--count", "1", "--auto-generate-md", "--md-file-path", filepath.Join(dir, "r.md"), "--diagram-file-path", mmd)
	if b, err := os.ReadFile(mmd); o.code != 0 || err != nil || !strings.Contains(string(b), "flowchart") {
		t.Errorf("exit %d, %v:\n%s", o.code, err, o.stderr)
	}
	// The default report path is named after the endpoint.
	wd, _ := os.Getwd()
	t.Chdir(dir)
	defer os.Chdir(wd)
	o = run(t, app, nil, "fail-with", "--status", "COMPLETED", "--auto-generate-md", "--no-verbose")
	if _, err := os.Stat(filepath.Join(dir, "fail-with-report.md")); o.code != 0 || err != nil {
		t.Errorf("default report: exit %d, %v\n%s", o.code, err, o.stderr)
	}
}

type portInput struct {
	runtime.Input
	Host string `json:"host" default:"db"`
	Port int    `json:"port" default:"5432"`
}

func newPortFlow() *runtime.Workflow[portInput] {
	wf := runtime.NewWorkflow[portInput]("ports")
	runtime.AddFunc(wf, "echo", func(_ context.Context, x *runtime.Exec[portInput, portInput]) error {
		*x.Output = *x.Input
		return nil
	})
	return wf
}

func TestEnvPrefix(t *testing.T) {
	// With the default prefix, port clashes with the app's FLUXLY_PORT.
	clash := fluxly.New(fluxly.Name("clash"))
	fluxly.Register(clash, "ports", newPortFlow)
	if err := clash.Err(); err == nil || !strings.Contains(err.Error(), "FLUXLY_PORT is reserved by the app") || !strings.Contains(err.Error(), "fluxly.EnvPrefix") {
		t.Fatalf("Err = %v", err)
	}
	app := fluxly.New(fluxly.Name("acme"), fluxly.EnvPrefix("ACME_"))
	fluxly.Register(app, "ports", newPortFlow)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "r.json")
	o := run(t, app, []string{"ACME_PORT=6000", "ACME_HOST=pg", "FLUXLY_PORT=1", "FLUXLY_RESULT_FILE=" + out}, "ports", "--no-verbose")
	if o.code != 0 {
		t.Fatalf("exit %d\n%s", o.code, o.stderr)
	}
	got, err := runtime.Output[portInput](readResult(t, out), "echo")
	if err != nil || got.Port != 6000 || got.Host != "pg" {
		t.Errorf("input %+v, %v", got, err)
	}
	if help := run(t, app, nil, "ports", "--help").stdout; !strings.Contains(help, "($ACME_PORT)") {
		t.Errorf("help does not name ACME_PORT:\n%s", help)
	}
	if err := fluxly.New(fluxly.EnvPrefix("acme")).Err(); err == nil {
		t.Error("a lower-case prefix without _ was accepted")
	}
}

// TestSchemaBaseURL: an app's base prefixes its schemas' $id; a base that
// is not an absolute http(s) URL is an app error naming the option.
func TestSchemaBaseURL(t *testing.T) {
	app := fluxly.New(fluxly.Name("acme"), fluxly.SchemaBaseURL("https://acme.example/schemas"))
	examples.Register(app, "echo-msg")
	o := run(t, app, nil, "schema", "echo-msg")
	if o.code != 0 || !strings.Contains(o.stdout, `"$id": "https://acme.example/schemas/echo-msg.schema.json"`) {
		t.Fatalf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	for _, bad := range []string{"acme.example/schemas", "ftp://acme.example/", "https://acme.example/?v=1"} {
		err := fluxly.New(fluxly.SchemaBaseURL(bad)).Err()
		if err == nil || !strings.Contains(err.Error(), "fluxly.SchemaBaseURL") {
			t.Errorf("SchemaBaseURL(%q): Err() = %v", bad, err)
		}
	}
}

func TestCompletion(t *testing.T) {
	app := testApp(t)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			o := run(t, app, nil, "completion", shell)
			if o.code != 0 || !strings.Contains(o.stdout, "fluxly") {
				t.Fatalf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
			}
			sh, err := exec.LookPath(shell)
			if err != nil {
				if os.Getenv("FLUXLY_REQUIRE_SHELLS") != "" {
					t.Fatalf("%s is not installed", shell)
				}
				t.Skipf("%s is not installed", shell)
			}
			script := filepath.Join(t.TempDir(), "completion."+shell)
			if err := os.WriteFile(script, []byte(o.stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(sh, "-n", script).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s\n%s", shell, err, out, o.stdout)
			}
		})
	}
	for line, want := range map[string][]string{
		"fluxly ech":                       {"echo-msg"},
		"fluxly echo-msg --mode ":          {"fast", "slow"},
		"fluxly echo-msg --log-format ":    {"json", "text"},
		"fluxly echo-msg --cou":            {"--count"},
		"fluxly completion ":               {"bash", "fish", "zsh"},
		"fluxly fail-with --status DATA_E": {"DATA_ERROR"},
	} {
		o := run(t, app, []string{"COMP_LINE=" + line})
		if got := strings.Fields(o.stdout); strings.Join(got, " ") != strings.Join(want, " ") || o.code != 0 {
			t.Errorf("COMP_LINE=%q: exit %d, %q, want %q", line, o.code, got, want)
		}
	}
}

// A runtime.Secret input never appears in any output: logs (text and
// JSON, the node's own log line included), the result file, the run
// report, the run store, runs show, the model, the schema, the HTTP record.
func TestSecretTypeNeverPrinted(t *testing.T) {
	const token = "tok-5ecret-99"
	app := fluxly.New(fluxly.Name("fluxly"))
	examples.Register(app, "orders")
	dir := t.TempDir()
	env := []string{"FLUXLY_DATA_DIR=" + filepath.Join(dir, "data")}
	var outputs []string
	for _, format := range []string{"text", "json"} {
		result := filepath.Join(dir, format+"-result.json")
		report := filepath.Join(dir, format+"-report.md")
		o := run(t, app, append(env, "FLUXLY_WEBHOOK_TOKEN="+token), "orders", "--log-format", format, "--log-level", "debug",
			"--result-file", result, "--auto-generate-md", "--md-file-path", report, "--diagram-file-path", filepath.Join(dir, format+".mmd"))
		if o.code != 0 {
			t.Fatalf("exit %d\n%s", o.code, o.stderr)
		}
		if !strings.Contains(o.stderr, `notified`) {
			t.Fatalf("the node that logs the token did not run:\n%s", o.stderr)
		}
		outputs = append(outputs, o.stdout, o.stderr)
		for _, f := range []string{result, report} {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, string(b))
		}
	}
	o := run(t, app, env, "orders", "--webhook-token", token, "--result-file", "-")
	outputs = append(outputs, o.stdout, o.stderr)
	for _, args := range [][]string{{"runs", "list", "--format", "json"}, {"model"}, {"schema", "orders"}, {"orders", "--help"}} {
		o := run(t, app, env, args...)
		outputs = append(outputs, o.stdout, o.stderr)
	}
	outputs = append(outputs, string(viaHTTPRecord(t, app, `{"webhook_token": "`+token+`"}`)))
	for i, out := range outputs {
		if strings.Contains(out, token) {
			t.Errorf("output %d shows the secret:\n%s", i, out)
		}
	}
}
