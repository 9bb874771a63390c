package runtime_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// plan is what a stress node does on each attempt.
type plan struct {
	fails   int           // attempts that fail before success
	sleep   time.Duration // per attempt
	ignore  bool          // ignores ctx
	timeout time.Duration
	retries int
	delay   time.Duration
	panics  bool
}

type stressNode struct {
	runtime.Node[In, producerOut]
	p   plan
	ups []*stressNode
}

func (s *stressNode) Logic(ctx context.Context, x *runtime.Exec[In, producerOut]) error {
	for _, u := range s.ups {
		l := u.Last()
		if l.Status == runtime.Completed && l.Output.Value != 100+l.Attempt {
			return fmt.Errorf("upstream %s: output %d for attempt %d", u.Name(), l.Output.Value, l.Attempt)
		}
	}
	if s.p.ignore {
		time.Sleep(s.p.sleep)
	} else {
		select {
		case <-time.After(s.p.sleep):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	x.Output.Value = 100 + x.Attempt
	if x.Attempt <= s.p.fails {
		if s.p.panics {
			panic("boom")
		}
		return runtime.Errorf(runtime.NetworkFailure, "fail %d", x.Attempt)
	}
	return nil
}

// TestRandomWorkflows runs 300 random workflows (DAGs of 3–12 nodes with
// all three edge kinds, groups, node retries with delays, node timeouts
// with logic that ignores its context, panics, concurrency limits,
// middleware, workflow timeouts, cancellation and workflow retries) and
// checks invariants that hold whatever happens: each started attempt has
// one record and no more, attempts are numbered from 1, completed attempts
// keep their output, no node both runs and is skipped, downstream nodes
// read their upstream's output for the attempt it reports, events never go
// back in time, and no attempt starts before the nodes it waits for end.
func TestRandomWorkflows(t *testing.T) {
	seeds := 300
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		n := 3 + rng.IntN(10)
		plans := make([]plan, n)
		for i := range plans {
			p := plan{sleep: time.Duration(rng.IntN(3000)) * time.Microsecond}
			if rng.IntN(3) == 0 {
				p.fails = 1 + rng.IntN(2)
			}
			if rng.IntN(3) == 0 {
				p.retries = rng.IntN(3)
				p.delay = time.Duration(rng.IntN(3)) * time.Millisecond
			}
			if rng.IntN(5) == 0 {
				p.timeout = time.Duration(1+rng.IntN(2)) * time.Millisecond
				p.ignore = rng.IntN(2) == 0
			}
			p.panics = rng.IntN(6) == 0
			plans[i] = p
		}
		type e struct{ a, b, k int }
		var es []e
		for i := 1; i < n; i++ {
			for j := 0; j < i; j++ {
				if rng.IntN(4) == 0 {
					es = append(es, e{j, i, rng.IntN(3)})
				}
			}
		}
		ngroups := rng.IntN(3)
		var groups [][]int
		for range ngroups {
			var gm []int
			for i := range n {
				if rng.IntN(2) == 0 {
					gm = append(gm, i)
				}
			}
			if len(gm) > 0 {
				groups = append(groups, gm)
			}
		}
		conc := rng.IntN(3)
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("stress", runtime.MaxConcurrency(conc))
			nodes := make([]*stressNode, n)
			for i, p := range plans {
				opts := []runtime.NodeOption{runtime.Name(fmt.Sprintf("n%d", i)), runtime.Retries(p.retries, p.delay)}
				if p.timeout > 0 {
					opts = append(opts, runtime.Timeout(p.timeout))
				}
				nodes[i] = runtime.Add(wf, &stressNode{p: p}, opts...)
			}
			for _, ed := range es {
				nodes[ed.b].ups = append(nodes[ed.b].ups, nodes[ed.a])
				switch ed.k {
				case 0:
					wf.AddEdge(nodes[ed.a], nodes[ed.b])
				case 1:
					wf.AddEdgeIfSourceCompleted(nodes[ed.a], nodes[ed.b])
				case 2:
					src := nodes[ed.a]
					wf.AddConditionalEdge(src, nodes[ed.b], "odd", func() bool { return src.Last().Output.Value%2 == 1 })
				}
			}
			for _, gm := range groups {
				refs := make([]runtime.NodeRef, len(gm))
				for i, v := range gm {
					refs[i] = nodes[v]
				}
				wf.AddExecutionGroup(refs...)
			}
			return wf
		}
		in := &In{}
		mode := rng.IntN(4)
		if mode == 1 {
			in.TimeoutSeconds = float64(1+rng.IntN(4)) / 1000
		}
		in.MaxRetries = rng.IntN(2)
		ctx := context.Background()
		var cancel context.CancelFunc = func() {}
		if mode == 2 {
			ctx, cancel = context.WithCancel(ctx)
			time.AfterFunc(time.Duration(rng.IntN(4000))*time.Microsecond, cancel)
		}
		var mu sync.Mutex
		var last time.Time                     // the previous event's time
		started := map[[2]int]map[string]int{} // [wfAttempt] node -> count
		finished := map[[2]int]map[string]int{}
		obs := func(ev runtime.Event) {
			mu.Lock()
			defer mu.Unlock()
			if ev.Time.Before(last) {
				t.Errorf("seed %d: %v event of %q at %v, before the previous one at %v", seed, ev.Kind, ev.Node, ev.Time, last)
			}
			last = ev.Time
			k := [2]int{ev.WorkflowAttempt, 0}
			switch ev.Kind {
			case runtime.NodeStarted:
				if started[k] == nil {
					started[k] = map[string]int{}
				}
				started[k][ev.Node]++
			case runtime.NodeFinished:
				if finished[k] == nil {
					finished[k] = map[string]int{}
				}
				finished[k][ev.Node]++
			}
		}
		var opts []runtime.RunOption
		opts = append(opts, runtime.WithObserver(obs))
		if rng.IntN(2) == 0 {
			opts = append(opts, runtime.WithMiddleware(func(next runtime.AttemptFunc) runtime.AttemptFunc {
				return func(ctx context.Context, a runtime.Attempt) error { return next(ctx, a) }
			}))
		}
		res, err := runtime.Run(ctx, build, in, opts...)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for wi, ex := range res.Executions {
			k := [2]int{wi + 1, 0}
			for name, recs := range ex.Nodes {
				if started[k][name] != len(recs) {
					t.Errorf("seed %d wf %d node %s: %d started events, %d records %+v", seed, wi+1, name, started[k][name], len(recs), recs)
				}
				if finished[k][name] > 1 {
					t.Errorf("seed %d wf %d node %s: %d finished events", seed, wi+1, name, finished[k][name])
				}
				for i, r := range recs {
					if r.Attempt != i+1 {
						t.Errorf("seed %d: %s attempt numbers %+v", seed, name, recs)
					}
					if r.Status == runtime.Completed && (r.Output == nil) {
						t.Errorf("seed %d: %s completed without output", seed, name)
					}
				}
				if ex.NodeState(name) != runtime.Ran {
					t.Errorf("seed %d: state", seed)
				}
				for _, s := range ex.Skipped {
					if s == name {
						t.Errorf("seed %d: %s both ran and skipped", seed, name)
					}
				}
			}
			for _, ed := range es { // a child starts after its parent's last attempt ended
				p, c := ex.Nodes[fmt.Sprintf("n%d", ed.a)], ex.Nodes[fmt.Sprintf("n%d", ed.b)]
				if len(p) > 0 && len(c) > 0 && c[0].Start.Before(p[len(p)-1].End) {
					t.Errorf("seed %d: n%d started before its parent n%d ended", seed, ed.b, ed.a)
				}
			}
			for name, c := range started[k] {
				if len(ex.Nodes[name]) != c {
					t.Errorf("seed %d wf %d node %s: %d started, %d records", seed, wi+1, name, c, len(ex.Nodes[name]))
				}
			}
		}
	}
	time.Sleep(20 * time.Millisecond) // let abandoned goroutines end before goleak looks
}
