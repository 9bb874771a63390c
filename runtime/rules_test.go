package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/internal/spec"
	"github.com/fluxly-go/fluxly/runtime"
)

// TestTriggerRules runs a node with each rule (and none) after parents
// that completed, failed or were skipped, in every mix, and checks that
// it runs or is skipped as the package documentation's table says, and
// that a node it refuses counts as a skipped parent downstream.
//
// A skipped parent is one behind a conditional edge that says no; failing
// parents have ContinueOnFailure, so the workflow always completes.
func TestTriggerRules(t *testing.T) {
	combos := []struct {
		name    string
		parents []string // ok, fail, skip
	}{
		{"all completed", []string{"ok", "ok", "ok"}},
		{"all failed", []string{"fail", "fail", "fail"}},
		{"all skipped", []string{"skip", "skip", "skip"}},
		{"mixed", []string{"ok", "fail", "skip"}},
		{"completed and skipped", []string{"ok", "skip"}},
		{"completed and failed", []string{"ok", "fail"}},
		{"failed and skipped", []string{"fail", "skip"}},
	}
	// Per rule, per combo in the order above: R runs, S is skipped.
	want := []struct {
		rule runtime.TriggerRule
		name string
		runs string
	}{
		{0, "(none)", "RRSSSRS"},
		{runtime.AllSuccess, "all_success", "RSSSSSS"},
		{runtime.AllDone, "all_done", "RRRRRRR"},
		{runtime.NoneFailed, "none_failed", "RSRSRSS"},
		{runtime.NoneFailedMinOneSuccess, "none_failed_min_one_success", "RSSSRSS"},
		{runtime.OneSuccess, "one_success", "RSSRRRS"},
		{runtime.OneFailed, "one_failed", "SRSRSRR"},
		{runtime.AllFailed, "all_failed", "SRSSSSS"},
		{runtime.Always, "always", "RRRRRRR"},
	}
	for _, w := range want {
		if got := w.rule.String(); got != w.name && w.rule != 0 {
			t.Errorf("%d.String() = %q, want %q", w.rule, got, w.name)
		}
		for ci, c := range combos {
			t.Run(w.name+"/"+c.name, func(t *testing.T) {
				build := func() *runtime.Workflow[In] {
					wf := runtime.NewWorkflow[In]("rules")
					gate := runtime.AddFunc(wf, "gate", ok)
					var opts []runtime.NodeOption
					if w.rule != 0 {
						opts = append(opts, runtime.Trigger(w.rule))
					}
					child := runtime.AddFunc(wf, "child", ok, opts...)
					after := runtime.AddFunc(wf, "after", ok)
					wf.AddEdge(child, after)
					for i, kind := range c.parents {
						name := fmt.Sprintf("p%d-%s", i, kind)
						var p *runtime.Func[In, runtime.NoOutput]
						switch kind {
						case "ok":
							p = runtime.AddFunc(wf, name, ok)
						case "fail":
							p = runtime.AddFunc(wf, name, failWith(runtime.DataError), runtime.ContinueOnFailure())
						case "skip":
							p = runtime.AddFunc(wf, name, ok)
							wf.AddConditionalEdge(gate, p, "never", func() bool { return false })
						}
						wf.AddEdge(p, child)
					}
					return wf
				}
				res := mustRun(t, build, nil)
				if res.Status != runtime.Completed {
					t.Fatalf("workflow %v: %+v", res.Status, res.Error)
				}
				ex := res.Last()
				runs := w.runs[ci] == 'R'
				if got := ex.NodeState("child"); runs && (got != runtime.Ran || ex.Nodes["child"][0].Status != runtime.Completed) ||
					!runs && got != runtime.Skipped {
					t.Fatalf("child: state %v, want runs=%v (outcome %v)", got, runs, outcome(ex))
				}
				wantAfter := runtime.Skipped // a refused node is a skipped parent
				if runs {
					wantAfter = runtime.Ran
				}
				if got := ex.NodeState("after"); got != wantAfter {
					t.Fatalf("after: state %v, want %v", got, wantAfter)
				}
			})
		}
	}
}

type fetchOut struct {
	Rows int `json:"rows"`
}

type validateOut struct {
	Rejected int `json:"rejected"`
}

