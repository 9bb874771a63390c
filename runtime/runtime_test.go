package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/internal/spec"
	"github.com/fluxly-go/fluxly/runtime"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type In struct {
	runtime.Input
	N int `json:"n"`
}

type logicFunc = func(ctx context.Context, x *runtime.Exec[In, runtime.NoOutput]) error

func ok(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }

func failWith(s runtime.Status) logicFunc {
	return func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
		return runtime.Errorf(s, "failing with %s", s)
	}
}

func mustRun(t *testing.T, build func() *runtime.Workflow[In], in *In, opts ...runtime.RunOption) *runtime.Result {
	t.Helper()
	res, err := runtime.Run(context.Background(), build, in, opts...)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// statuses returns node name → final status, "skipped" or missing.
func outcome(ex *runtime.WorkflowExecution) map[string]string {
	m := map[string]string{}
	for name, recs := range ex.Nodes {
		m[name] = recs[len(recs)-1].Status.String()
	}
	for _, s := range ex.Skipped {
		m[s] = "skipped"
	}
	return m
}

func equalMaps(t *testing.T, got, want map[string]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("outcome = %v, want %v", got, want)
	}
}

func TestEdgeKinds(t *testing.T) {
	tests := []struct {
		name string
		src  logicFunc
		kind string
		cond bool
		want map[string]string
	}{
		{"plain after success", ok, "plain", false, map[string]string{"src": "COMPLETED", "dst": "COMPLETED", "after": "COMPLETED"}},
		{"plain after failure still runs", failWith(runtime.DataError), "plain", false, map[string]string{"src": "DATA_ERROR", "dst": "COMPLETED", "after": "COMPLETED"}},
		{"on-success after success", ok, "success", false, map[string]string{"src": "COMPLETED", "dst": "COMPLETED", "after": "COMPLETED"}},
		{"on-success after failure skips", failWith(runtime.DataError), "success", false, map[string]string{"src": "DATA_ERROR", "dst": "skipped", "after": "skipped"}},
		{"conditional true", ok, "cond", true, map[string]string{"src": "COMPLETED", "dst": "COMPLETED", "after": "COMPLETED"}},
		{"conditional false skips", ok, "cond", false, map[string]string{"src": "COMPLETED", "dst": "skipped", "after": "skipped"}},
		{"conditional true after failure", failWith(runtime.NetworkFailure), "cond", true, map[string]string{"src": "NETWORK_FAILURE", "dst": "COMPLETED", "after": "COMPLETED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			build := func() *runtime.Workflow[In] {
				wf := runtime.NewWorkflow[In]("edges")
				src := runtime.AddFunc(wf, "src", tt.src)
				dst := runtime.AddFunc(wf, "dst", ok)
				after := runtime.AddFunc(wf, "after", ok)
				switch tt.kind {
				case "plain":
					wf.AddEdge(src, dst)
				case "success":
					wf.AddEdgeIfSourceCompleted(src, dst)
				case "cond":
					wf.AddConditionalEdge(src, dst, "flag is set", func() bool { return tt.cond })
				}
				wf.AddEdge(dst, after)
				// Put src in its own group so its failure alone does not stop the workflow.
				wf.AddExecutionGroup(src)
				wf.AddExecutionGroup(dst, after)
				return wf
			}
			res := mustRun(t, build, nil)
			equalMaps(t, outcome(res.Last()), tt.want)
			// src's group may fail, but {dst, after} never does: the workflow completes.
			if res.Status != runtime.Completed {
				t.Fatalf("status = %v", res.Status)
			}
		})
	}
}

func TestConditionEvaluatedWhenSourceFinishes(t *testing.T) {
	build := func() *runtime.Workflow[In] {
		var flag atomic.Bool
		wf := runtime.NewWorkflow[In]("cond-moment")
		a := runtime.AddFunc(wf, "a", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { flag.Store(true); return nil })
		b := runtime.AddFunc(wf, "b", ok)
		wf.AddConditionalEdge(a, b, "a set the flag", flag.Load)
		return wf
	}
	res := mustRun(t, build, nil)
	equalMaps(t, outcome(res.Last()), map[string]string{"a": "COMPLETED", "b": "COMPLETED"})
}

