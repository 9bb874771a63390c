package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	goruntime "runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/internal/spec/engine"
	"github.com/fluxly-go/fluxly/runtime"
)

type pipeIn struct {
	runtime.Input
	Threshold int            `json:"threshold"`
	Token     runtime.Secret `json:"token"`
}

type rowsOut struct {
	Rows     int    `json:"rows"`
	Rejected int    `json:"rejected"`
	Note     string `json:"note"`
}

// pipeline exercises what a stepper runs: typed outputs read downstream,
// typed and plain conditions, retries, permanent errors, non-retryable
// statuses, a node timeout with logic that ignores its context, a panic,
// runtime.Goexit, hooks, trigger rules and ContinueOnFailure. Its
// outcome does not depend on timing, so a local run and a driven one
// must agree on every record.
type pipeline struct {
	release chan struct{} // ends the logic the timeout abandoned
	mu      sync.Mutex
	calls   map[string]int
}

func (p *pipeline) count(node string) {
	p.mu.Lock()
	p.calls[node]++
	p.mu.Unlock()
}

// reset clears the counts and returns the old ones, as "name:n …".
func (p *pipeline) reset() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := fmt.Sprint(p.calls)
	p.calls = map[string]int{}
	return s
}

type validator struct {
	runtime.Node[pipeIn, rowsOut]
	Fetch *runtime.Func[pipeIn, rowsOut]
	p     *pipeline
}

func (v *validator) Logic(_ context.Context, x *runtime.Exec[pipeIn, rowsOut]) error {
	v.p.count("validate")
	x.Output.Rows = v.Fetch.Last().Output.Rows
	x.Output.Rejected = x.Output.Rows / 3
	x.Output.Note = fmt.Sprintf("token of %d characters", len(x.Input.Token.Reveal()))
	return nil
}

func (v *validator) OnStart(context.Context)  { v.p.count("validate.OnStart") }
func (v *validator) OnFinish(context.Context) { v.p.count("validate.OnFinish") }

func (p *pipeline) build() *runtime.Workflow[pipeIn] {
	wf := runtime.NewWorkflow[pipeIn]("pipeline")
	fetch := runtime.AddFunc(wf, "fetch", func(_ context.Context, x *runtime.Exec[pipeIn, rowsOut]) error {
		p.count("fetch")
		if x.Attempt == 1 {
			return runtime.Errorf(runtime.NetworkFailure, "connection reset")
		}
		x.Output.Rows = 2 * x.Input.Threshold
		return nil
	}, runtime.Retries(2, time.Millisecond))
	validate := runtime.Add(wf, &validator{Fetch: fetch, p: p}, runtime.Name("validate"))
	store := runtime.AddFunc(wf, "store", func(_ context.Context, x *runtime.Exec[pipeIn, rowsOut]) error {
		p.count("store")
		x.Output.Rows = validate.Last().Output.Rows - validate.Last().Output.Rejected
		x.Output.Note = validate.Last().Output.Note
		return nil
	})
	notify := runtime.AddFunc(wf, "notify", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error {
		p.count("notify")
		return nil
	})
	permanent := runtime.AddFunc(wf, "permanent", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error {
		p.count("permanent")
		return runtime.Permanent(runtime.Errorf(runtime.DataError, "schema changed"))
	}, runtime.Retries(3, 0), runtime.ContinueOnFailure())
	nonRetryable := runtime.AddFunc(wf, "non-retryable", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error {
		p.count("non-retryable")
		return runtime.Errorf(runtime.PrerequisiteFail, "no quota")
	}, runtime.Retries(3, 0), runtime.NonRetryable(runtime.PrerequisiteFail), runtime.ContinueOnFailure())
	slow := runtime.AddFunc(wf, "slow", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error {
		p.count("slow")
		<-p.release // ignores its context
		return nil
	}, runtime.Timeout(5*time.Millisecond), runtime.ContinueOnFailure())
	panics := runtime.AddFunc(wf, "panics", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error {
		p.count("panics")
		panic("out of paper")
	}, runtime.ContinueOnFailure())
	exits := runtime.AddFunc(wf, "exits", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error {
		p.count("exits")
		goruntime.Goexit()
		return nil
	}, runtime.ContinueOnFailure())
	report := runtime.AddFunc(wf, "report", func(_ context.Context, x *runtime.Exec[pipeIn, rowsOut]) error {
		p.count("report")
		x.Output.Rows = store.Last().Output.Rows
		x.Output.Note = fmt.Sprintf("permanent %v, slow %v", permanent.Last().Status, slow.Last().Status)
		return nil
	}, runtime.Trigger(runtime.AllDone))
	onlyIfAllFine := runtime.AddFunc(wf, "only-if-all-fine", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error {
		p.count("only-if-all-fine")
		return nil
	}, runtime.Trigger(runtime.NoneFailed))

	wf.AddEdgeIfSourceCompleted(fetch, validate)
	wf.AddEdgeWhen(validate, store, "few rows rejected", func(in *pipeIn) bool {
		return validate.Last().Output.Rejected < in.Threshold
	})
	wf.AddConditionalEdge(validate, notify, "nothing rejected", func() bool { return validate.Last().Output.Rejected == 0 })
	for _, n := range []runtime.NodeRef{store, notify, permanent, nonRetryable, slow, panics, exits} {
		wf.AddEdge(n, report)
		wf.AddEdge(n, onlyIfAllFine)
	}
	return wf
}

