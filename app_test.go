package fluxly_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/runtime"
)

// probeInput echoes what reached the workflow through its output.
type probeInput struct {
	runtime.Input
	A      string    `json:"a" default:"default-a" help:"Set by a flag in the precedence test."`
	B      string    `json:"b" default:"default-b" help:"Set by the environment."`
	C      string    `json:"c" default:"default-c" help:"Set by the input file."`
	D      string    `json:"d" default:"default-d" help:"Left to its default."`
	Tags   []string  `json:"tags" help:"A list."`
	Secret string    `json:"secret" help:"Never printed." fluxly:"secret"`
	Conn   probeConn `json:"conn" help:"A nested object."`
}

type probeConn struct {
	Host string `json:"host" default:"localhost" help:"Lower-case host." jsonschema:"pattern=^[a-z.]+$"`
	Port int    `json:"port" default:"5432" help:"Port." jsonschema:"minimum=1"`
}

type probeOutput struct {
	A, B, C, D     string
	Tags           []string
	MaxRetries     int
	TimeoutSeconds float64
	SecretLen      int
}

type probe struct {
	runtime.Node[probeInput, probeOutput]
}

func (probe) Logic(_ context.Context, x *runtime.Exec[probeInput, probeOutput]) error {
	in := x.Input
	*x.Output = probeOutput{A: in.A, B: in.B, C: in.C, D: in.D, Tags: in.Tags,
		MaxRetries: in.MaxRetries, TimeoutSeconds: in.TimeoutSeconds, SecretLen: len(in.Secret)}
	x.Log.Info("probe ran", "secret_given", in.Secret != "")
	return nil
}

func newProbe() *runtime.Workflow[probeInput] {
	wf := runtime.NewWorkflow[probeInput]("probe", runtime.Description("Echoes its input."))
	runtime.Add(wf, &probe{}, runtime.Name("probe"))
	return wf
}

func testApp(t *testing.T) *fluxly.App {
	t.Helper()
	app := fluxly.New(fluxly.Name("fluxly"), fluxly.Version("test"))
	examples.Register(app)
	fluxly.Register(app, "probe", newProbe)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	return app
}

type outcome struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, app *fluxly.App, env []string, args ...string) outcome {
	t.Helper()
	env = withDataDir(t, env)
	var stdout, stderr bytes.Buffer
	code := app.Main(context.Background(), args, env, &stdout, &stderr)
	return outcome{code, stdout.String(), stderr.String()}
}