func TestMultiParentWaitsForAllAndSkipPropagates(t *testing.T) {
	var order []string
	var mu sync.Mutex
	rec := func(name string, d time.Duration) logicFunc {
		return func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
			time.Sleep(d)
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return nil
		}
	}
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("diamond")
		a := runtime.AddFunc(wf, "a", rec("a", 0))
		slow := runtime.AddFunc(wf, "slow", rec("slow", 30*time.Millisecond))
		fast := runtime.AddFunc(wf, "fast", rec("fast", 0))
		join := runtime.AddFunc(wf, "join", rec("join", 0))
		no := runtime.AddFunc(wf, "no", rec("no", 0))
		below := runtime.AddFunc(wf, "below", rec("below", 0))
		deeper := runtime.AddFunc(wf, "deeper", rec("deeper", 0))
		wf.AddEdge(a, slow)
		wf.AddEdge(a, fast)
		wf.AddEdge(slow, join)
		wf.AddEdge(fast, join)
		// join → no is refused; everything under no is skipped, even through a plain edge
		// and a node with another parent that said yes.
		wf.AddConditionalEdge(join, no, "never", func() bool { return false })
		wf.AddEdge(no, below)
		wf.AddEdge(below, deeper)
		wf.AddEdge(a, deeper)
		return wf
	}
	res := mustRun(t, build, nil)
	if res.Status != runtime.Completed {
		t.Fatalf("status = %v, want COMPLETED", res.Status)
	}
	if len(order) != 4 || order[0] != "a" || order[3] != "join" {
		t.Fatalf("order = %v, want a first and join after slow and fast", order)
	}
	if got := res.Last().Skipped; !slices.Equal(got, []string{"below", "deeper", "no"}) {
		t.Fatalf("skipped = %v", got)
	}
	if st := res.Last().NodeState("deeper"); st != runtime.Skipped {
		t.Fatalf("NodeState(deeper) = %v", st)
	}
}

