package temporal_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/runtime"
	"github.com/fluxly-go/fluxly/temporal/internal/testflows"
)

// A case is one run of an endpoint with an input document.
type testCase struct {
	endpoint string
	input    string
}

// cases are the runs the comparisons make: every bundled example, with
// inputs that take each through its branches, and the test workflows.
var cases = []testCase{
	{"echo-msg", `{"count": 2, "token": "s3cret", "verbose": false}`},
	{"producer-consumer", `{}`},
	{"producer-consumer", `{"value": 0}`},
	{"producer-consumer", `{"value": 3}`},
	{"etl", `{"dry_run": true}`},
	{"etl", `{"min_age": 30, "country": "DE"}`},
	{"etl", `{"source": "missing.json"}`},
	{"branching", `{}`},
	{"branching", `{"take_c": false}`},
	{"branching", `{"fail_b": true}`},
	{"flaky", `{}`},
	{"flaky", `{"succeed_on": 9}`},
	{"fail-with", `{"status": "COMPLETED"}`},
	{"fail-with", `{"status": "DATA_ERROR", "max_retries": 2, "retry_delay_seconds": 0.05}`},
	{"orders", `{"webhook_token": "t0ken"}`},
	{"orders", `{"fail_notify": true}`},
	{"orders", `{"orders": [-1, 0]}`},
	{"orders", `{"threshold": 100000}`},
	{"slow", `{"sleep": "1500ms"}`},
	{"slow", `{"sleep": "3s", "timeout_seconds": 0.4}`},
	{"pipeline", `{"token": "abc"}`},
	{"pipeline", `{"threshold": 1}`},
	{"hooks", `{}`},
	{"hooks", `{"fail_node": true}`},
	{"chain", `{}`},
	{"limited", `{}`},
	{"big", `{"bytes": 1000}`},
	{"stops", `{"fail_first": true}`},
	{"stops", `{"panic_cond": true}`},
}

// newApp is the examples and the test workflows, with opts added.
func newApp(t testing.TB, opts ...fluxly.Option) *fluxly.App {
	t.Helper()
	app := fluxly.New(append([]fluxly.Option{fluxly.Name("fluxly-temporal-test")}, opts...)...)
	examples.Register(app)
	testflows.Register(app)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	return app
}

// localRun runs a case with the local runtime.
func localRun(t testing.TB, app *fluxly.App, c testCase, opts ...runtime.RunOption) *runtime.Result {
	t.Helper()
	a, _, err := command.AppOf(app)
	if err != nil {
		t.Fatal(err)
	}
	in, err := a.Endpoints.Get(c.endpoint).DecodeJSON([]byte(c.input))
	if err != nil {
		t.Fatal(err)
	}
	res, err := in.Run(context.Background(), append([]runtime.RunOption{runtime.WithRunID("local")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// workDir makes a directory laid out as the examples expect (etl reads
// examples/etl/testdata/users.json) and changes into it.
func workDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile("../examples/etl/testdata/users.json")
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "examples", "etl", "testdata")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "users.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	return dir
}

// normalized is a result's JSON without what differs between any two
// runs: times, durations and ids.
func normalized(t testing.TB, res *runtime.Result) string {
	t.Helper()
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	v = strip(v)
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func strip(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range []string{"start", "end", "duration", "run_id", "resumed_from"} {
			delete(v, k)
		}
		for k, x := range v {
			v[k] = strip(x)
		}
	case []any:
		for i, x := range v {
			v[i] = strip(x)
		}
	}
	return v
}

// sameResult fails the test, showing both, unless the results are the
// same record but for times and ids.
func sameResult(t testing.TB, what string, local, remote *runtime.Result) {
	t.Helper()
	l, r := normalized(t, local), normalized(t, remote)
	if l != r {
		t.Errorf("%s: the Temporal result differs from the local one\n--- local\n%s\n--- temporal\n%s\n--- diff\n%s", what, l, r, diff(l, r))
	}
}

// diff lists the lines of b that differ from a's at the same place, for
// a quick look.
func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, "- "+x, "+ "+y)
		}
		if len(out) > 20 {
			break
		}
	}
	return strings.Join(out, "\n")
}
