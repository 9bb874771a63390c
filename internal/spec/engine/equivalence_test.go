package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fluxly-go/fluxly/internal/spec/engine"
	"github.com/fluxly-go/fluxly/runtime"
)

type in struct {
	runtime.Input
}

// randomWorkflow is a random DAG: node outcomes, edge kinds and condition
// results are fixed by the seed, so a local run and a walk can be given
// the same ones.
type randomWorkflow struct {
	n        int
	final    []runtime.Status // each node's final status
	retried  []bool           // the first attempt fails, the second ends final
	cont     []bool
	rules    []runtime.TriggerRule
	edges    []randomEdge
	groups   [][]int
	conc     int
	panicked string // the panic message of conditions that panic
}

type randomEdge struct {
	from, to int
	kind     runtime.EdgeKind
	cond     bool // a conditional edge's result
	panics   bool
}

var statuses = []runtime.Status{runtime.DataError, runtime.NetworkFailure, runtime.PrerequisiteFail}

var rules = []runtime.TriggerRule{runtime.AllSuccess, runtime.AllDone, runtime.NoneFailed, runtime.NoneFailedMinOneSuccess,
	runtime.OneSuccess, runtime.OneFailed, runtime.AllFailed, runtime.Always}

func newRandomWorkflow(seed uint64) *randomWorkflow {
	rng := rand.New(rand.NewPCG(seed, 42))
	w := &randomWorkflow{n: 3 + rng.IntN(12), panicked: "condition bug"}
	for i := range w.n {
		st := runtime.Completed
		if rng.IntN(3) == 0 {
			st = statuses[rng.IntN(len(statuses))]
		}
		w.final = append(w.final, st)
		w.retried = append(w.retried, rng.IntN(5) == 0)
		w.cont = append(w.cont, rng.IntN(4) == 0)
		var r runtime.TriggerRule
		if rng.IntN(2) == 0 {
			r = rules[rng.IntN(len(rules))]
		}
		w.rules = append(w.rules, r)
		for j := range i {
			if rng.IntN(3) == 0 {
				e := randomEdge{from: j, to: i, kind: runtime.EdgeKind(rng.IntN(3)), cond: rng.IntN(2) == 0}
				e.panics = e.kind == runtime.Conditional && rng.IntN(25) == 0
				w.edges = append(w.edges, e)
			}
		}
	}
	for range rng.IntN(3) {
		var g []int
		for v := range w.n {
			if rng.IntN(2) == 0 {
				g = append(g, v)
			}
		}
		if len(g) > 0 {
			w.groups = append(w.groups, g)
		}
	}
	w.conc = rng.IntN(3)
	return w
}

func name(v int) string { return fmt.Sprintf("n%02d", v) }

func (w *randomWorkflow) build() *runtime.Workflow[in] {
	wf := runtime.NewWorkflow[in]("random", runtime.MaxConcurrency(w.conc))
	nodes := make([]runtime.NodeRef, w.n)
	for v := range w.n {
		opts := []runtime.NodeOption{}
		if w.rules[v] != 0 {
			opts = append(opts, runtime.Trigger(w.rules[v]))
		}
		if w.cont[v] {
			opts = append(opts, runtime.ContinueOnFailure())
		}
		if w.retried[v] {
			opts = append(opts, runtime.Retries(1, 0))
		}
		final, retried := w.final[v], w.retried[v]
		nodes[v] = runtime.AddFunc(wf, name(v), func(_ context.Context, x *runtime.Exec[in, runtime.NoOutput]) error {
			if retried && x.Attempt == 1 {
				return runtime.Errorf(runtime.NetworkFailure, "first attempt")
			}
			if final == runtime.Completed {
				return nil
			}
			return runtime.Errorf(final, "%s ends %v", name(v), final)
		}, opts...)
	}
	for _, e := range w.edges {
		switch e.kind {
		case runtime.Plain:
			wf.AddEdge(nodes[e.from], nodes[e.to])
		case runtime.OnSuccess:
			wf.AddEdgeIfSourceCompleted(nodes[e.from], nodes[e.to])
		case runtime.Conditional:
			if e.panics {
				wf.AddConditionalEdge(nodes[e.from], nodes[e.to], "panics", func() bool { panic(w.panicked) })
				continue
			}
			result := e.cond
			wf.AddEdgeWhen(nodes[e.from], nodes[e.to], "fixed", func(*in) bool { return result })
		}
	}
	for _, g := range w.groups {
		refs := make([]runtime.NodeRef, len(g))
		for i, v := range g {
			refs[i] = nodes[v]
		}
		wf.AddExecutionGroup(refs...)
	}
	return wf
}