func TestGraphErrors(t *testing.T) {
	other := runtime.NewWorkflow[In]("other")
	stranger := runtime.AddFunc(other, "stranger", ok)
	never := &noop{}

	wf := runtime.NewWorkflow[In]("bad")
	a := runtime.AddFunc(wf, "a", ok)
	b := runtime.AddFunc(wf, "b", ok)
	c := runtime.AddFunc(wf, "c", ok)
	runtime.AddFunc(wf, "a", ok) // duplicate name
	wf.AddEdge(a, b)
	wf.AddEdge(b, c)
	wf.AddEdge(c, a)        // cycle a → b → c → a
	wf.AddEdge(a, a)        // self-loop
	wf.AddEdge(a, b)        // duplicate edge
	wf.AddEdge(a, stranger) // node of another workflow
	wf.AddEdge(never, b)    // node never added
	wf.AddConditionalEdge(a, c, "", func() bool { return true })
	runtime.AddFunc(wf, "t", ok, runtime.Timeout(-time.Second))

	err := wf.Err()
	if err == nil {
		t.Fatal("Err() = nil")
	}
	want := []string{
		`workflow "bad": duplicate node name "a"`,
		`workflow "bad": edge "c" → "a" would close a cycle: a → b → c → a`,
		`workflow "bad": self-loop on node "a"`,
		`workflow "bad": duplicate edge "a" → "b"`,
		`workflow "bad": edge "a" → "stranger": node "stranger" was not added to this workflow`,
		`workflow "bad": edge "noop" (a *runtime_test.noop never added to a workflow) → "b": node "noop" (a *runtime_test.noop never added to a workflow) was not added to this workflow`,
		`workflow "bad": conditional edge "a" → "c" needs a label saying what it checks`,
		`workflow "bad": node "t": timeout -1s must not be negative`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Fatalf("Err() =\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	for _, rule := range []error{runtime.ErrDuplicateNode, runtime.ErrCycle, runtime.ErrSelfLoop, runtime.ErrDuplicateEdge, runtime.ErrUnknownNode, runtime.ErrInvalidEdge, runtime.ErrInvalidOption} {
		if !errors.Is(err, rule) {
			t.Errorf("errors.Is(err, %v) = false", rule)
		}
	}
	var ge *runtime.GraphError
	if !errors.As(err, &ge) || ge.Workflow != "bad" {
		t.Fatalf("errors.As GraphError: %v", ge)
	}
	// A workflow with errors never runs.
	if _, rerr := runtime.Run(context.Background(), func() *runtime.Workflow[In] { return wf }, nil); rerr == nil || !errors.Is(rerr, runtime.ErrCycle) {
		t.Fatalf("Run of a bad workflow: err = %v", rerr)
	}
	// The rejected edge was not added: the graph is still a DAG with a → b → c.
	desc, _ := spec.Of(wf)
	if len(desc.Edges) != 2 {
		t.Fatalf("edges = %v", desc.Edges)
	}
}

func TestLongerCycleAndReorderedEdges(t *testing.T) {
	// Edges added "backwards" force the topological order to be repaired;
	// a later cycle must still be found.
	wf := runtime.NewWorkflow[In]("reorder")
	n := make([]*runtime.Func[In, runtime.NoOutput], 5)
	for i := range n {
		n[i] = runtime.AddFunc(wf, fmt.Sprintf("n%d", i), ok)
	}
	wf.AddEdge(n[4], n[3])
	wf.AddEdge(n[3], n[2])
	wf.AddEdge(n[2], n[1])
	wf.AddEdge(n[1], n[0])
	if err := wf.Err(); err != nil {
		t.Fatal(err)
	}
	wf.AddEdge(n[0], n[4])
	if got, want := fmt.Sprint(wf.Err()), `workflow "reorder": edge "n0" → "n4" would close a cycle: n4 → n3 → n2 → n1 → n0 → n4`; got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	desc, err := spec.Of(wf)
	if err == nil {
		t.Fatal("spec.Of: no graph error")
	}
	var names []string
	for _, ns := range desc.Nodes {
		names = append(names, ns.Name)
	}
	if !slices.Equal(names, []string{"n4", "n3", "n2", "n1", "n0"}) {
		t.Fatalf("topological order = %v", names)
	}
}

func TestEmptyAndBadWorkflow(t *testing.T) {
	_, err := runtime.Run(context.Background(), func() *runtime.Workflow[In] { return runtime.NewWorkflow[In]("empty") }, nil)
	if err == nil || err.Error() != `workflow "empty": has no nodes` || !errors.Is(err, runtime.ErrNoNodes) {
		t.Fatalf("err = %v", err)
	}
	wf := runtime.NewWorkflow[In]("x")
	runtime.AddFunc(wf, "a", ok)
	want := `workflow "x": workflow name "x" must be 2–64 characters`
	if got := fmt.Sprint(wf.Err()); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := runtime.Run[In](context.Background(), nil, nil); err == nil {
		t.Fatal("nil constructor accepted")
	}
	_, err = runtime.Run(context.Background(), func() *runtime.Workflow[In] { panic("boom in ctor") }, nil)
	if err == nil || !strings.Contains(err.Error(), "boom in ctor") {
		t.Fatalf("panicking constructor: %v", err)
	}
}

func TestExecutionGroups(t *testing.T) {
	t.Run("a live group keeps the workflow going", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("groups")
			slowOK := runtime.AddFunc(wf, "slow-ok", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
				time.Sleep(50 * time.Millisecond)
				return nil
			})
			failFast := runtime.AddFunc(wf, "fail-fast", failWith(runtime.DataError))
			ok2 := runtime.AddFunc(wf, "ok2", ok)
			wf.AddEdgeIfSourceCompleted(slowOK, ok2)
			wf.AddExecutionGroup(slowOK, failFast)
			wf.AddExecutionGroup(ok2)
			return wf
		}
		res := mustRun(t, build, nil)
		if res.Status != runtime.Completed || res.StatusCode != 0 || res.Error != nil {
			t.Fatalf("status = %v (%d) err = %v", res.Status, res.StatusCode, res.Error)
		}
		equalMaps(t, outcome(res.Last()), map[string]string{"slow-ok": "COMPLETED", "fail-fast": "DATA_ERROR", "ok2": "COMPLETED"})
	})
	t.Run("every group failed", func(t *testing.T) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("groups-dead")
			first := runtime.AddFunc(wf, "first", failWith(runtime.NetworkFailure))
			blocker := runtime.AddFunc(wf, "blocker", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
				<-release // ignores its context: cancellation must not wait for it
				return nil
			})
			second := runtime.AddFunc(wf, "second", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
				time.Sleep(20 * time.Millisecond)
				return runtime.Errorf(runtime.DataError, "bad rows")
			})
			later := runtime.AddFunc(wf, "later", ok)
			wf.AddEdge(second, later)
			wf.AddExecutionGroup(first, blocker)
			wf.AddExecutionGroup(second, later)
			return wf
		}
		res := mustRun(t, build, nil)
		if res.Status != runtime.DataError || res.StatusCode != 64 {
			t.Fatalf("status = %v, want DATA_ERROR (the node that killed the last group)", res.Status)
		}
		if res.Error == nil || res.Error.Message != "bad rows" || res.Error.Type != "*runtime.Error" {
			t.Fatalf("error = %+v", res.Error)
		}
		got := outcome(res.Last())
		equalMaps(t, got, map[string]string{"first": "NETWORK_FAILURE", "blocker": "CANCELLED", "second": "DATA_ERROR"})
		if st := res.Last().NodeState("later"); st != runtime.NotReached {
			t.Fatalf("later: %v, want not reached", st)
		}
	})
}