// The scenario of the issue: notify's condition is false, so notify is
// skipped; report, none_failed_min_one_success, runs after store.
func TestTriggerRuleReport(t *testing.T) {
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("etl")
		fetch := runtime.AddFunc(wf, "fetch", func(_ context.Context, x *runtime.Exec[In, fetchOut]) error {
			x.Output.Rows = 10
			return nil
		})
		validate := runtime.AddFunc(wf, "validate", func(_ context.Context, x *runtime.Exec[In, validateOut]) error {
			x.Output.Rejected = 0
			return nil
		})
		store := runtime.AddFunc(wf, "store", ok)
		notify := runtime.AddFunc(wf, "notify", ok)
		report := runtime.AddFunc(wf, "report", ok, runtime.Trigger(runtime.NoneFailedMinOneSuccess))
		wf.AddEdgeIfSourceCompleted(fetch, validate)
		wf.AddEdge(validate, store)
		wf.AddEdgeWhen(validate, notify, "rows were rejected", func(*In) bool { return validate.Last().Output.Rejected > 0 })
		wf.AddEdge(store, report)
		wf.AddEdge(notify, report)
		return wf
	}
	res := mustRun(t, build, nil)
	if res.Status != runtime.Completed {
		t.Fatalf("status %v", res.Status)
	}
	equalMaps(t, outcome(res.Last()), map[string]string{
		"fetch": "COMPLETED", "validate": "COMPLETED", "store": "COMPLETED", "notify": "skipped", "report": "COMPLETED"})

	// Without the rule, report would be skipped with notify (spec §2).
	wf := build()
	s, err := spec.Of(wf)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Nodes[len(s.Nodes)-1]; r.Name != "report" || r.TriggerRule != "none_failed_min_one_success" {
		t.Fatalf("spec node %+v", r)
	}
}

// blocker is a node that signals when it starts and waits for release
// (or its context: a broken early firing ends with the workflow timeout
// instead of hanging the test).
type blocker struct {
	runtime.Node[In, producerOut]
	started, release chan struct{}
}

func (b *blocker) Logic(ctx context.Context, x *runtime.Exec[In, producerOut]) error {
	close(b.started)
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	x.Output.Value = 7
	return nil
}

func newBlocker() *blocker {
	return &blocker{started: make(chan struct{}), release: make(chan struct{})}
}

// early reads the blocker it holds while the blocker runs, then releases it.
type early struct {
	runtime.Node[In, runtime.NoOutput]
	Slow    *blocker
	Waiting *runtime.Func[In, runtime.NoOutput]
	seen    *[]string
}

func (e *early) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
	<-e.Slow.started
	l := e.Slow.Last()
	*e.seen = append(*e.seen, fmt.Sprintf("%v#%d out=%d", l.Status, l.Attempt, l.Output.Value))
	if ex := e.Slow.Executions(); len(ex) != 1 || ex[0].Status != runtime.InProgress {
		*e.seen = append(*e.seen, fmt.Sprintf("executions %+v", ex))
	}
	if e.Waiting != nil {
		l := e.Waiting.Last()
		*e.seen = append(*e.seen, fmt.Sprintf("%v#%d", l.Status, l.Attempt))
		if ex := e.Waiting.Executions(); ex != nil {
			*e.seen = append(*e.seen, fmt.Sprintf("executions %+v", ex))
		}
	}
	close(e.Slow.release)
	return nil
}

// Rules that fire early start a node while a parent still runs; reading
// that parent is safe (run under -race) and gives IN_PROGRESS, and a
// node that has not started reads WAITING. The data-dependency check
// accepts the reads: the nodes read are ancestors.
func TestEarlyFiring(t *testing.T) {
	for _, c := range []struct {
		rule  runtime.TriggerRule
		first logicFunc // the other parent
	}{
		{runtime.OneSuccess, ok},
		{runtime.OneFailed, failWith(runtime.NetworkFailure)},
		{runtime.Always, nil},
	} {
		t.Run(c.rule.String(), func(t *testing.T) {
			var seen []string
			build := func() *runtime.Workflow[In] {
				wf := runtime.NewWorkflow[In]("early")
				slow := runtime.Add(wf, newBlocker(), runtime.Name("slow"))
				later := runtime.AddFunc(wf, "later", ok) // starts only after slow
				wf.AddEdge(slow, later)
				e := runtime.Add(wf, &early{Slow: slow, Waiting: later, seen: &seen}, runtime.Name("early"), runtime.Trigger(c.rule))
				wf.AddEdge(slow, e)
				wf.AddEdge(later, e)
				if c.first != nil {
					first := runtime.AddFunc(wf, "first", func(ctx context.Context, x *runtime.Exec[In, runtime.NoOutput]) error {
						<-slow.started // so that slow is running when early reads it
						return c.first(ctx, x)
					}, runtime.ContinueOnFailure())
					wf.AddEdge(first, e)
				}
				return wf
			}
			res := mustRun(t, build, &In{Input: runtime.Input{TimeoutSeconds: 30}})
			if res.Status != runtime.Completed {
				t.Fatalf("status %v %+v", res.Status, res.Error)
			}
			if got := strings.Join(seen, "; "); got != "IN_PROGRESS#1 out=0; WAITING#0" {
				t.Fatalf("early saw %s", got)
			}
			if got := outcome(res.Last()); got["early"] != "COMPLETED" || got["slow"] != "COMPLETED" || got["later"] != "COMPLETED" {
				t.Fatalf("outcome %v", got)
			}
		})
	}
}