func TestExitCodeOfEveryStatus(t *testing.T) {
	app := testApp(t)
	for _, s := range runtime.Statuses() {
		t.Run(s.String(), func(t *testing.T) {
			o := run(t, app, nil, "fail-with", "--status", s.String(), "--no-verbose")
			if o.code != s.Code() {
				t.Fatalf("exit %d, want %d\n%s", o.code, s.Code(), o.stderr)
			}
			if !strings.Contains(o.stderr, "status="+s.String()) {
				t.Fatalf("stderr lacks the final status:\n%s", o.stderr)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	app := testApp(t)
	tests := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"unknown command", nil, []string{"ech-msg"}, []string{`fluxly: error: unexpected argument ech-msg`, "Run 'fluxly --help' for usage."}},
		{"unknown flag", nil, []string{"echo-msg", "--cont", "3"}, []string{`unknown flag --cont, did you mean "--count"?`, "Run 'fluxly echo-msg --help' for usage."}},
		{"unparsable integer", nil, []string{"echo-msg", "--count", "abc"}, []string{`--count: expected a valid 64 bit int but got "abc"`}},
		{"unparsable duration", nil, []string{"slow", "--sleep", "soon"}, []string{`--sleep`, `soon`}},
		{"unparsable environment", []string{"FLUXLY_COUNT=many"}, []string{"echo-msg"}, []string{`FLUXLY_COUNT="many": not an integer`, "Run 'fluxly echo-msg --help' for usage."}},
		{"unparsable secret in environment", []string{"FLUXLY_VERBOSE=maybe"}, []string{"echo-msg"}, []string{`FLUXLY_VERBOSE="maybe": not a boolean`}},
		{"missing input file", nil, []string{"echo-msg", "--input-file", "/nonexistent/in.json"}, []string{"--input-file: open /nonexistent/in.json: no such file or directory"}},
		{"bad log format", nil, []string{"echo-msg", "--log-format", "xml"}, []string{`--log-format must be one of "text","json" but got "xml"` + "\n"}},
		{"bad log format from the environment", []string{"FLUXLY_LOG_FORMAT=xml"}, []string{"echo-msg"}, []string{`--log-format must be one of "text","json" but got "xml" (from $FLUXLY_LOG_FORMAT)`}},
		{"unknown FLUXLY_ENDPOINT", []string{"FLUXLY_ENDPOINT=nope"}, nil, []string{`FLUXLY_ENDPOINT="nope" is not an endpoint; endpoints: branching, echo-msg`}},
		{"unknown schema", nil, []string{"schema", "nope"}, []string{`no endpoint "nope"`}},
		{"result file is a directory", nil, []string{"echo-msg", "--result-file", os.TempDir()}, []string{"--result-file " + os.TempDir() + ": is a directory"}},
		{"result file with a trailing slash", nil, []string{"echo-msg", "--result-file", "out/"}, []string{"--result-file out/: names a directory, not a file"}},
		{"result file under a file", nil, []string{"echo-msg", "--result-file", "app_test.go/result.json"}, []string{"--result-file app_test.go/result.json: mkdir app_test.go: not a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, app, tt.env, tt.args...)
			if o.code != 2 {
				t.Fatalf("exit %d, want 2\n%s", o.code, o.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(o.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, o.stderr)
				}
			}
		})
	}
}

func TestRuleViolationsExit84(t *testing.T) {
	app := testApp(t)
	tests := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"below minimum", nil, []string{"echo-msg", "--count", "0"}, []string{"count (--count, FLUXLY_COUNT): must be at least 1 [minimum]; got 0"}},
		{"above maximum", nil, []string{"echo-msg", "--count", "101"}, []string{"count (--count, FLUXLY_COUNT): must be at most 100 [maximum]; got 101"}},
		{"not in enum", nil, []string{"echo-msg", "--mode", "medium"}, []string{`mode (--mode, FLUXLY_MODE): must be one of "fast", "slow" [enum]; got "medium"`}},
		{"too short", nil, []string{"echo-msg", "--message", ""}, []string{`message (--message, FLUXLY_MESSAGE): must be at least 1 character(s) long [min_length]; got ""`}},
		{"pattern", nil, []string{"etl", "--country", "gb"}, []string{`country (--country, FLUXLY_COUNTRY): must match ^[A-Z]{2}$ [pattern]; got "gb"`}},
		{"required", nil, []string{"fail-with"}, []string{"status (--status, FLUXLY_STATUS): is required [required]"}},
		{"from the environment", []string{"FLUXLY_COUNT=500"}, []string{"echo-msg"}, []string{"count (--count, FLUXLY_COUNT): must be at most 100 [maximum]; got 500"}},
		{"several at once", []string{"FLUXLY_MAX_RETRIES=-1"}, []string{"echo-msg", "--count", "0", "--mode", "x"},
			[]string{"(3 problem(s))", "count (--count", "max_retries (--max-retries, FLUXLY_MAX_RETRIES): must be at least 0", "mode (--mode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, app, tt.env, tt.args...)
			if o.code != 84 {
				t.Fatalf("exit %d, want 84\n%s", o.code, o.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(o.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, o.stderr)
				}
			}
		})
	}
}

func readResult(t *testing.T, path string) *runtime.Result {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res runtime.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return &res
}