// record is what must match between a local and a driven run.
type record struct {
	Attempt int
	Status  string
	Error   string
	Output  string
	Reused  bool
}

func records(recs []runtime.NodeExecution) []record {
	var out []record
	for _, r := range recs {
		rec := record{Attempt: r.Attempt, Status: r.Status.String(), Reused: r.Reused}
		if r.Error != nil {
			rec.Error = r.Error.Type + ": " + r.Error.Message
		}
		if r.Output != nil {
			b, _ := json.Marshal(r.Output)
			rec.Output = string(b)
		}
		out = append(out, rec)
	}
	return out
}

// drive runs build the way an engine does, one node at a time: a walker
// and a stepper for the workflow function, a fresh stepper per attempt
// (an activity on any worker) restoring every finished node's records.
// prev, when set, is resumed.
func drive(t *testing.T, build func() *runtime.Workflow[pipeIn], input any, opts []any, prev map[string][]json.RawMessage) (map[string][]runtime.NodeExecution, []string, *engine.Step) {
	t.Helper()
	cfg := engine.Config{RunID: "driven", Options: opts}
	wfs, err := engine.New(build(), input, cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := wfs.Graph()
	finished := map[int][]json.RawMessage{}
	var restored []int
	for v, n := range g.Nodes {
		if recs, ok := prev[n.Name]; ok {
			if err := wfs.Restore(v, recs); err != nil {
				t.Fatal(err)
			}
			finished[v] = recs
			restored = append(restored, v)
		}
	}
	walker := engine.NewWalker(g)
	st, err := walker.Start(restored, wfs.Condition)
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	queue := st.Ready
	for len(queue) > 0 && !walker.Over() {
		v := queue[0]
		queue = queue[1:]
		var recs []json.RawMessage
		status := 0
		for attempt := 1; ; attempt++ {
			act, err := engine.New(build(), input, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for u, r := range finished {
				if err := act.Restore(u, r); err != nil {
					t.Fatal(err)
				}
			}
			res, err := act.Attempt(context.Background(), v, attempt)
			if err != nil {
				t.Fatal(err)
			}
			recs, status = append(recs, res.Record), res.Status
			if res.Status == 0 || res.NonRetryable || attempt >= g.Nodes[v].Retry.MaximumAttempts {
				break
			}
		}
		finished[v] = recs
		if err := wfs.Restore(v, recs); err != nil {
			t.Fatal(err)
		}
		if st, err = walker.Finish(v, status, wfs.Condition); err != nil {
			t.Fatal(err)
		}
		queue = append(queue, st.Ready...)
		for _, s := range st.Skipped {
			skipped = append(skipped, g.Nodes[s].Name)
		}
	}
	for _, s := range st.Skipped {
		if !slices.Contains(skipped, g.Nodes[s].Name) {
			skipped = append(skipped, g.Nodes[s].Name)
		}
	}
	out := map[string][]runtime.NodeExecution{}
	for v, raws := range finished {
		for _, raw := range raws {
			var rec runtime.NodeExecution
			if err := json.Unmarshal(raw, &rec); err != nil {
				t.Fatal(err)
			}
			out[g.Nodes[v].Name] = append(out[g.Nodes[v].Name], rec)
		}
	}
	sort.Strings(skipped)
	return out, skipped, walker.Result()
}

func TestSteppersMatchALocalRun(t *testing.T) {
	p := &pipeline{release: make(chan struct{}), calls: map[string]int{}}
	t.Cleanup(func() { close(p.release) })
	in := &pipeIn{Threshold: 6, Token: "s3cret"}
	var mwMu sync.Mutex // an abandoned attempt's goroutine may still run
	var mwSeen []string
	mw := func(next runtime.AttemptFunc) runtime.AttemptFunc {
		return func(ctx context.Context, a runtime.Attempt) error {
			mwMu.Lock()
			mwSeen = append(mwSeen, fmt.Sprintf("%s#%d/%d", a.Node, a.Number, a.MaxAttempts))
			mwMu.Unlock()
			return next(ctx, a)
		}
	}
	local, err := runtime.Run(context.Background(), p.build, in)
	if err != nil {
		t.Fatal(err)
	}
	if local.Status != runtime.Completed {
		t.Fatalf("local: %v %+v", local.Status, local.Error)
	}
	localCalls := p.reset()
	for _, input := range []any{in, *in, []byte(`{"threshold":6,"token":"s3cret"}`)} {
		t.Run(fmt.Sprintf("%T", input), func(t *testing.T) {
			mwMu.Lock()
			mwSeen = nil
			mwMu.Unlock()
			nodes, skipped, end := drive(t, p.build, input, []any{runtime.WithMiddleware(mw)}, nil)
			if !end.Over || runtime.Status(end.Status) != local.Status || end.Cause != -1 || end.Err != nil {
				t.Fatalf("driven end %+v", end)
			}
			if !slices.Equal(skipped, local.Last().Skipped) {
				t.Fatalf("skipped %v, local %v", skipped, local.Last().Skipped)
			}
			if len(nodes) != len(local.Last().Nodes) {
				t.Fatalf("driven ran %d nodes, local %d", len(nodes), len(local.Last().Nodes))
			}
			for name, recs := range local.Last().Nodes {
				want, got := records(recs), records(nodes[name])
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s:\n driven %+v\n local  %+v", name, got, want)
				}
			}
			if calls := p.reset(); calls != localCalls {
				t.Errorf("calls %v, local %v", calls, localCalls)
			}
			mwMu.Lock()
			if !slices.Contains(mwSeen, "fetch#2/3") {
				t.Errorf("middleware saw %v", mwSeen)
			}
			mwMu.Unlock()
		})
	}

	// Spot checks of the shared outcome.
	want := map[string]string{
		"fetch": "NETWORK_FAILURE COMPLETED", "validate": "COMPLETED", "store": "COMPLETED", "permanent": "DATA_ERROR",
		"non-retryable": "PREREQUISITE_FAIL", "slow": "TIMED_OUT", "panics": "FAILED", "exits": "FAILED", "report": "COMPLETED",
	}
	for name, w := range want {
		var got []string
		for _, r := range local.Last().Nodes[name] {
			got = append(got, r.Status.String())
		}
		if strings.Join(got, " ") != w {
			t.Errorf("%s: %v, want %s", name, got, w)
		}
	}
	if out, _ := runtime.Output[rowsOut](local, "report"); out.Rows != 8 || out.Note != "permanent DATA_ERROR, slow TIMED_OUT" {
		t.Errorf("report %+v", out)
	}
	if out, _ := runtime.Output[rowsOut](local, "store"); out.Note != "token of 6 characters" || !strings.Contains(localCalls, "validate.OnFinish:1") {
		t.Errorf("store %+v, calls %s", out, localCalls)
	}
	if !slices.Equal(local.Last().Skipped, []string{"notify", "only-if-all-fine"}) {
		t.Errorf("skipped %v", local.Last().Skipped)
	}

	// Resume: restore the COMPLETED nodes; only the others run again.
	t.Run("resume", func(t *testing.T) {
		prev := map[string][]json.RawMessage{}
		for name, recs := range local.Last().Nodes {
			if last := recs[len(recs)-1]; last.Status == runtime.Completed {
				last.Reused = true
				b, _ := json.Marshal(last)
				prev[name] = []json.RawMessage{b}
			}
		}
		nodes, _, end := drive(t, p.build, in, nil, prev)
		if runtime.Status(end.Status) != runtime.Completed {
			t.Fatalf("end %+v", end)
		}
		calls := p.reset()
		for _, n := range []string{"fetch", "validate", "store", "report"} {
			if strings.Contains(calls, n+":") || len(nodes[n]) != 1 || !nodes[n][0].Reused {
				t.Errorf("%s ran again (calls %s) or lost its record %+v", n, calls, nodes[n])
			}
		}
		if !strings.Contains(calls, "permanent:1") || !strings.Contains(calls, "slow:1") {
			t.Errorf("calls %v", calls)
		}
	})
}

func TestStepperErrors(t *testing.T) {
	p := &pipeline{release: make(chan struct{}), calls: map[string]int{}}
	t.Cleanup(func() { close(p.release) })
	if _, err := engine.New(42, nil, engine.Config{}); !errors.Is(err, engine.ErrNotWorkflow) {
		t.Fatalf("not a workflow: %v", err)
	}
	bad := runtime.NewWorkflow[pipeIn]("bad")
	runtime.AddFunc(bad, "a", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error { return nil })
	runtime.AddFunc(bad, "a", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error { return nil })
	if _, err := engine.New(bad, nil, engine.Config{}); !errors.Is(err, runtime.ErrDuplicateNode) {
		t.Fatalf("graph errors: %v", err)
	}
	for _, c := range []struct {
		input any
		opts  []any
		want  string
	}{
		{"a string", nil, "engine input: a string, not a *engine_test.pipeIn or JSON"},
		{[]byte(`{"threshold":"x"}`), nil, "engine input: decoding it as engine_test.pipeIn"},
		{nil, []any{42}, "engine option: a int, not a runtime.RunOption"},
	} {
		if _, err := engine.New(p.build(), c.input, engine.Config{Options: c.opts}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %s", c.input, err, c.want)
		}
	}
	s, err := engine.New(p.build(), nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attempt(context.Background(), 99, 1); err == nil {
		t.Error("node out of range")
	}
	if _, err := s.Attempt(context.Background(), 0, 0); err == nil {
		t.Error("attempt 0")
	}
	if _, err := s.Condition(0); err == nil || !strings.Contains(err.Error(), "is not conditional") {
		t.Errorf("plain edge: %v", err)
	}
	if err := s.Restore(0, []json.RawMessage{[]byte(`{"attempt":1,"status":"COMPLETED","output":{"rows":"many"}}`)}); err == nil ||
		!strings.Contains(err.Error(), `restoring node "fetch": record 1: decoding its output as engine_test.rowsOut`) {
		t.Errorf("bad output: %v", err)
	}

	// A failed record restores its error as a *runtime.Error, and a
	// cancelled context cancels the attempt.
	if err := s.Restore(0, []json.RawMessage{[]byte(`{"attempt":1,"status":"NETWORK_FAILURE","error":{"type":"*runtime.Error","message":"reset"}}`)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := s.Attempt(ctx, indexOf(s.Graph(), "slow"), 1)
	if err != nil || runtime.Status(res.Status) != runtime.Cancelled || res.NonRetryable {
		t.Fatalf("cancelled: %+v %v", res, err)
	}
}

func indexOf(g *engine.Graph, name string) int {
	for i, n := range g.Nodes {
		if n.Name == name {
			return i
		}
	}
	return -1
}

// The graph an engine gets, and the retry policy it maps.
func TestStepperGraph(t *testing.T) {
	wf := runtime.NewWorkflow[pipeIn]("graph", runtime.Version("3"), runtime.MaxConcurrency(2))
	a := runtime.AddFunc(wf, "a", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error { return nil },
		runtime.Retries(4, 2*time.Second), runtime.ExponentialBackoff(3, 10*time.Second), runtime.Jitter(),
		runtime.NonRetryable(runtime.DataError), runtime.Timeout(time.Minute))
	b := runtime.AddFunc(wf, "b", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error { return nil },
		runtime.Trigger(runtime.OneFailed), runtime.ContinueOnFailure())
	wf.AddEdgeIfSourceCompleted(a, b)
	wf.AddExecutionGroup(b)
	s, err := engine.New(wf, nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	g := s.Graph()
	want := &engine.Graph{Workflow: "graph", Version: "3", MaxConcurrency: 2,
		Nodes: []engine.Node{
			{Name: "a", Timeout: time.Minute, Retry: engine.RetryPolicy{MaximumAttempts: 5, InitialInterval: 2 * time.Second,
				BackoffCoefficient: 3, MaximumInterval: 10 * time.Second, Jitter: true, NonRetryableStatuses: []string{"DATA_ERROR"}}},
			{Name: "b", Rule: engine.OneFailed, ContinueOnFailure: true, Retry: engine.RetryPolicy{MaximumAttempts: 1, BackoffCoefficient: 1}},
		},
		Edges:  []engine.Edge{{From: 0, To: 1, Kind: engine.OnSuccess, Label: "if completed"}},
		Groups: [][]int{{1}},
	}
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", want) {
		t.Fatalf("graph\n%+v\nwant\n%+v", g, want)
	}
	var delays []time.Duration
	for k := 1; k <= 4; k++ {
		delays = append(delays, g.Nodes[0].Retry.Delay(k))
	}
	if fmt.Sprint(delays) != "[2s 6s 10s 10s]" || g.Nodes[1].Retry.Delay(3) != 0 {
		t.Fatalf("delays %v", delays)
	}
}

type wfHooks struct{ calls *[]string }

func (h wfHooks) OnStart(context.Context)   { *h.calls = append(*h.calls, "start") }
func (h wfHooks) OnSuccess(context.Context) { *h.calls = append(*h.calls, "success") }
func (h wfHooks) OnFailure(_ context.Context, err error) {
	*h.calls = append(*h.calls, "failure: "+err.Error())
}
func (h wfHooks) OnFinish(context.Context) { panic("finish broke") }

func TestStepperWorkflowHooks(t *testing.T) {
	var calls []string
	wf := runtime.NewWorkflow[pipeIn]("hooks", runtime.Hooks(wfHooks{&calls}))
	runtime.AddFunc(wf, "a", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error { return nil })
	s, err := engine.New(wf, nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, h := range []string{"OnStart", "OnSuccess"} {
		if err := s.WorkflowHook(ctx, h, nil); err != nil {
			t.Fatalf("%s: %v", h, err)
		}
	}
	if err := s.WorkflowHook(ctx, "OnFailure", errors.New("node a ended DATA_ERROR")); err != nil {
		t.Fatal(err)
	}
	var pe *runtime.PanicError
	if err := s.WorkflowHook(ctx, "OnFinish", nil); !errors.As(err, &pe) || err.Error() != "panic in workflow OnFinish hook: finish broke" {
		t.Fatalf("OnFinish: %v", err)
	}
	if got := strings.Join(calls, "; "); got != "start; success; failure: node a ended DATA_ERROR" {
		t.Fatalf("calls %s", got)
	}
	if err := s.WorkflowHook(ctx, "OnFinsh", nil); err == nil {
		t.Fatal("a misspelt hook name")
	}
	// A workflow without hooks: nothing to run.
	plain := runtime.NewWorkflow[pipeIn]("plain")
	runtime.AddFunc(plain, "a", func(context.Context, *runtime.Exec[pipeIn, runtime.NoOutput]) error { return nil })
	s, _ = engine.New(plain, nil, engine.Config{})
	if err := s.WorkflowHook(ctx, "OnFinish", nil); err != nil {
		t.Fatal(err)
	}
}