// event is a local run's observer event, reduced.
type event struct {
	kind   runtime.EventKind
	node   string
	status runtime.Status
}

// localRun runs w with an observer and returns the result and the events
// in the order the scheduler made them.
func localRun(t *testing.T, w *randomWorkflow, opts ...runtime.RunOption) (*runtime.Result, []event) {
	t.Helper()
	var mu sync.Mutex
	var events []event
	obs := func(e runtime.Event) {
		mu.Lock()
		events = append(events, event{e.Kind, e.Node, e.Status})
		mu.Unlock()
	}
	res, err := runtime.Run(context.Background(), w.build, nil, append(opts, runtime.WithObserver(obs))...)
	if err != nil {
		t.Fatal(err)
	}
	return res, events
}

// TestWalkerMatchesLocalRuns builds random DAGs with every edge kind,
// trigger rules, execution groups, ContinueOnFailure, retries, condition
// panics and concurrency limits, runs each locally, then drives a walker
// with the local run's node outcomes in the order the local scheduler
// learnt them, and checks that the walker made the same decisions: every
// node the local run started was ready, and the final state of every
// node (its status, skipped, cancelled, not reached) and of the workflow
// (status and cause) are the same. A quarter of the seeds also resume
// their first run (runtime.ResumeFrom against Walker.Start's restored).
func TestWalkerMatchesLocalRuns(t *testing.T) {
	var seen coverage
	for seed := range uint64(400) {
		w := newRandomWorkflow(seed)
		res, events := localRun(t, w)
		compare(t, seed, w, res, events, nil)
		seen.add(w, res)
		if seed%4 == 0 {
			var restored []string
			for v := range w.n {
				if r := res.Last().Nodes[name(v)]; len(r) > 0 && r[len(r)-1].Status == runtime.Completed {
					restored = append(restored, name(v))
				}
			}
			res2, events2 := localRun(t, w, runtime.ResumeFrom(res))
			compare(t, seed, w, res2, events2, restored)
			seen.add(w, res2)
		}
	}
	seen.check(t)
}

// coverage counts what the random workflows exercised, so that a change
// to the generator cannot quietly stop testing something.
type coverage struct {
	completed, groupsDead, condPanics, reused int
	ran, skipped                              map[runtime.TriggerRule]int
}

func (c *coverage) add(w *randomWorkflow, res *runtime.Result) {
	if c.ran == nil {
		c.ran, c.skipped = map[runtime.TriggerRule]int{}, map[runtime.TriggerRule]int{}
	}
	switch {
	case res.Status == runtime.Completed:
		c.completed++
	case res.Error != nil && res.Error.Type == "panic":
		c.condPanics++
	default:
		c.groupsDead++
	}
	ex := res.Last()
	for v := range w.n {
		switch ex.NodeState(name(v)) {
		case runtime.Ran:
			c.ran[w.rules[v]]++
			if ex.Nodes[name(v)][0].Reused {
				c.reused++
			}
		case runtime.Skipped:
			c.skipped[w.rules[v]]++
		}
	}
}

func (c *coverage) check(t *testing.T) {
	t.Logf("workflows: %d completed, %d stopped by failed groups, %d by condition panics; %d nodes reused; ran by rule %v, skipped by rule %v",
		c.completed, c.groupsDead, c.condPanics, c.reused, c.ran, c.skipped)
	if c.completed < 50 || c.groupsDead < 50 || c.condPanics < 3 || c.reused < 50 {
		t.Errorf("the random workflows cover too little")
	}
	for _, r := range append([]runtime.TriggerRule{0}, rules...) {
		if c.ran[r] < 10 || (r != runtime.AllDone && r != runtime.Always && c.skipped[r] < 3) {
			t.Errorf("rule %q: ran %d times, skipped %d times", r, c.ran[r], c.skipped[r])
		}
	}
}