// A node that may start early is told apart from one that waits: with
// one_success, early starts once first completes, not when slow does.
func TestRulesDecideOnce(t *testing.T) {
	calls := 0
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("once")
		a := runtime.AddFunc(wf, "a", ok)
		b := runtime.AddFunc(wf, "b", ok)
		c := runtime.AddFunc(wf, "c", ok)
		d := runtime.AddFunc(wf, "d", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { calls++; return nil },
			runtime.Trigger(runtime.OneSuccess))
		wf.AddEdge(a, d)
		wf.AddEdge(b, d)
		wf.AddEdge(c, d)
		return wf
	}
	for range 50 {
		calls = 0
		res := mustRun(t, build, nil)
		if calls != 1 || len(res.Last().Nodes["d"]) != 1 {
			t.Fatalf("d ran %d times, records %v", calls, res.Last().Nodes["d"])
		}
	}
}

func TestContinueOnFailure(t *testing.T) {
	t.Run("the workflow goes on and completes", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("cof")
			a := runtime.AddFunc(wf, "a", failWith(runtime.DataError), runtime.ContinueOnFailure(), runtime.Retries(1, 0))
			b := runtime.AddFunc(wf, "b", ok)
			c := runtime.AddFunc(wf, "c", ok, runtime.Trigger(runtime.OneFailed))
			d := runtime.AddFunc(wf, "d", ok)
			wf.AddEdge(a, b) // a plain edge: b runs after a failed parent
			wf.AddEdge(a, c) // c sees a failed parent
			wf.AddEdgeIfSourceCompleted(a, d)
			return wf
		}
		res := mustRun(t, build, nil)
		if res.Status != runtime.Completed || res.Err() != nil || res.Error != nil {
			t.Fatalf("status %v, error %+v", res.Status, res.Error)
		}
		equalMaps(t, outcome(res.Last()), map[string]string{"a": "DATA_ERROR", "b": "COMPLETED", "c": "COMPLETED", "d": "skipped"})
		if recs := res.Last().Nodes["a"]; len(recs) != 2 || recs[1].Error == nil || recs[1].Error.Message != "failing with DATA_ERROR" {
			t.Fatalf("a's records %+v", recs)
		}
	})
	t.Run("another failure still fails the workflow", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("cof-fail")
			a := runtime.AddFunc(wf, "a", failWith(runtime.DataError), runtime.ContinueOnFailure())
			b := runtime.AddFunc(wf, "b", failWith(runtime.NetworkFailure))
			wf.AddEdge(a, b)
			return wf
		}
		res := mustRun(t, build, nil)
		if res.Status != runtime.NetworkFailure {
			t.Fatalf("status %v", res.Status)
		}
	})
	t.Run("without it the failure stops the workflow", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("no-cof")
			a := runtime.AddFunc(wf, "a", failWith(runtime.DataError))
			b := runtime.AddFunc(wf, "b", ok)
			wf.AddEdge(a, b)
			return wf
		}
		res := mustRun(t, build, nil)
		if res.Status != runtime.DataError || res.Last().NodeState("b") != runtime.NotReached {
			t.Fatalf("status %v, b %v", res.Status, res.Last().NodeState("b"))
		}
	})

	// Rules do not keep a stopped workflow running (the package
	// documentation says so): a clean-up after a failure needs the
	// failing parent to continue on failure.
	for _, rule := range []runtime.TriggerRule{runtime.AllDone, runtime.OneFailed, runtime.AllFailed} {
		for _, cont := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v after a failure, continue %v", rule, cont), func(t *testing.T) {
				build := func() *runtime.Workflow[In] {
					wf := runtime.NewWorkflow[In]("cleanup")
					var opts []runtime.NodeOption
					if cont {
						opts = append(opts, runtime.ContinueOnFailure())
					}
					a := runtime.AddFunc(wf, "a", failWith(runtime.DataError), opts...)
					c := runtime.AddFunc(wf, "cleanup", ok, runtime.Trigger(rule))
					wf.AddEdge(a, c)
					return wf
				}
				res := mustRun(t, build, nil)
				got := res.Last().NodeState("cleanup")
				if !cont && (res.Status != runtime.DataError || got != runtime.NotReached) ||
					cont && (res.Status != runtime.Completed || got != runtime.Ran) {
					t.Fatalf("status %v, cleanup %v", res.Status, got)
				}
			})
		}
	}
}

