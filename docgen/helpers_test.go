package docgen_test

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	goldenfile "github.com/fluxly-go/fluxly/internal/golden"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden/docgen")

// golden compares got with testdata/golden/docgen/<name> (from the
// repository root), or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("..", "testdata", "golden", "docgen", name), got, *update)
}

// examplesModel is the model of the bundled examples, as cmd/fluxly
// registers them.
func examplesModel(t testing.TB) *introspect.Model {
	t.Helper()
	app := fluxly.New(fluxly.Name("fluxly"))
	examples.Register(app)
	m, err := app.Model()
	if err != nil {
		t.Fatalf("examples model: %v", err)
	}
	if len(m.Workflows) != 8 {
		t.Fatalf("examples model has %d workflows, want 8", len(m.Workflows))
	}
	return m
}

// t0 is the start of every hand-built run.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// attempt is one node attempt starting at offset from t0.
func attempt(n int, offset, d time.Duration, st runtime.Status, msg string) runtime.NodeExecution {
	ne := runtime.NodeExecution{
		Attempt: n, Start: t0.Add(offset), End: t0.Add(offset + d),
		Duration: runtime.Duration(d), Status: st,
	}
	if msg != "" {
		ne.Error = &runtime.ErrorInfo{Type: "*runtime.Error", Message: msg}
	}
	return ne
}

// reportCase is a hand-built run of an example, with fixed times and ids.
type reportCase struct {
	endpoint string
	res      *runtime.Result
}

func reportCases() []reportCase {
	wfExec := func(attempt int, offset, d time.Duration, st runtime.Status, msg string, nodes map[string][]runtime.NodeExecution, skipped ...string) *runtime.WorkflowExecution {
		we := &runtime.WorkflowExecution{
			Attempt: attempt, Start: t0.Add(offset), End: t0.Add(offset + d), Duration: runtime.Duration(d),
			Status: st, Nodes: nodes, Skipped: skipped,
		}
		if msg != "" {
			we.Error = &runtime.ErrorInfo{Type: "*runtime.Error", Message: msg}
		}
		return we
	}
	result := func(name, version string, st runtime.Status, msg string, execs ...*runtime.WorkflowExecution) *runtime.Result {
		last := execs[len(execs)-1]
		r := &runtime.Result{
			RunID: "run-0001", Workflow: name, Version: version, Status: st, StatusCode: st.Code(),
			Start: execs[0].Start, End: last.End, Duration: runtime.Duration(last.End.Sub(execs[0].Start)),
			Executions: execs,
		}
		if msg != "" {
			r.Error = &runtime.ErrorInfo{Type: "*runtime.Error", Message: msg}
		}
		return r
	}
	ms := time.Millisecond
	return []reportCase{
		{"etl", result("etl", "", runtime.Completed, "",
			wfExec(1, 0, 1500*ms, runtime.Completed, "", map[string][]runtime.NodeExecution{
				"extract":   {attempt(1, 0, 12*ms, runtime.Completed, "")},
				"transform": {attempt(1, 13*ms, 3*ms, runtime.Completed, "")},
				"audit":     {attempt(1, 13*ms, 1*ms, runtime.Completed, "")},
				"load": {
					attempt(1, 17*ms, 100*ms, runtime.NetworkFailure, "connection refused"),
					attempt(2, 317*ms, 100*ms, runtime.NetworkFailure, "connection refused"),
					attempt(3, 817*ms, 650*ms, runtime.Completed, ""),
				},
			}))},
		{"branching", result("branching", "", runtime.Completed, "",
			wfExec(1, 0, 40*ms, runtime.Completed, "", map[string][]runtime.NodeExecution{
				"A": {attempt(1, 0, 10*ms, runtime.Completed, "")},
				"B": {attempt(1, 11*ms, 10*ms, runtime.NoVerdict, "B was told to fail")},
				"D": {attempt(1, 11*ms, 10*ms, runtime.Completed, "")},
			}, "C"))},
		{"producer-consumer", result("producer-consumer", "", runtime.DataError, "producer gave 0",
			wfExec(1, 0, 5*ms, runtime.DataError, "producer gave 0", map[string][]runtime.NodeExecution{
				"producer": {attempt(1, 0, 1*ms, runtime.Completed, "")},
				"consumer": {attempt(1, 2*ms, 1*ms, runtime.DataError, "producer gave 0")},
			}),
			wfExec(2, 1005*ms, 5*ms, runtime.DataError, "producer gave 0", map[string][]runtime.NodeExecution{
				"producer": {attempt(1, 1005*ms, 1*ms, runtime.Completed, "")},
				"consumer": {attempt(1, 1007*ms, 1*ms, runtime.DataError, "producer gave 0")},
			}))},
		{"slow", result("slow", "", runtime.TimedOut, "context deadline exceeded",
			wfExec(1, 0, time.Second, runtime.TimedOut, "context deadline exceeded", map[string][]runtime.NodeExecution{
				"work": {attempt(1, 0, time.Second, runtime.TimedOut, "context deadline exceeded")},
			}))},
	}
}

// fakeRenderer is a cheap, deterministic SVG renderer that counts calls.
type fakeRenderer struct{ calls atomic.Int64 }

func (r *fakeRenderer) RenderSVG(_ context.Context, dot []byte) ([]byte, error) {
	r.calls.Add(1)
	sum := sha256.Sum256(dot)
	return []byte(fmt.Sprintf("<svg data-dot=\"%x\"/>\n", sum[:8])), nil
}