func compare(t *testing.T, seed uint64, w *randomWorkflow, res *runtime.Result, events []event, restored []string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d (resumed %v): %s\nworkflow %+v\nevents %v", seed, restored != nil, fmt.Sprintf(format, args...), *w, events)
	}
	s, err := engine.New(w.build(), nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	g := s.Graph()
	index := map[string]int{}
	for i, n := range g.Nodes {
		index[n.Name] = i
	}
	cond := func(edge int) (bool, error) { return s.Condition(edge) }
	walker := engine.NewWalker(g)
	var restoredIdx []int
	isRestored := map[int]bool{}
	for _, n := range restored {
		restoredIdx = append(restoredIdx, index[n])
		isRestored[index[n]] = true
	}
	st, err := walker.Start(restoredIdx, cond)
	if err != nil {
		fail("Start: %v", err)
	}
	if w.conc == 1 {
		// One node at a time: the local scheduler starts the nodes ready
		// at the start in its queue's order before any they make ready,
		// and an engine honouring the same limit must start them in the
		// same order — Start's.
		var order []int
		seen := map[int]bool{}
		for _, ev := range events {
			if v := index[ev.node]; ev.kind == runtime.NodeStarted && !seen[v] {
				seen[v] = true
				order = append(order, v)
			}
		}
		if n := min(len(order), len(st.Ready)); !slices.Equal(order[:n], st.Ready[:n]) {
			fail("the walker readies %v at the start; the local scheduler started %v", st.Ready, order)
		}
	}
	started := map[int]bool{}
	running := map[int]bool{}
	retrying := map[int]runtime.Status{} // the failed attempt's status while a retry waits
	for _, ev := range events {
		v := index[ev.node]
		switch ev.kind {
		case runtime.NodeStarted:
			if walker.Over() || walker.State(v) != engine.StateReady {
				fail("local started %s, which the walker has in state %v (over %v)", ev.node, walker.State(v), walker.Over())
			}
			started[v], running[v] = true, true
			delete(retrying, v)
		case runtime.NodeRetrying:
			running[v], retrying[v] = false, ev.status
		case runtime.NodeFinished:
			running[v] = false
			switch {
			case isRestored[v] && !started[v]:
				// Restored at Start.
			case walker.Over():
				if ev.status != runtime.Cancelled || !slices.Contains(walker.Result().Cancel, v) {
					fail("after the end, local finished %s %v; walker cancels %v", ev.node, ev.status, walker.Result().Cancel)
				}
			default:
				if st, err = walker.Finish(v, int(ev.status), cond); err != nil {
					fail("Finish(%s): %v", ev.node, err)
				}
			}
		}
	}
	_ = st
	if !walker.Over() {
		fail("the walker did not end")
	}
	end := walker.Result()
	if runtime.Status(end.Status) != res.Status {
		fail("workflow status: walker %v, local %v (%+v)", runtime.Status(end.Status), res.Status, res.Error)
	}
	switch {
	case end.Err != nil:
		if res.Error == nil || res.Error.Type != "panic" || !strings.Contains(res.Error.Message, w.panicked) || !strings.Contains(end.Err.Error(), w.panicked) {
			fail("condition panic: walker %v, local %+v", end.Err, res.Error)
		}
	case end.Cause >= 0:
		recs := res.Last().Nodes[g.Nodes[end.Cause].Name]
		if res.Error == nil || len(recs) == 0 || recs[len(recs)-1].Error == nil || res.Error.Message != recs[len(recs)-1].Error.Message {
			fail("cause %s: local error %+v, records %+v", g.Nodes[end.Cause].Name, res.Error, recs)
		}
	default:
		if res.Error != nil {
			fail("walker completed, local error %+v", res.Error)
		}
	}
	ex := res.Last()
	for v, n := range g.Nodes {
		recs := ex.Nodes[n.Name]
		var local, walked string
		switch ex.NodeState(n.Name) {
		case runtime.Ran:
			local = recs[len(recs)-1].Status.String()
			if recs[len(recs)-1].Reused != isRestored[v] {
				fail("%s: reused %v, restored %v", n.Name, recs[len(recs)-1].Reused, isRestored[v])
			}
		case runtime.Skipped:
			local = "skipped"
		default:
			local = "not reached"
		}
		switch walker.State(v) {
		case engine.StateDone:
			walked = runtime.Status(walker.Status(v)).String()
		case engine.StateSkipped:
			walked = "skipped"
		case engine.StateReady:
			// In flight at the end: an attempt that was running is
			// cancelled, a node waiting to retry keeps its last record,
			// one not started is not reached.
			walked = "not reached"
			if st, ok := retrying[v]; ok {
				walked = st.String()
			} else if started[v] {
				walked = "CANCELLED"
			}
		default:
			walked = "not reached"
		}
		if local != walked {
			fail("node %s: local %s, walker %s", n.Name, local, walked)
		}
	}
}

