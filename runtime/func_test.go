package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/runtime"
)

func TestAddFunc(t *testing.T) {
	t.Run("typed output, options, read downstream", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("funcs")
			src := runtime.AddFunc(wf, "src", func(_ context.Context, x *runtime.Exec[In, producerOut]) error {
				if x.Attempt == 1 {
					return runtime.Errorf(runtime.NetworkFailure, "once")
				}
				x.Output.Value = 20 + x.Input.N
				return nil
			}, runtime.Retries(1, 0), runtime.Description("makes a number"))
			dst := runtime.AddFunc(wf, "dst", func(_ context.Context, x *runtime.Exec[In, producerOut]) error {
				x.Output.Value = 2 * src.Last().Output.Value
				return nil
			})
			wf.AddEdgeIfSourceCompleted(src, dst)
			if src.Name() != "src" {
				t.Errorf("Name() = %q", src.Name())
			}
			return wf
		}
		res := mustRun(t, build, &In{N: 1})
		if res.Status != runtime.Completed || len(res.Last().Nodes["src"]) != 2 {
			t.Fatalf("status %v, src %+v", res.Status, res.Last().Nodes["src"])
		}
		if v, err := runtime.Output[producerOut](res, "dst"); err != nil || v.Value != 42 {
			t.Fatalf("Output = %+v, %v", v, err)
		}
	})
	t.Run("graph errors", func(t *testing.T) {
		wf := runtime.NewWorkflow[In]("funcs")
		runtime.AddFunc(wf, "", ok)
		runtime.AddFunc[In, runtime.NoOutput](wf, "nil", nil)
		runtime.Add(wf, &runtime.Func[In, runtime.NoOutput]{}, runtime.Name("bare"))
		runtime.AddFunc(wf, "named", ok, runtime.Name("other"))
		runtime.AddFunc(wf, "a", ok)
		runtime.AddFunc(wf, "a", ok)
		want := `workflow "funcs": node name "" must be 1–128 printable characters` + "\n" +
			`workflow "funcs": node "nil": a runtime.Func needs a function: add it with runtime.AddFunc and a non-nil function` + "\n" +
			`workflow "funcs": node "bare": a runtime.Func needs a function: add it with runtime.AddFunc and a non-nil function` + "\n" +
			`workflow "funcs": node "named": option Name("other") given to AddFunc, which takes the name as an argument` + "\n" +
			`workflow "funcs": duplicate node name "a"`
		err := wf.Err()
		if got := fmt.Sprint(err); got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
		for _, rule := range []error{runtime.ErrInvalidName, runtime.ErrNilNode, runtime.ErrInvalidOption, runtime.ErrDuplicateNode} {
			if !errors.Is(err, rule) {
				t.Errorf("errors.Is(err, %v) = false", rule)
			}
		}
	})
}

func TestOutput(t *testing.T) {
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("outputs")
		p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
		runtime.AddFunc(wf, "none", ok)
		bad := runtime.AddFunc(wf, "bad", func(context.Context, *runtime.Exec[In, producerOut]) error {
			return runtime.Errorf(runtime.DataError, "bad rows")
		})
		wf.AddEdgeIfSourceCompleted(bad, runtime.AddFunc(wf, "skipped", ok))
		wf.AddExecutionGroup(p)
		wf.AddExecutionGroup(bad) // bad's failure alone does not stop the run
		return wf
	}
	live := mustRun(t, build, nil)
	b, err := json.Marshal(live)
	if err != nil {
		t.Fatal(err)
	}
	var decoded runtime.Result
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		res  *runtime.Result
	}{{"live", live}, {"decoded", &decoded}} {
		t.Run(c.name, func(t *testing.T) {
			v, err := runtime.Output[producerOut](c.res, "producer")
			if err != nil || v.Value != 42 {
				t.Fatalf("Output = %+v, %v", v, err)
			}
			for _, e := range []struct{ node, want string }{
				{"missing", `runtime.Output: node "missing" did not run in workflow attempt 1 (no such node, or never reached)`},
				{"skipped", `runtime.Output: node "skipped" was skipped in workflow attempt 1`},
				{"bad", `runtime.Output: node "bad" ended DATA_ERROR in its last execution (attempt 1), not COMPLETED`},
				{"none", `runtime.Output: node "none" recorded no output`},
			} {
				if _, err := runtime.Output[producerOut](c.res, e.node); err == nil || err.Error() != e.want {
					t.Errorf("%s: err = %v, want %s", e.node, err, e.want)
				}
			}
		})
	}
	t.Run("wrong type", func(t *testing.T) {
		if _, err := runtime.Output[string](live, "producer"); err == nil ||
			err.Error() != `runtime.Output: node "producer" has output of type *runtime_test.producerOut, not *string` {
			t.Errorf("live: %v", err)
		}
		_, err := runtime.Output[string](&decoded, "producer")
		var ute *json.UnmarshalTypeError
		if !errors.As(err, &ute) || !strings.HasPrefix(err.Error(), `runtime.Output: node "producer": decoding its output as string: `) {
			t.Errorf("decoded: %v", err)
		}
	})
	t.Run("no result", func(t *testing.T) {
		if _, err := runtime.Output[producerOut](nil, "producer"); err == nil || err.Error() != "runtime.Output: the result is nil" {
			t.Errorf("nil: %v", err)
		}
		if _, err := runtime.Output[producerOut](&runtime.Result{RunID: "r1"}, "producer"); err == nil ||
			err.Error() != `runtime.Output: run "r1" has no workflow attempt` {
			t.Errorf("no attempts: %v", err)
		}
	})
	t.Run("last workflow attempt, last execution", func(t *testing.T) {
		res := &runtime.Result{Executions: []*runtime.WorkflowExecution{
			{Attempt: 1, Nodes: map[string][]runtime.NodeExecution{"n": {{Attempt: 1, Status: runtime.Completed, Output: &producerOut{1}}}}},
			{Attempt: 2, Nodes: map[string][]runtime.NodeExecution{"n": {
				{Attempt: 1, Status: runtime.Failed},
				{Attempt: 2, Status: runtime.Completed, Output: &producerOut{2}},
			}}},
		}}
		if v, err := runtime.Output[producerOut](res, "n"); err != nil || v.Value != 2 {
			t.Fatalf("Output = %+v, %v", v, err)
		}
		var nilOut *producerOut
		res.Executions[1].Nodes["n"][1].Output = nilOut
		if _, err := runtime.Output[producerOut](res, "n"); err == nil || err.Error() != `runtime.Output: node "n" recorded no output` {
			t.Fatalf("nil *O: %v", err)
		}
	})
}