func TestRetries(t *testing.T) {
	t.Run("fails once then succeeds", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("flaky")
			runtime.AddFunc(wf, "flaky", func(_ context.Context, x *runtime.Exec[In, runtime.NoOutput]) error {
				if x.Attempt == 1 {
					return runtime.Errorf(runtime.DataError, "first try fails")
				}
				return nil
			}, runtime.Retries(2, time.Millisecond))
			return wf
		}
		res := mustRun(t, build, nil)
		recs := res.Last().Nodes["flaky"]
		if len(recs) != 2 {
			t.Fatalf("%d records, want 2", len(recs))
		}
		if recs[0].Attempt != 1 || recs[0].Status != runtime.DataError || recs[0].Error == nil || recs[0].Error.Message != "first try fails" {
			t.Fatalf("first = %+v", recs[0])
		}
		if recs[1].Attempt != 2 || recs[1].Status != runtime.Completed || recs[1].Error != nil {
			t.Fatalf("second = %+v", recs[1])
		}
		if res.Status != runtime.Completed {
			t.Fatalf("status %v", res.Status)
		}
	})
	t.Run("always fails", func(t *testing.T) {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("broken")
			runtime.AddFunc(wf, "broken", failWith(runtime.APICallFailure), runtime.Retries(3, 0))
			return wf
		}
		res := mustRun(t, build, nil)
		recs := res.Last().Nodes["broken"]
		if len(recs) != 4 {
			t.Fatalf("%d records, want 4", len(recs))
		}
		for i, r := range recs {
			if r.Attempt != i+1 || r.Status != runtime.APICallFailure || r.Error == nil {
				t.Fatalf("record %d = %+v", i, r)
			}
		}
		if res.Status != runtime.APICallFailure || res.StatusCode != 82 {
			t.Fatalf("status = %v", res.Status)
		}
	})
	t.Run("backoff delays grow", func(t *testing.T) {
		base := 10 * time.Millisecond
		// base × 2^(k-1), capped at 35ms: before attempts 2, 3 and 4.
		gaps := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 35 * time.Millisecond}
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("backoff")
			runtime.AddFunc(wf, "n", failWith(runtime.Failed), runtime.Retries(3, base), runtime.ExponentialBackoff(2, 35*time.Millisecond))
			return wf
		}
		recs := mustRun(t, build, nil).Last().Nodes["n"]
		if len(recs) != 4 {
			t.Fatalf("%d records", len(recs))
		}
		for k := 1; k < len(recs); k++ {
			gap := recs[k].Start.Sub(recs[k-1].End)
			if want := gaps[k-1]; gap < want {
				t.Errorf("gap before attempt %d = %v, want at least %v", k+1, gap, want)
			}
		}
	})
	t.Run("workflow retries rebuild fresh nodes", func(t *testing.T) {
		var builds atomic.Int32
		build := func() *runtime.Workflow[In] {
			builds.Add(1)
			wf := runtime.NewWorkflow[In]("wf-retry")
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			c := runtime.Add(wf, &counter{p: p}, runtime.Name("counter"))
			wf.AddEdge(p, c)
			return wf
		}
		in := &In{Input: runtime.Input{MaxRetries: 2}}
		res := mustRun(t, build, in)
		if builds.Load() != 3 || len(res.Executions) != 3 {
			t.Fatalf("builds = %d, executions = %d, want 3 and 3", builds.Load(), len(res.Executions))
		}
		for i, ex := range res.Executions {
			if ex.Attempt != i+1 || ex.Status != runtime.DataError {
				t.Fatalf("attempt %d: %+v", i, ex)
			}
			// Fresh state: the counter saw exactly one producer execution each time.
			if msg := ex.Nodes["counter"][0].Error.Message; msg != "producer ran 1 time(s), value 42" {
				t.Fatalf("attempt %d: %s", i+1, msg)
			}
		}
	})
}

type producerOut struct {
	Value int `json:"value"`
}

type producer struct {
	runtime.Node[In, producerOut]
}

func (p *producer) Logic(_ context.Context, x *runtime.Exec[In, producerOut]) error {
	x.Output.Value = 42
	return nil
}

// counter fails with DATA_ERROR, reporting what it saw of the producer.
type counter struct {
	runtime.Node[In, runtime.NoOutput]
	p *producer
}

func (c *counter) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
	return runtime.Errorf(runtime.DataError, "producer ran %d time(s), value %d", len(c.p.Executions()), c.p.Last().Output.Value)
}

type consumer struct {
	runtime.Node[In, producerOut]
	p *producer
}

func (c *consumer) Logic(_ context.Context, x *runtime.Exec[In, producerOut]) error {
	x.Output.Value = c.p.Last().Output.Value * 2
	return nil
}