func probeOut(t *testing.T, res *runtime.Result) probeOutput {
	t.Helper()
	var out probeOutput
	raw, _ := json.Marshal(res.Last().Nodes["probe"][0].Output)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEnvOnlyInputAndPrecedence(t *testing.T) {
	app := testApp(t)
	dir := t.TempDir()
	result := filepath.Join(dir, "result.json")

	o := run(t, app, []string{"FLUXLY_MAX_RETRIES=2", "FLUXLY_TIMEOUT_SECONDS=5", "FLUXLY_TAGS=x,y"}, "probe", "--result-file", result)
	if o.code != 0 {
		t.Fatalf("exit %d\n%s", o.code, o.stderr)
	}
	if got := probeOut(t, readResult(t, result)); got.MaxRetries != 2 || got.TimeoutSeconds != 5 || strings.Join(got.Tags, ",") != "x,y" {
		t.Fatalf("env values did not reach the workflow: %+v", got)
	}

	file := filepath.Join(dir, "in.json")
	if err := os.WriteFile(file, []byte(`{"a":"file-a","b":"file-b","c":"file-c"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	o = run(t, app, []string{"FLUXLY_A=env-a", "FLUXLY_B=env-b"}, "probe", "--input-file", file, "--a", "flag-a", "--result-file", result)
	if o.code != 0 {
		t.Fatalf("exit %d\n%s", o.code, o.stderr)
	}
	got := probeOut(t, readResult(t, result))
	if want := (probeOutput{A: "flag-a", B: "env-b", C: "file-c", D: "default-d", Tags: []string{}}); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("precedence flag > env > file > default broken:\ngot  %+v\nwant %+v", got, want)
	}

	// Booleans take the same words from the environment as from a flag.
	for env, verbose := range map[string]bool{"yes": true, "NO": false, "True": true, "0": false, "t": true, "F": false} {
		o = run(t, app, []string{"FLUXLY_VERBOSE=" + env}, "probe")
		if o.code != 0 || strings.Contains(o.stderr, "starting workflow") != verbose {
			t.Fatalf("FLUXLY_VERBOSE=%s: exit %d, verbose start block %v\n%s", env, o.code, !verbose, o.stderr)
		}
	}

	// List flags repeat and take commas; the flag replaces the env value.
	o = run(t, app, []string{"FLUXLY_TAGS=env"}, "probe", "--tags", "a,b", "--tags", "c", "--result-file", result)
	if o.code != 0 {
		t.Fatalf("exit %d\n%s", o.code, o.stderr)
	}
	if got := probeOut(t, readResult(t, result)).Tags; strings.Join(got, "|") != "a|b|c" {
		t.Fatalf("--tags a,b --tags c gave %q", got)
	}

	// The environment trigger: no arguments, FLUXLY_ENDPOINT and FLUXLY_* only.
	o = run(t, app, []string{"FLUXLY_ENDPOINT=probe", "FLUXLY_D=env-d", "FLUXLY_RESULT_FILE=" + result})
	if o.code != 0 {
		t.Fatalf("env trigger: exit %d\n%s", o.code, o.stderr)
	}
	if got := probeOut(t, readResult(t, result)); got.D != "env-d" || got.A != "default-a" {
		t.Fatalf("env trigger input: %+v", got)
	}

	// A value from the input file that breaks a rule names the file; one
	// from a flag does not.
	typed := filepath.Join(dir, "typed.json")
	_ = os.WriteFile(typed, []byte(`{"tags":[1],"a":2}`), 0o644)
	o = run(t, app, nil, "probe", "--input-file", typed, "--a", "x", "--b", "")
	if o.code != 84 || !strings.Contains(o.stderr, "tags[0] (--tags, FLUXLY_TAGS, from --input-file "+typed+"): must be string, not number [type]; got 1") ||
		strings.Contains(o.stderr, "  a (") {
		t.Fatalf("file origin: exit %d\n%s", o.code, o.stderr)
	}

	// Nested fields: the file's value is named as such, one replaced by a
	// flag is not.
	nested := filepath.Join(dir, "nested.json")
	_ = os.WriteFile(nested, []byte(`{"conn":{"port":0,"host":"fine"}}`), 0o644)
	o = run(t, app, nil, "probe", "--input-file", nested, "--conn-host", "BAD")
	if o.code != 84 || !strings.Contains(o.stderr, "conn.port (--conn-port, FLUXLY_CONN_PORT, from --input-file "+nested+"): must be at least 1") ||
		!strings.Contains(o.stderr, "conn.host (--conn-host, FLUXLY_CONN_HOST): must match") {
		t.Fatalf("nested file origin: exit %d\n%s", o.code, o.stderr)
	}

	// A bad input file is a validation failure naming the file.
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"a":`), 0o644)
	o = run(t, app, nil, "probe", "--input-file", bad)
	if o.code != 84 || !strings.Contains(o.stderr, "--input-file "+bad) || !strings.Contains(o.stderr, "[syntax]") {
		t.Fatalf("bad input file: exit %d\n%s", o.code, o.stderr)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	app := testApp(t)
	dir := t.TempDir()
	result := filepath.Join(dir, "result.json")
	const secret = "hunter2-very-secret"
	for _, format := range []string{"text", "json"} {
		o := run(t, app, []string{"FLUXLY_SECRET=" + secret, "FLUXLY_TOKEN=" + secret},
			"probe", "--log-format", format, "--result-file", result, "--tags", "t")
		if o.code != 0 {
			t.Fatalf("exit %d\n%s", o.code, o.stderr)
		}
		b, _ := os.ReadFile(result)
		if strings.Contains(o.stderr, secret) || strings.Contains(string(b), secret) {
			t.Fatalf("secret leaked:\n%s\n%s", o.stderr, b)
		}
		if !strings.Contains(o.stderr, `fluxly probe --tags t --secret '***'`) {
			t.Errorf("%s: the equivalent command line should show the secret as ***:\n%s", format, o.stderr)
		}
		if got := probeOut(t, readResult(t, result)); got.SecretLen != len(secret) {
			t.Fatalf("the secret did not reach the workflow: %+v", got)
		}
	}
	o := run(t, app, []string{"FLUXLY_TOKEN=" + secret, "FLUXLY_COUNT=0"}, "echo-msg")
	if o.code != 84 || strings.Contains(o.stderr, secret) {
		t.Fatalf("exit %d; secret in validation output?\n%s", o.code, o.stderr)
	}
}

func TestLogRecordsAreTagged(t *testing.T) {
	app := testApp(t)
	o := run(t, app, nil, "etl", "--log-format", "json", "--dry-run")
	if o.code != 0 {
		t.Fatalf("exit %d\n%s", o.code, o.stderr)
	}
	lines := strings.Split(strings.TrimSpace(o.stderr), "\n")
	var nodeLines int
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", l)
		}
		if rec["workflow"] != "etl" || rec["run_id"] == nil {
			t.Errorf("record without workflow/run_id: %s", l)
		}
		if rec["node"] != nil {
			nodeLines++
			if rec["attempt"] == nil {
				t.Errorf("node record without attempt: %s", l)
			}
		}
	}
	for _, msg := range []string{`"msg":"starting workflow"`, `"command":"fluxly etl --dry-run"`, `"msg":"extracted"`, `"msg":"dry run: nothing loaded"`, `"msg":"workflow finished"`} {
		if !strings.Contains(o.stderr, msg) {
			t.Errorf("logs lack %s", msg)
		}
	}
	if nodeLines < 8 {
		t.Errorf("%d node records, want start and finish of 4 nodes at least", nodeLines)
	}
	// Without verbose: no start block, still the final line.
	o = run(t, app, nil, "echo-msg", "--no-verbose", "--count", "1")
	if strings.Contains(o.stderr, "starting workflow") || !strings.Contains(o.stderr, "workflow finished") {
		t.Fatalf("non-verbose logs:\n%s", o.stderr)
	}
}