// The rules table, as the package documentation of runtime states it, for
// three parents: succeeded, failed, skipped counts → run (R), skip (S) or
// wait (W) when one parent has not finished yet.
func TestDecide(t *testing.T) {
	type counts struct{ s, f, k int }
	cases := []counts{{3, 0, 0}, {0, 3, 0}, {0, 0, 3}, {1, 1, 1}, {2, 0, 1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	want := map[engine.Rule]string{
		engine.Default:                 "RRSSSWWW",
		engine.AllSuccess:              "RSSSSWWW",
		engine.AllDone:                 "RRRRRWWW",
		engine.NoneFailed:              "RSRSRWWW",
		engine.NoneFailedMinOneSuccess: "RSSSRWWW",
		engine.OneSuccess:              "RSSRRRWW",
		engine.OneFailed:               "SRSRSWRW",
		engine.AllFailed:               "SRSSSWWW",
		engine.Always:                  "RRRRRRRR",
	}
	letters := map[engine.Verdict]byte{engine.Run: 'R', engine.Skip: 'S', engine.Wait: 'W'}
	for r, w := range want {
		var got []byte
		for _, c := range cases {
			got = append(got, letters[engine.Decide(r, 3, c.s, c.f, c.k)])
		}
		if string(got) != w {
			t.Errorf("%v: %s, want %s", r, got, w)
		}
		if engine.Decide(r, 0, 0, 0, 0) != engine.Run {
			t.Errorf("%v: a node without parents must run", r)
		}
	}
}

// Nodes ready at the start come in the local scheduler's queue order:
// ruled nodes that start at once, then the nodes the restored ones made
// ready, then plain roots (TestWalkerMatchesLocalRuns checks it against
// local runs limited to one node at a time).
func TestStartOrder(t *testing.T) {
	g := &engine.Graph{Nodes: []engine.Node{{Name: "a"}, {Name: "b", Rule: engine.Always}, {Name: "c", Rule: engine.AllDone},
		{Name: "d", Rule: engine.OneSuccess}, {Name: "e"}, {Name: "f"}},
		Edges: []engine.Edge{{From: 0, To: 2}, {From: 0, To: 4}, {From: 5, To: 1}}}
	st, err := engine.NewWalker(g).Start([]int{0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(st.Ready) != "[1 3 2 4 5]" {
		t.Errorf("ready at the start %v, want [1 3 2 4 5]", st.Ready)
	}
}

func TestWalkerMisuse(t *testing.T) {
	g := &engine.Graph{Nodes: []engine.Node{{Name: "a"}, {Name: "b"}}, Edges: []engine.Edge{{From: 0, To: 1, Kind: engine.Conditional}}}
	w := engine.NewWalker(g)
	if _, err := w.Finish(0, 0, nil); err == nil {
		t.Fatal("Finish before Start")
	}
	st, err := w.Start(nil, nil)
	if err != nil || !slices.Equal(st.Ready, []int{0}) {
		t.Fatalf("Start: %+v %v", st, err)
	}
	if _, err := w.Start(nil, nil); err == nil {
		t.Fatal("Start twice")
	}
	if _, err := w.Finish(1, 0, nil); err == nil {
		t.Fatal("Finish of a node that is not running")
	}
	// A conditional edge without a CondFunc fails the walk, as a panicking
	// condition does.
	st, err = w.Finish(0, 0, nil)
	if err != nil || !st.Over || st.Status != engine.StatusFailed || st.Err == nil {
		t.Fatalf("%+v %v", st, err)
	}
	if _, err := engine.NewWalker(g).Start([]int{7}, nil); err == nil {
		t.Fatal("restored node out of range")
	}
}
