package runtime_test

import (
	"context"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

func goexit(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
	goruntime.Goexit() // what t.FailNow does in a test helper
	return nil
}

type goexitHook struct {
	runtime.Node[In, runtime.NoOutput]
}

func (goexitHook) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }
func (goexitHook) OnStart(context.Context)                                          { goruntime.Goexit() }

// Logic, a hook or a middleware that calls runtime.Goexit ends the attempt
// FAILED with an error saying so; the worker goroutine dies, and the run
// goes on. The workflow timeout is only a safety net: a regression ends
// TIMED_OUT instead of hanging the test.
func TestGoexit(t *testing.T) {
	safety := &In{Input: runtime.Input{TimeoutSeconds: 30}}
	check := func(t *testing.T, res *runtime.Result, node string) {
		t.Helper()
		r := res.Last().Nodes[node]
		if len(r) == 0 || r[len(r)-1].Status != runtime.Failed || !strings.Contains(r[len(r)-1].Error.Message, "runtime.Goexit was called") {
			t.Fatalf("%s: %+v (workflow %v %+v)", node, r, res.Status, res.Error)
		}
	}
	t.Run("logic, alone", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("goexit")
			runtime.AddFunc(wf, "n", goexit)
			return wf
		}
		res := mustRun(t, build, safety)
		check(t, res, "n")
		if res.Status != runtime.Failed || res.Error.Message != `node "n" attempt 1: runtime.Goexit was called (t.FailNow, t.SkipNow or t.Fatal in a test helper?) before the attempt ended; its remaining hooks did not run` {
			t.Fatalf("%v %+v", res.Status, res.Error)
		}
	})
	t.Run("the run goes on", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("goexit-chain", runtime.MaxConcurrency(1))
			a := runtime.AddFunc(wf, "a", goexit, runtime.ContinueOnFailure(), runtime.Retries(1, 0))
			b := runtime.AddFunc(wf, "b", ok)
			c := runtime.AddFunc(wf, "c", ok)
			wf.AddEdge(a, b)
			wf.AddEdge(b, c)
			for i := range 5 { // queued behind a on the one slot
				runtime.AddFunc(wf, "x"+string(rune('0'+i)), ok)
			}
			return wf
		}
		res := mustRun(t, build, safety)
		check(t, res, "a")
		if len(res.Last().Nodes["a"]) != 2 || res.Status != runtime.Completed || len(res.Last().Nodes) != 8 {
			t.Fatalf("status %v, outcome %v", res.Status, outcome(res.Last()))
		}
	})
	t.Run("with a timeout", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("goexit-timeout")
			runtime.AddFunc(wf, "n", goexit, runtime.Timeout(time.Hour))
			return wf
		}
		check(t, mustRun(t, build, safety), "n")
	})
	t.Run("hook", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("goexit-hook")
			runtime.Add(wf, &goexitHook{}, runtime.Name("n"))
			return wf
		}
		check(t, mustRun(t, build, safety), "n")
	})
	t.Run("middleware", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("goexit-mw")
			runtime.AddFunc(wf, "n", ok)
			return wf
		}
		mw := func(runtime.AttemptFunc) runtime.AttemptFunc {
			return func(context.Context, runtime.Attempt) error { goruntime.Goexit(); return nil }
		}
		check(t, mustRun(t, build, safety, runtime.WithMiddleware(mw)), "n")
	})
	t.Run("workflow OnStart hook", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("goexit-wf", runtime.Hooks(goexitStart{}))
			runtime.AddFunc(wf, "n", ok)
			return wf
		}
		res := mustRun(t, build, safety)
		if res.Status != runtime.Failed || !strings.Contains(res.Error.Message, "OnStart hook: runtime.Goexit was called") {
			t.Fatalf("%v %+v", res.Status, res.Error)
		}
	})
}

type goexitStart struct{}

func (goexitStart) OnStart(context.Context) { goruntime.Goexit() }