func TestAddEdgeWhen(t *testing.T) {
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("when")
		p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
		yes := runtime.AddFunc(wf, "yes", ok)
		no := runtime.AddFunc(wf, "no", ok)
		wf.AddEdgeWhen(p, yes, "n is set and the producer made 42", func(in *In) bool {
			return in.N > 0 && p.Last().Output.Value == 42
		})
		wf.AddEdgeWhen(p, no, "n is negative", func(in *In) bool { return in.N < 0 })
		return wf
	}
	res := mustRun(t, build, &In{N: 1})
	equalMaps(t, outcome(res.Last()), map[string]string{"producer": "COMPLETED", "yes": "COMPLETED", "no": "skipped"})
	res = mustRun(t, build, &In{N: -1})
	equalMaps(t, outcome(res.Last()), map[string]string{"producer": "COMPLETED", "yes": "skipped", "no": "COMPLETED"})

	s, err := spec.Of(build())
	if err != nil {
		t.Fatal(err)
	}
	if e := s.Edges[0]; e.Kind != uint8(runtime.Conditional) || e.Label != "n is set and the producer made 42" {
		t.Fatalf("edge %+v", e)
	}

	t.Run("panic", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("when-panic")
			a := runtime.AddFunc(wf, "a", ok)
			b := runtime.AddFunc(wf, "b", ok)
			wf.AddEdgeWhen(a, b, "divides", func(in *In) bool { return 10/in.N > 1 })
			return wf
		}
		res := mustRun(t, build, nil)
		var pe *runtime.PanicError
		if res.Status != runtime.Failed || !errors.As(res.Err(), &pe) ||
			!strings.Contains(res.Error.Message, `panic in condition "divides" of edge "a" → "b": runtime error: integer divide by zero`) {
			t.Fatalf("status %v error %+v", res.Status, res.Error)
		}
	})
	t.Run("graph errors", func(t *testing.T) {
		wf := runtime.NewWorkflow[In]("when-bad")
		a := runtime.AddFunc(wf, "a", ok)
		b := runtime.AddFunc(wf, "b", ok)
		wf.AddEdgeWhen(a, b, "nil", nil)
		wf.AddEdgeWhen(a, b, " ", func(*In) bool { return true })
		want := `workflow "when-bad": conditional edge "a" → "b" has no condition` + "\n" +
			`workflow "when-bad": conditional edge "a" → "b" needs a label saying what it checks`
		if got := fmt.Sprint(wf.Err()); got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	})
}

func TestTriggerRuleText(t *testing.T) {
	b, err := json.Marshal(map[string]runtime.TriggerRule{"r": runtime.NoneFailedMinOneSuccess})
	if err != nil || string(b) != `{"r":"none_failed_min_one_success"}` {
		t.Fatalf("%s %v", b, err)
	}
	if _, err := runtime.TriggerRule(42).MarshalText(); err == nil {
		t.Fatal("an unknown rule marshals")
	}
	if s := runtime.TriggerRule(42).String(); s != "TriggerRule(42)" {
		t.Fatal(s)
	}
}

func TestRetryPolicyOptionErrors(t *testing.T) {
	wf := runtime.NewWorkflow[In]("bad-policy")
	runtime.AddFunc(wf, "a", ok, runtime.NonRetryable())
	runtime.AddFunc(wf, "b", ok, runtime.NonRetryable(runtime.DataError, runtime.Completed))
	runtime.AddFunc(wf, "c", ok, runtime.NonRetryable(runtime.Status(300)))
	runtime.AddFunc(wf, "d", ok, runtime.Trigger(runtime.TriggerRule(42)))
	want := `workflow "bad-policy": node "a": NonRetryable needs at least one status
workflow "bad-policy": node "b": NonRetryable(COMPLETED): a completed attempt is never retried
workflow "bad-policy": node "c": NonRetryable(STATUS_300): a node's status is in 0–255
workflow "bad-policy": node "d": trigger rule 42 is not one of the rules (AllSuccess … Always)`
	err := wf.Err()
	if got := fmt.Sprint(err); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if !errors.Is(err, runtime.ErrInvalidOption) {
		t.Fatal("not ErrInvalidOption")
	}
}

// The spec bridge carries the new node settings.
func TestSpecRetryPolicyAndRules(t *testing.T) {
	wf := runtime.NewWorkflow[In]("spec-policy")
	runtime.AddFunc(wf, "a", ok, runtime.Retries(2, 0), runtime.Jitter(),
		runtime.NonRetryable(runtime.PrerequisiteFail, runtime.DataError), runtime.NonRetryable(runtime.DataError),
		runtime.Trigger(runtime.AllDone), runtime.ContinueOnFailure())
	s, err := spec.Of(wf)
	if err != nil {
		t.Fatal(err)
	}
	n := s.Nodes[0]
	if !n.Jitter || fmt.Sprint(n.NonRetryable) != "[DATA_ERROR PREREQUISITE_FAIL]" || n.TriggerRule != "all_done" || !n.ContinueOnFailure {
		t.Fatalf("%+v", n)
	}
}