func TestToolCommands(t *testing.T) {
	app := testApp(t)
	goldenModel, err := os.ReadFile("testdata/golden/model.json")
	if err != nil {
		t.Fatal(err)
	}
	examplesOnly := fluxly.New(fluxly.Name("fluxly"))
	examples.Register(examplesOnly)
	if o := run(t, examplesOnly, nil, "model"); o.code != 0 || o.stdout != string(goldenModel) {
		t.Fatalf("model: exit %d, output differs from testdata/golden/model.json", o.code)
	}
	goldenSchema, _ := os.ReadFile("testdata/golden/schemas/etl.schema.json")
	if o := run(t, app, nil, "schema", "etl"); o.code != 0 || o.stdout != string(goldenSchema) {
		t.Fatalf("schema etl: exit %d\n%s", o.code, o.stdout)
	}
	o := run(t, app, nil, "schema")
	var all map[string]json.RawMessage
	if err := json.Unmarshal([]byte(o.stdout), &all); err != nil || len(all) != 9 {
		t.Fatalf("schema (all): %v, %d schemas", err, len(all))
	}
	if o := run(t, app, nil, "version"); o.code != 0 || !regexp.MustCompile(`^fluxly test \(fluxly, go1\.\d+`).MatchString(o.stdout) {
		t.Fatalf("version: %q", o.stdout)
	}
	if o := run(t, app, nil, "--help"); o.code != 0 || !strings.Contains(o.stdout, "echo-msg") || !strings.Contains(o.stdout, "schema [<endpoint>") {
		t.Fatalf("--help: exit %d\n%s", o.code, o.stdout)
	}
}

