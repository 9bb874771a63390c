package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// Regression tests for problems found in review.

func TestStoppedRunRecordsOnlyStartedAttempts(t *testing.T) {
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("many", runtime.MaxConcurrency(2))
		root := runtime.AddFunc(wf, "root", ok)
		for i := range 50 {
			f := ok
			if i == 0 {
				f = failWith(runtime.DataError)
			}
			wf.AddEdge(root, runtime.AddFunc(wf, fmt.Sprintf("c%02d", i), f))
		}
		return wf
	}
	for range 50 {
		res := mustRun(t, build, nil)
		if res.Status != runtime.DataError {
			t.Fatalf("status %v", res.Status)
		}
		for name, recs := range res.Last().Nodes {
			for _, r := range recs {
				if r.Start.IsZero() || r.Duration < 0 || time.Duration(r.Duration) > time.Minute {
					t.Fatalf("%s: bogus execution %+v", name, r)
				}
			}
		}
	}
}

func TestWorkflowStopDecidesTheStatus(t *testing.T) {
	aborting := func(ctx context.Context, _ *runtime.Exec[In, runtime.NoOutput]) error {
		<-ctx.Done()
		return errors.New("request aborted") // the node's own error must not win
	}
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("stop")
		runtime.AddFunc(wf, "n", aborting)
		return wf
	}
	for range 30 {
		res := mustRun(t, build, &In{Input: runtime.Input{TimeoutSeconds: 0.005}})
		if res.Status != runtime.TimedOut || res.Error.Message != `workflow "stop" timed out after 5ms` {
			b, _ := json.Marshal(res)
			t.Fatalf("timeout: %v %+v\n%s", res.Status, res.Error, b)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Millisecond, cancel)
		res, err := runtime.Run(ctx, build, nil)
		if err != nil || res.Status != runtime.Cancelled {
			t.Fatalf("cancel: %v %v", res.Status, err)
		}
	}
}

func TestAlreadyCancelledRunsNothing(t *testing.T) {
	ran := false
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("never")
		runtime.AddFunc(wf, "n", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { ran = true; return nil })
		return wf
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := runtime.Run(ctx, build, nil)
	if err != nil || res.Status != runtime.Cancelled || ran || len(res.Last().Nodes) != 0 {
		t.Fatalf("status %v, ran %v, nodes %v", res.Status, ran, res.Last().Nodes)
	}
}

type slowStart struct{ release chan struct{} }

func (s slowStart) OnStart(context.Context) { <-s.release }

func TestWorkflowTimeoutCoversOnStart(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	ran := false
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("slow-start", runtime.Hooks(slowStart{release}))
		runtime.AddFunc(wf, "n", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { ran = true; return nil })
		return wf
	}
	res := mustRun(t, build, &In{Input: runtime.Input{TimeoutSeconds: 0.1}})
	if res.Status != runtime.TimedOut || ran {
		t.Fatalf("status %v, node ran: %v", res.Status, ran)
	}
}

func TestConditionPanicFailsTheWorkflow(t *testing.T) {
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("cond-panic")
		a := runtime.AddFunc(wf, "a", ok)
		b := runtime.AddFunc(wf, "b", ok)
		var items []int
		wf.AddConditionalEdge(a, b, "reads a nil map", func() bool {
			return items[3] > 0 // index out of range: a bug in the condition
		})
		return wf
	}
	res := mustRun(t, build, nil)
	if res.Status != runtime.Failed || res.Error == nil || res.Error.Type != "panic" ||
		!strings.Contains(res.Error.Message, `panic in condition "reads a nil map" of edge "a" → "b"`) {
		t.Fatalf("status %v error %+v", res.Status, res.Error)
	}
}

func TestRetryDelayFreesTheConcurrencySlot(t *testing.T) {
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("slot", runtime.MaxConcurrency(1))
		runtime.AddFunc(wf, "a", func(_ context.Context, x *runtime.Exec[In, runtime.NoOutput]) error {
			if x.Attempt == 1 {
				return runtime.Errorf(runtime.NetworkFailure, "once")
			}
			return nil
		}, runtime.Retries(1, 300*time.Millisecond))
		runtime.AddFunc(wf, "b", ok)
		return wf
	}
	res := mustRun(t, build, nil)
	a, b := res.Last().Nodes["a"], res.Last().Nodes["b"]
	if res.Status != runtime.Completed || len(a) != 2 {
		t.Fatalf("status %v, a %v", res.Status, a)
	}
	if !b[0].Start.Before(a[1].Start) {
		t.Fatalf("b started at %v, after a's retry at %v: the retry delay held the only slot", b[0].Start, a[1].Start)
	}
}

