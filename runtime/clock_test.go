package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/internal/spec"
	"github.com/fluxly-go/fluxly/runtime"
)

// Workers read the clock before taking the scheduler's lock; the times a run
// records must still follow its events: every child starts no earlier than
// each of its parents ended, and observer events never go back in time.
func TestTimesFollowEvents(t *testing.T) {
	spin := func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
		for t0 := time.Now(); time.Since(t0) < 2*time.Microsecond; {
		}
		return nil
	}
	const chains, depth = 64, 8
	type edge struct{ from, to string }
	var edges []edge
	build := func() *runtime.Workflow[In] {
		edges = edges[:0]
		wf := runtime.NewWorkflow[In]("order")
		root := runtime.AddFunc(wf, "root", spin)
		for c := range chains {
			prev, prevName := root, "root"
			for d := range depth {
				name := fmt.Sprintf("c%d-%d", c, d)
				n := runtime.AddFunc(wf, name, spin)
				wf.AddEdge(prev, n)
				edges = append(edges, edge{prevName, name})
				prev, prevName = n, name
			}
		}
		return wf
	}
	for range 100 {
		var events []runtime.Event
		res := mustRun(t, build, nil, runtime.WithObserver(func(e runtime.Event) { events = append(events, e) }))
		for i := 1; i < len(events); i++ {
			if events[i].Time.Before(events[i-1].Time) {
				t.Fatalf("event %d (%v %s) at %v is before event %d (%v %s) at %v", i, events[i].Kind, events[i].Node, events[i].Time,
					i-1, events[i-1].Kind, events[i-1].Node, events[i-1].Time)
			}
		}
		ex := res.Last()
		for _, e := range edges {
			p, c := ex.Nodes[e.from], ex.Nodes[e.to]
			if d := p[len(p)-1].End.Sub(c[0].Start); d > 0 {
				t.Fatalf("%s started %v before its parent %s ended", e.to, d, e.from)
			}
		}
	}
}

// A retry starts no earlier than its delay after the failed attempt ended.
func TestRetryStartsAfterItsDelay(t *testing.T) {
	const delay = 200 * time.Microsecond
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("gap")
		for i := range 64 {
			runtime.AddFunc(wf, fmt.Sprintf("n%d", i), func(_ context.Context, x *runtime.Exec[In, runtime.NoOutput]) error {
				for t0 := time.Now(); time.Since(t0) < 20*time.Microsecond; {
				}
				if x.Attempt == 1 {
					return runtime.Errorf(runtime.NetworkFailure, "once")
				}
				return nil
			}, runtime.Retries(1, delay))
		}
		return wf
	}
	for range 50 {
		res := mustRun(t, build, nil)
		for name, recs := range res.Last().Nodes {
			if gap := recs[1].Start.Sub(recs[0].End); gap < delay {
				t.Fatalf("%s: retry started %v after the failed attempt, less than the delay %v", name, gap, delay)
			}
		}
	}
}

type failSecondStart struct{ n *int }

func (s failSecondStart) OnStart(context.Context) {
	if *s.n++; *s.n == 2 {
		panic("second start fails")
	}
}

// A workflow returned again by its constructor: an attempt whose OnStart
// hook fails runs no node, and must not report the previous attempt's.
func TestReusedWorkflowAttemptWithoutNodes(t *testing.T) {
	n := 0
	wf := runtime.NewWorkflow[In]("reused-hook", runtime.Hooks(failSecondStart{&n}))
	runtime.AddFunc(wf, "a", failWith(runtime.DataError))
	res := mustRun(t, func() *runtime.Workflow[In] { return wf }, &In{Input: runtime.Input{MaxRetries: 1}})
	if second := res.Executions[1]; len(second.Nodes) != 0 || second.Status != runtime.Failed {
		t.Fatalf("attempt 2: %v %v", second.Status, outcome(second))
	}
}

type slowProducer struct {
	runtime.Node[In, producerOut]
	calls *atomic.Int32
}

func (n *slowProducer) Logic(_ context.Context, x *runtime.Exec[In, producerOut]) error {
	if n.calls.Add(1) == 1 {
		time.Sleep(150 * time.Millisecond) // ignores ctx: the workflow timeout abandons it
		x.Output.Value = 1
		return nil
	}
	x.Output.Value = 2
	return nil
}

// A workflow returned again while the previous attempt's abandoned goroutine
// still runs: the new attempt does not share its attempt state (checked by
// -race) and the node's last execution is the new one.
func TestReusedWorkflowWithAbandonedGoroutine(t *testing.T) {
	var calls atomic.Int32
	wf := runtime.NewWorkflow[In]("reused-abandoned")
	n := runtime.Add(wf, &slowProducer{calls: &calls}, runtime.Name("n"))
	res := mustRun(t, func() *runtime.Workflow[In] { return wf }, &In{Input: runtime.Input{TimeoutSeconds: 0.05, MaxRetries: 1}})
	if res.Status != runtime.Completed || len(res.Executions) != 2 || n.Last().Output.Value != 2 {
		t.Fatalf("status %v, %d executions, last %+v", res.Status, len(res.Executions), n.Last())
	}
	time.Sleep(200 * time.Millisecond) // let the abandoned goroutine finish under -race
}

// Err and the description only read the graph.
func TestConcurrentErrAndSpec(t *testing.T) {
	wf := runtime.NewWorkflow[In]("shared")
	runtime.AddFunc(wf, "a", ok)
	runtime.AddFunc(wf, "a", ok)
	p := runtime.Add(wf, &producer{}, runtime.Name("p"))
	runtime.Add(wf, &readsSlice{Inputs: []*producer{p, p}}, runtime.Name("c")) // two data-dependency errors
	chain := runtime.Add(wf, &readsField{Producer: p}, runtime.Name("chain"))
	wf.AddEdge(p, runtime.AddFunc(wf, "mid", ok))
	wf.AddEdge(runtime.AddFunc(wf, "mid2", ok), chain) // not through mid: a backward search that fails
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := wf.Err(); !errors.Is(err, runtime.ErrDataDependency) || strings.Count(err.Error(), "\n") != 3 {
				t.Errorf("Err() = %v", err)
			}
			_, _ = spec.Of(wf)
		})
	}
	wg.Wait()
}