func TestRegistrationErrors(t *testing.T) {
	app := fluxly.New(fluxly.Name("x"))
	examples.Register(app)
	fluxly.Register(app, "echo-msg", newProbe)
	fluxly.Register(app, "docs", newProbe)
	fluxly.Register[probeInput](app, "nil", nil)
	err := app.Err()
	for _, want := range []string{`endpoint "echo-msg" is registered twice`, `endpoint "docs": the name is reserved for a tool command`, `endpoint "nil": nil workflow constructor`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Err() = %v, want it to mention %q", err, want)
		}
	}
	o := run(t, app, nil, "echo-msg")
	if o.code != 2 || !strings.Contains(o.stderr, "x: the app is misconfigured") {
		t.Fatalf("exit %d\n%s", o.code, o.stderr)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a concurrent reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestNoArgumentsServesHTTP: with no arguments and no FLUXLY_ENDPOINT, Run
// serves the HTTP API; cancelling the context (SIGTERM) stops it with 0.
func TestNoArgumentsServesHTTP(t *testing.T) {
	app := testApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- app.Main(ctx, nil, withDataDir(t, []string{"FLUXLY_PORT=0"}), &stdout, &stderr) }()
	var addr string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && addr == ""; time.Sleep(10 * time.Millisecond) {
		if m := regexp.MustCompile(`listening on (http://[^\s"]+)`).FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("no listening line:\n%s", stderr.String())
	}
	resp, err := http.Get(addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Fatalf("/health: %d %s", resp.StatusCode, body)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d after shutdown\n%s", code, stderr.String())
	}
}

func TestRunReport(t *testing.T) {
	app := testApp(t)
	dir := t.TempDir()
	// The diagrams directory does not exist: the report creates it.
	md, diag := filepath.Join(dir, "report.md"), filepath.Join(dir, "diagrams", "report.svg")
	o := run(t, app, nil, "etl", "--source", "examples/etl/testdata/users-malformed.json",
		"--auto-generate-md", "--md-file-path", md, "--diagram-file-path", diag)
	if o.code != 64 {
		t.Fatalf("exit %d\n%s", o.code, o.stderr)
	}
	// This app links no SVG renderer: the diagram is written as DOT instead.
	dot := strings.TrimSuffix(diag, ".svg") + ".dot"
	if !strings.Contains(o.stderr, "this binary has no SVG renderer") {
		t.Errorf("no warning about the missing renderer:\n%s", o.stderr)
	}
	page, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	graph, err := os.ReadFile(dot)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Run report: etl", "DATA_ERROR", "3 malformed row(s)", "(diagrams/report.dot)", "```mermaid"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if !strings.HasPrefix(string(graph), "digraph") && !strings.Contains(string(graph), "digraph") {
		t.Errorf("diagram is not DOT:\n%s", graph)
	}
}

func TestInputFileTrailingDataAndFileModes(t *testing.T) {
	app := testApp(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "in.json")
	_ = os.WriteFile(file, []byte(`{"a":"x"} trailing {"a":"y"}`), 0o644)
	o := run(t, app, nil, "probe", "--input-file", file)
	if o.code != 84 || !strings.Contains(o.stderr, "[syntax]") {
		t.Fatalf("trailing data after the JSON object: exit %d\n%s", o.code, o.stderr)
	}
	result := filepath.Join(dir, "result.json")
	if o := run(t, app, nil, "probe", "--result-file", result); o.code != 0 {
		t.Fatalf("exit %d\n%s", o.code, o.stderr)
	}
	if fi, err := os.Stat(result); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("result file mode %v, %v; want 0644", fi.Mode(), err)
	}
}

// TestProgressAlways: with --progress always the block is drawn into the
// log stream; nothing is drawn before the run has started.
func TestProgressAlways(t *testing.T) {
	app := testApp(t)
	o := run(t, app, nil, "probe", "--progress", "always")
	if o.code != 0 {
		t.Fatalf("exit %d\n%s", o.code, o.stderr)
	}
	lines := strings.Split(o.stderr, "\n")
	if len(lines) < 3 || !strings.Contains(lines[0], "starting workflow") || !strings.HasPrefix(lines[1], "probe · run ") {
		t.Fatalf("the first frame should follow the start line:\n%s", o.stderr)
	}
	if strings.Contains(o.stderr, "2562047h") || strings.Contains(o.stderr, "\n · ") {
		t.Errorf("a frame was drawn before the run started:\n%s", o.stderr)
	}
	if !strings.Contains(o.stderr, "probe  completed") {
		t.Errorf("no completed line for the node:\n%s", o.stderr)
	}
}

// withDataDir gives a test's runs a run store of their own, unless env
// names one.
func withDataDir(t *testing.T, env []string) []string {
	t.Helper()
	for _, kv := range env {
		if strings.HasPrefix(kv, "FLUXLY_DATA_DIR=") {
			return env
		}
	}
	return append(env[:len(env):len(env)], "FLUXLY_DATA_DIR="+t.TempDir())
}