func TestTypedOutputAndJSON(t *testing.T) {
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("typed", runtime.Version("1.2"))
		p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
		c := runtime.Add(wf, &consumer{p: p}, runtime.Name("consumer"))
		wf.AddEdgeIfSourceCompleted(p, c)
		return wf
	}
	res := mustRun(t, build, nil, runtime.WithRunID("run-1"))
	out := res.Last().Nodes["consumer"][0].Output.(*producerOut)
	if out.Value != 84 {
		t.Fatalf("consumer output = %d, want 84", out.Value)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"run_id":"run-1"`, `"workflow":"typed"`, `"version":"1.2"`, `"status":"COMPLETED"`, `"status_code":0`, `"output":{"value":42}`, `"output":{"value":84}`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("JSON lacks %s:\n%s", s, b)
		}
	}
	var back runtime.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, err := json.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(b2) {
		t.Fatalf("round trip differs:\n%s\n%s", b, b2)
	}
	if back.Last().Nodes["producer"][0].Status != runtime.Completed {
		t.Fatal("status lost in round trip")
	}
}

func TestNodeTimeoutIgnoringContext(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("stuck")
		runtime.AddFunc(wf, "sleeper", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
			select { // ignores ctx; "sleeps 10 s"
			case <-release:
			case <-time.After(10 * time.Second):
			}
			return nil
		}, runtime.Timeout(200*time.Millisecond))
		return wf
	}
	start := time.Now()
	res := mustRun(t, build, nil)
	elapsed := time.Since(start)
	recs := res.Last().Nodes["sleeper"]
	if res.Status != runtime.TimedOut || res.StatusCode != 61 || len(recs) != 1 || recs[0].Status != runtime.TimedOut {
		t.Fatalf("status = %v, recs = %+v", res.Status, recs)
	}
	if want := `node "sleeper" timed out after 200ms (attempt 1)`; recs[0].Error.Message != want {
		t.Fatalf("error = %q, want %q", recs[0].Error.Message, want)
	}
	if elapsed >= 5*time.Second {
		t.Fatalf("run took %v; it must not wait for logic that ignores its context", elapsed)
	}
}

func TestWorkflowTimeoutIgnoringContext(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("wf-timeout")
		a := runtime.AddFunc(wf, "sleeper", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
			return nil
		})
		b := runtime.AddFunc(wf, "after", ok)
		wf.AddEdge(a, b)
		return wf
	}
	start := time.Now()
	res := mustRun(t, build, &In{Input: runtime.Input{TimeoutSeconds: 0.2}})
	if time.Since(start) >= 5*time.Second {
		t.Fatal("workflow timeout did not stop the run")
	}
	if res.Status != runtime.TimedOut || res.Error == nil || res.Error.Message != `workflow "wf-timeout" timed out after 200ms` {
		t.Fatalf("status = %v error = %+v", res.Status, res.Error)
	}
	if st := res.Last().Nodes["sleeper"][0].Status; st != runtime.TimedOut {
		t.Fatalf("sleeper = %v", st)
	}
	if res.Last().NodeState("after") != runtime.NotReached {
		t.Fatal("after should not have been reached")
	}
}

func TestCancelledByCaller(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("cancel")
		runtime.AddFunc(wf, "wait", func(ctx context.Context, _ *runtime.Exec[In, runtime.NoOutput]) error {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		})
		return wf
	}
	res, err := runtime.Run(ctx, build, &In{Input: runtime.Input{MaxRetries: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != runtime.Cancelled || res.StatusCode != 62 || len(res.Executions) != 1 {
		t.Fatalf("status = %v, executions = %d", res.Status, len(res.Executions))
	}
}

func TestPanics(t *testing.T) {
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("panics")
		l := runtime.AddFunc(wf, "logic", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { panic("kaboom") })
		h := runtime.Add(wf, &hooked{panicIn: "OnStart"}, runtime.Name("hook"))
		// Separate groups: neither failure alone stops the workflow, so both are recorded.
		wf.AddExecutionGroup(l)
		wf.AddExecutionGroup(h)
		return wf
	}
	res := mustRun(t, build, nil)
	recs := res.Last().Nodes
	if r := recs["logic"][0]; r.Status != runtime.Failed || r.Error.Type != "panic" || r.Error.Message != "panic in Logic: kaboom" {
		t.Fatalf("logic = %+v %+v", r, r.Error)
	}
	if r := recs["hook"][0]; r.Status != runtime.Failed || r.Error.Message != "panic in OnStart hook: hook panic" {
		t.Fatalf("hook = %+v %+v", r, r.Error)
	}
	if res.Status != runtime.Failed {
		t.Fatalf("status %v", res.Status)
	}
}

// hooked records its lifecycle calls.
type hooked struct {
	runtime.Node[In, runtime.NoOutput]
	calls   *[]string
	fail    int // attempts that fail
	panicIn string
}

func (h *hooked) note(s string) {
	if h.calls != nil {
		*h.calls = append(*h.calls, s)
	}
	if h.panicIn == s {
		panic("hook panic")
	}
}

func (h *hooked) Logic(_ context.Context, x *runtime.Exec[In, runtime.NoOutput]) error {
	h.note(fmt.Sprintf("Logic#%d", x.Attempt))
	if x.Attempt <= h.fail {
		return runtime.Errorf(runtime.DataError, "attempt %d fails", x.Attempt)
	}
	return nil
}
func (h *hooked) OnStart(context.Context)   { h.note("OnStart") }
func (h *hooked) OnSuccess(context.Context) { h.note("OnSuccess") }
func (h *hooked) OnFailure(_ context.Context, err error) {
	h.note("OnFailure(" + err.Error() + ")")
}
func (h *hooked) OnFinish(context.Context) { h.note("OnFinish") }

type wfHooks struct{ calls *[]string }

func (h wfHooks) OnStart(context.Context)   { *h.calls = append(*h.calls, "wf.OnStart") }
func (h wfHooks) OnSuccess(context.Context) { *h.calls = append(*h.calls, "wf.OnSuccess") }
func (h wfHooks) OnFailure(_ context.Context, err error) {
	*h.calls = append(*h.calls, "wf.OnFailure("+err.Error()+")")
}
func (h wfHooks) OnFinish(context.Context) { *h.calls = append(*h.calls, "wf.OnFinish") }

func TestHookOrder(t *testing.T) {
	tests := []struct {
		name    string
		fail    int
		retries int
		want    string
	}{
		{"success", 0, 0, "wf.OnStart OnStart Logic#1 OnSuccess OnFinish wf.OnSuccess wf.OnFinish"},
		{"failure", 1, 0, "wf.OnStart OnStart Logic#1 OnFailure(attempt 1 fails) OnFinish wf.OnFailure(attempt 1 fails) wf.OnFinish"},
		{"retry", 1, 1, "wf.OnStart OnStart Logic#1 OnFailure(attempt 1 fails) OnFinish OnStart Logic#2 OnSuccess OnFinish wf.OnSuccess wf.OnFinish"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			build := func() *runtime.Workflow[In] {
				wf := runtime.NewWorkflow[In]("hooks", runtime.Hooks(wfHooks{&calls}))
				runtime.Add(wf, &hooked{calls: &calls, fail: tt.fail}, runtime.Name("n"), runtime.Retries(tt.retries, 0))
				return wf
			}
			mustRun(t, build, nil)
			if got := strings.Join(calls, " "); got != tt.want {
				t.Fatalf("calls:\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	t.Run("workflow hook panic", func(t *testing.T) {
		var calls []string
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("hooks", runtime.Hooks(panicky{}))
			runtime.Add(wf, &hooked{calls: &calls}, runtime.Name("n"))
			return wf
		}
		res := mustRun(t, build, nil)
		if res.Status != runtime.Failed || res.Error.Message != "panic in workflow OnFinish hook: wf finish" {
			t.Fatalf("status %v error %+v", res.Status, res.Error)
		}
	})
}

// Across workflow retries: every attempt runs the workflow hooks around the
// node's, and the node's retry budget starts again with fresh instances.
func TestHookOrderAcrossWorkflowRetries(t *testing.T) {
	var calls []string
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("hooks", runtime.Hooks(wfHooks{&calls}))
		runtime.Add(wf, &hooked{calls: &calls, fail: 99}, runtime.Name("n"), runtime.Retries(1, 0))
		return wf
	}
	res := mustRun(t, build, &In{Input: runtime.Input{MaxRetries: 1}})
	attempt := "wf.OnStart OnStart Logic#1 OnFailure(attempt 1 fails) OnFinish OnStart Logic#2 OnFailure(attempt 2 fails) OnFinish wf.OnFailure(attempt 2 fails) wf.OnFinish"
	if got, want := strings.Join(calls, " "), attempt+" "+attempt; got != want {
		t.Fatalf("calls:\n%s\nwant\n%s", got, want)
	}
	if res.Status != runtime.DataError || len(res.Executions) != 2 {
		t.Fatalf("status %v, %d workflow attempts", res.Status, len(res.Executions))
	}
	for i, ex := range res.Executions {
		recs := ex.Nodes["n"]
		if len(recs) != 2 || recs[0].Attempt != 1 || recs[1].Attempt != 2 || recs[1].Status != runtime.DataError {
			t.Errorf("workflow attempt %d: node records %+v", i+1, recs)
		}
	}
}

type panicky struct{}

func (panicky) OnFinish(context.Context) { panic("wf finish") }

func TestMiddlewareAndObserver(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	mw := func(next runtime.AttemptFunc) runtime.AttemptFunc {
		return func(ctx context.Context, a runtime.Attempt) error {
			err := next(ctx, a)
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%s#%d/%d:%v", a.Node, a.Number, a.MaxAttempts, runtime.StatusOf(err)))
			mu.Unlock()
			if a.Node == "veto" {
				return runtime.Errorf(runtime.PrerequisiteFail, "vetoed by policy")
			}
			return err
		}
	}
	var events []string
	obs := func(e runtime.Event) {
		s := e.Kind.String()
		if e.Node != "" {
			s += ":" + e.Node
		}
		if e.Kind == runtime.NodeFinished || e.Kind == runtime.WorkflowFinished {
			s += ":" + e.Status.String()
		}
		events = append(events, s)
	}
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("mw")
		a := runtime.Add(wf, &hooked{fail: 1}, runtime.Name("a"), runtime.Retries(1, 0))
		v := runtime.AddFunc(wf, "veto", ok)
		wf.AddEdge(a, v)
		return wf
	}
	res := mustRun(t, build, nil, runtime.WithMiddleware(mw), runtime.WithObserver(obs))
	if got := strings.Join(seen, " "); got != "a#1/2:DATA_ERROR a#2/2:COMPLETED veto#1/1:COMPLETED" {
		t.Fatalf("middleware saw %s", got)
	}
	if res.Status != runtime.PrerequisiteFail {
		t.Fatalf("status %v", res.Status)
	}
	want := "workflow_started node_started:a node_retrying:a node_started:a node_finished:a:COMPLETED node_started:veto node_finished:veto:PREREQUISITE_FAIL workflow_finished:PREREQUISITE_FAIL"
	if got := strings.Join(events, " "); got != want {
		t.Fatalf("events:\n%s\nwant\n%s", got, want)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	var cur, high atomic.Int32
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("limited", runtime.MaxConcurrency(3))
		root := runtime.AddFunc(wf, "root", ok)
		for i := range 20 {
			n := runtime.AddFunc(wf, fmt.Sprintf("n%02d", i), func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
				c := cur.Add(1)
				for {
					h := high.Load()
					if c <= h || high.CompareAndSwap(h, c) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
				cur.Add(-1)
				return nil
			})
			wf.AddEdge(root, n)
		}
		return wf
	}
	res := mustRun(t, build, nil)
	if res.Status != runtime.Completed {
		t.Fatal(res.Status)
	}
	if h := high.Load(); h != 3 {
		t.Fatalf("high-water mark = %d, want exactly 3 (limit reached, never exceeded)", h)
	}
}

func TestConcurrentRunsAreIsolated(t *testing.T) {
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("iso")
		p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
		c := runtime.Add(wf, &consumer{p: p}, runtime.Name("consumer"))
		wf.AddEdge(p, c)
		return wf
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			res, err := runtime.Run(context.Background(), build, nil)
			if err != nil || res.Status != runtime.Completed || len(res.Last().Nodes["producer"]) != 1 {
				t.Errorf("run: %v %v", err, res)
			}
		})
	}
	wg.Wait()
}

func TestStatus(t *testing.T) {
	codes := map[runtime.Status]int{}
	for _, s := range runtime.Statuses() {
		codes[s] = s.Code()
		back, err := runtime.ParseStatus(s.String())
		if err != nil || back != s {
			t.Fatalf("ParseStatus(%s) = %v, %v", s, back, err)
		}
	}
	want := map[string]int{"UNKNOWN": -1, "COMPLETED": 0, "FAILED": 1, "WAITING": 21, "IN_PROGRESS": 22, "NO_VERDICT": 41,
		"PARTIAL_VERDICT": 42, "TIMED_OUT": 61, "CANCELLED": 62, "INFRASTRUCTURE_ERROR": 63, "DATA_ERROR": 64,
		"PREREQUISITE_FAIL": 81, "API_CALL_FAILURE": 82, "NETWORK_FAILURE": 83, "DATA_VALIDATION_FAILURE": 84, "DEPENDENCY_UNAVAILABLE": 85}
	if len(codes) != len(want) {
		t.Fatalf("%d statuses, want %d", len(codes), len(want))
	}
	for s, c := range codes {
		if want[s.String()] != c {
			t.Errorf("%s = %d, want %d", s, c, want[s.String()])
		}
	}
	custom, err := runtime.DefineStatus(200)
	if err != nil || custom.String() != "STATUS_200" {
		t.Fatalf("DefineStatus(200) = %v, %v", custom, err)
	}
	for _, bad := range []int{-2, 256, 1000} {
		if _, err := runtime.DefineStatus(bad); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("status %d: a status code must be in 0–255", bad)) {
			t.Errorf("DefineStatus(%d) err = %v", bad, err)
		}
	}
	b, _ := json.Marshal(map[string]runtime.Status{"s": runtime.DataValidationFailure, "c": custom})
	if string(b) != `{"c":"STATUS_200","s":"DATA_VALIDATION_FAILURE"}` {
		t.Fatalf("json = %s", b)
	}
	wrapped := fmt.Errorf("loading: %w", runtime.Errorf(runtime.DataError, "row %d: %w", 3, errors.ErrUnsupported))
	if runtime.StatusOf(wrapped) != runtime.DataError || !errors.Is(wrapped, errors.ErrUnsupported) {
		t.Fatal("status or cause lost through wrapping")
	}
	if runtime.StatusOf(errors.New("x")) != runtime.Failed || runtime.StatusOf(nil) != runtime.Completed {
		t.Fatal("plain errors")
	}
	if runtime.StatusOf(runtime.Errorf(runtime.Status(300), "out of range")) != runtime.Failed {
		t.Fatal("an out-of-range status must fail as FAILED")
	}
	// §5: any error without a status is FAILED, context errors included
	// (a node's own deadline is not the node timeout).
	if runtime.StatusOf(context.DeadlineExceeded) != runtime.Failed || runtime.StatusOf(fmt.Errorf("call: %w", context.Canceled)) != runtime.Failed {
		t.Fatal("context errors")
	}
}

// The description internal/spec gives the rest of the module.
func TestSpec(t *testing.T) {
	wf := runtime.NewWorkflow[In]("spec", runtime.Description("d"), runtime.Version("2"), runtime.MaxConcurrency(4), runtime.Hooks(wfHooks{}))
	p := runtime.Add(wf, &producer{}, runtime.Description("makes 42"), runtime.Timeout(5*time.Second), runtime.Retries(2, time.Second), runtime.ExponentialBackoff(2, 10*time.Second))
	c := runtime.Add(wf, &hooked{}, runtime.Name("h"))
	f := runtime.AddFunc(wf, "f", ok)
	wf.AddConditionalEdge(p, c, "value is positive", func() bool { return true })
	wf.AddEdgeIfSourceCompleted(f, p) // f comes first in the topological order
	wf.AddExecutionGroup(c, p, c)     // a node named twice is a member once
	s, err := spec.Of(wf)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "spec" || s.Description != "d" || s.Version != "2" || s.MaxConcurrency != 4 || s.Input != reflect.TypeFor[In]() {
		t.Fatalf("%+v", s)
	}
	if !slices.Equal(s.Hooks, []string{"OnStart", "OnSuccess", "OnFailure", "OnFinish"}) {
		t.Fatalf("workflow hooks %v", s.Hooks)
	}
	var names []string
	for _, n := range s.Nodes {
		names = append(names, n.Name)
	}
	if !slices.Equal(names, []string{"f", "producer", "h"}) {
		t.Fatalf("nodes %v", names)
	}
	n := s.Nodes[1]
	if n.Name != "producer" || n.Description != "makes 42" || n.Timeout != 5*time.Second || n.MaxRetries != 2 || n.RetryDelay != time.Second ||
		n.Backoff == nil || *n.Backoff != (spec.Backoff{Factor: 2, Max: 10 * time.Second}) {
		t.Fatalf("node %+v", n)
	}
	if n.Type != reflect.TypeFor[*producer]() || n.Output != reflect.TypeFor[producerOut]() {
		t.Fatalf("node types %v %v", n.Type, n.Output)
	}
	if fn := s.Nodes[0]; fn.Type != reflect.TypeFor[*runtime.Func[In, runtime.NoOutput]]() || fn.Output != nil || fn.Backoff != nil {
		t.Fatalf("func node %+v", fn)
	}
	want := []spec.Edge{
		{From: "producer", To: "h", Kind: uint8(runtime.Conditional), Label: "value is positive"},
		{From: "f", To: "producer", Kind: uint8(runtime.OnSuccess), Label: "if completed"},
	}
	if !slices.Equal(s.Edges, want) {
		t.Fatalf("edges %+v", s.Edges)
	}
	if len(s.Groups) != 1 || !slices.Equal(s.Groups[0], []string{"producer", "h"}) {
		t.Fatalf("groups %v", s.Groups)
	}
	if !slices.Equal(s.Nodes[2].Hooks, []string{"OnStart", "OnSuccess", "OnFailure", "OnFinish"}) {
		t.Fatalf("hooks %v", s.Nodes[2].Hooks)
	}

	// Anything but a workflow is refused; a workflow with errors is
	// described, with its errors.
	if _, err := spec.Of(42); !errors.Is(err, spec.ErrNotWorkflow) {
		t.Fatalf("spec.Of(42): %v", err)
	}
	bad := runtime.NewWorkflow[In]("bad")
	runtime.AddFunc(bad, "a", ok)
	runtime.AddFunc(bad, "a", ok)
	if s, err := spec.Of(bad); !errors.Is(err, runtime.ErrDuplicateNode) || len(s.Nodes) != 1 {
		t.Fatalf("spec.Of(bad): %v, %d nodes", err, len(s.Nodes))
	}
}