// Node names are 1–128 printable characters of valid UTF-8; each bad one is
// reported, and the good ones (a literal U+FFFD, 128 runes) are accepted.
func TestNodeNames(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"", false},
		{"a\xffb", false},
		{"a\nb", false},
		{"tab\there", false},
		{"\u0085next-line", false},
		{strings.Repeat("é", 129), false},
		{strings.Repeat("é", 128), true},
		{"replacement \uFFFD char", true},
		{"emoji 🚀 and RTL שלום", true},
	} {
		wf := runtime.NewWorkflow[In]("names")
		runtime.AddFunc(wf, c.name, ok)
		err := wf.Err()
		if c.ok != (err == nil) {
			t.Errorf("name %q: err = %v", c.name, err)
			continue
		}
		if !c.ok && (!errors.Is(err, runtime.ErrInvalidName) || !strings.Contains(err.Error(), "must be 1–128 printable characters")) {
			t.Errorf("name %q: err = %v, want ErrInvalidName", c.name, err)
		}
	}
}

// Duplicate names are rejected when added, on large graphs too (the name
// index grows, or starts at the size of the last graph of that name), and
// each is reported in the order Add saw it among the other errors.
func TestDuplicateNames(t *testing.T) {
	t.Run("large graph", func(t *testing.T) {
		wf := runtime.NewWorkflow[In]("dups")
		for i := range 20_000 {
			runtime.AddFunc(wf, fmt.Sprintf("n%d", i), ok)
		}
		for _, name := range []string{"n5", "n19999", "n5", "n12345"} {
			runtime.AddFunc(wf, name, ok)
		}
		want := `workflow "dups": duplicate node name "n5"` + "\n" +
			`workflow "dups": duplicate node name "n19999"` + "\n" +
			`workflow "dups": duplicate node name "n5"` + "\n" +
			`workflow "dups": duplicate node name "n12345"`
		if got := fmt.Sprint(wf.Err()); got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
		if !errors.Is(wf.Err(), runtime.ErrDuplicateNode) {
			t.Fatal("not ErrDuplicateNode")
		}
	})
	t.Run("rejected when added, in order", func(t *testing.T) {
		wf := runtime.NewWorkflow[In]("order")
		a := runtime.AddFunc(wf, "a", ok)
		runtime.AddFunc(wf, "b", ok, runtime.Timeout(-1))
		runtime.AddFunc(wf, "", ok)
		wf.AddEdge(a, a)
		dup := runtime.AddFunc(wf, "a", ok)
		wf.AddEdge(a, dup)
		want := `workflow "order": node "b": timeout -1ns must not be negative` + "\n" +
			`workflow "order": node name "" must be 1–128 printable characters` + "\n" +
			`workflow "order": self-loop on node "a"` + "\n" +
			`workflow "order": duplicate node name "a"` + "\n" +
			`workflow "order": edge "a" → "Func" (a *runtime.Func[runtime_test.In,runtime.NoOutput] never added to a workflow): node "Func" (a *runtime.Func[runtime_test.In,runtime.NoOutput] never added to a workflow) was not added to this workflow`
		if got := fmt.Sprint(wf.Err()); got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
		if dup.Name() != "" {
			t.Fatalf("the rejected duplicate has name %q", dup.Name())
		}
	})
	t.Run("no duplicates", func(t *testing.T) {
		wf := runtime.NewWorkflow[In]("unique")
		for i := range 9000 {
			runtime.AddFunc(wf, fmt.Sprintf("node-%d", i), ok)
		}
		if err := wf.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// A constructor that hands back the same workflow every time (against the
// advice to build fresh nodes) still gets a clean run state per attempt:
// each attempt's records are its own, and a node's Last is this attempt's.
func TestReusedWorkflowIsReset(t *testing.T) {
	calls := 0
	wf := runtime.NewWorkflow[In]("reused")
	a := runtime.AddFunc(wf, "a", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
		calls++
		if calls == 1 {
			return runtime.Errorf(runtime.DataError, "first call fails")
		}
		return nil
	}, runtime.Retries(0, 0))
	b := runtime.AddFunc(wf, "b", ok)
	wf.AddEdgeIfSourceCompleted(a, b)
	res := mustRun(t, func() *runtime.Workflow[In] { return wf }, &In{Input: runtime.Input{MaxRetries: 1}})
	if res.Status != runtime.Completed || len(res.Executions) != 2 {
		t.Fatalf("status %v, %d executions", res.Status, len(res.Executions))
	}
	first, second := res.Executions[0], res.Executions[1]
	if got := first.Nodes["a"]; len(got) != 1 || got[0].Status != runtime.DataError || len(first.Nodes["b"]) != 0 {
		t.Fatalf("first attempt: a=%+v b=%+v skipped=%v", got, first.Nodes["b"], first.Skipped)
	}
	if got := second.Nodes["a"]; len(got) != 1 || got[0].Status != runtime.Completed || got[0].Attempt != 1 {
		t.Fatalf("second attempt: a=%+v", got)
	}
	if got := second.Nodes["b"]; len(got) != 1 || got[0].Status != runtime.Completed {
		t.Fatalf("second attempt: b=%+v", got)
	}
	if last := a.Last(); last.Status != runtime.Completed || len(a.Executions()) != 1 {
		t.Fatalf("a.Last() = %+v, %d executions", last, len(a.Executions()))
	}
}
