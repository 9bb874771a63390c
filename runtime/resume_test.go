package runtime_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fluxly-go/fluxly/runtime"
)

type sumOut struct {
	Sum int `json:"sum"`
}

// resumable is a → b → c (typed outputs feeding each other) with a
// conditional edge b → d reading b's output, and e, one_success after c
// and d. c fails while failC is set. Calls are counted per node.
type resumable struct {
	calls map[string]*atomic.Int32
	failC atomic.Bool
}

func newResumable() *resumable {
	r := &resumable{calls: map[string]*atomic.Int32{}}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		r.calls[n] = new(atomic.Int32)
	}
	return r
}

func (r *resumable) build() *runtime.Workflow[In] {
	wf := runtime.NewWorkflow[In]("resumable")
	a := runtime.AddFunc(wf, "a", func(_ context.Context, x *runtime.Exec[In, sumOut]) error {
		r.calls["a"].Add(1)
		x.Output.Sum = x.Input.N
		return nil
	})
	b := runtime.AddFunc(wf, "b", func(_ context.Context, x *runtime.Exec[In, sumOut]) error {
		r.calls["b"].Add(1)
		x.Output.Sum = a.Last().Output.Sum + 10
		return nil
	})
	c := runtime.AddFunc(wf, "c", func(_ context.Context, x *runtime.Exec[In, sumOut]) error {
		r.calls["c"].Add(1)
		if r.failC.Load() {
			return runtime.Errorf(runtime.DependencyUnavailable, "c's store is down")
		}
		x.Output.Sum = b.Last().Output.Sum + a.Last().Output.Sum
		return nil
	}, runtime.ContinueOnFailure())
	d := runtime.AddFunc(wf, "d", func(_ context.Context, x *runtime.Exec[In, sumOut]) error {
		r.calls["d"].Add(1)
		x.Output.Sum = -b.Last().Output.Sum
		return nil
	})
	e := runtime.AddFunc(wf, "e", func(_ context.Context, x *runtime.Exec[In, sumOut]) error {
		r.calls["e"].Add(1)
		x.Output.Sum = c.Last().Output.Sum + d.Last().Output.Sum
		return nil
	}, runtime.Trigger(runtime.NoneFailed))
	wf.AddEdgeIfSourceCompleted(a, b)
	wf.AddEdge(b, c)
	wf.AddEdgeWhen(b, d, "b passed 10", func(*In) bool { return b.Last().Output.Sum > 10 })
	wf.AddEdge(c, e)
	wf.AddEdge(d, e)
	return wf
}

func (r *resumable) counts() map[string]int32 {
	m := map[string]int32{}
	for n, c := range r.calls {
		m[n] = c.Load()
	}
	return m
}

func TestResumeFrom(t *testing.T) {
	for _, mode := range []string{"live", "json"} {
		t.Run(mode, func(t *testing.T) {
			r := newResumable()
			r.failC.Store(true)
			first := mustRun(t, r.build, &In{N: 5})
			// c failed (continue-on-failure), so e (none_failed) was skipped.
			equalMaps(t, outcome(first.Last()), map[string]string{"a": "COMPLETED", "b": "COMPLETED", "c": "DEPENDENCY_UNAVAILABLE", "d": "COMPLETED", "e": "skipped"})

			prev := first
			if mode == "json" {
				b, err := json.Marshal(first)
				if err != nil {
					t.Fatal(err)
				}
				prev = new(runtime.Result)
				if err := json.Unmarshal(b, prev); err != nil {
					t.Fatal(err)
				}
			}
			r.failC.Store(false)
			second := mustRun(t, r.build, &In{N: 100}, runtime.ResumeFrom(prev)) // a's input no longer matters: a is reused
			if second.Status != runtime.Completed || second.ResumedFrom != first.RunID || second.RunID == first.RunID {
				t.Fatalf("status %v, resumed from %q (first %q, this %q)", second.Status, second.ResumedFrom, first.RunID, second.RunID)
			}
			if got := r.counts(); got["a"] != 1 || got["b"] != 1 || got["d"] != 1 || got["c"] != 2 || got["e"] != 1 {
				t.Fatalf("calls %v: only c and e must run again", got)
			}
			ex := second.Last()
			for _, n := range []string{"a", "b", "d"} {
				recs := ex.Nodes[n]
				if len(recs) != 1 || !recs[0].Reused || recs[0].Status != runtime.Completed {
					t.Fatalf("%s: %+v, want one reused record", n, recs)
				}
			}
			if ex.Nodes["c"][0].Reused || ex.Nodes["e"][0].Reused {
				t.Fatal("c or e marked reused")
			}
			// c read the restored outputs of a and b; e those of c and d.
			for n, want := range map[string]int{"a": 5, "b": 15, "c": 20, "d": -15, "e": 5} {
				if got, err := runtime.Output[sumOut](second, n); err != nil || got.Sum != want {
					t.Errorf("%s: %+v %v, want %d", n, got, err, want)
				}
			}
			// A record restored from JSON holds the typed output again.
			if _, typed := ex.Nodes["b"][0].Output.(*sumOut); !typed {
				t.Fatalf("b's output is a %T", ex.Nodes["b"][0].Output)
			}

			// The resumed run round-trips too, and resuming a completed
			// run runs nothing.
			b, _ := json.Marshal(second)
			var decoded runtime.Result
			if err := json.Unmarshal(b, &decoded); err != nil || decoded.ResumedFrom != first.RunID || !decoded.Last().Nodes["a"][0].Reused {
				t.Fatalf("round trip: %v %+v", err, decoded.Last().Nodes["a"])
			}
			third := mustRun(t, r.build, nil, runtime.ResumeFrom(&decoded))
			if got := r.counts(); third.Status != runtime.Completed || got["c"] != 2 || got["e"] != 1 || len(third.Last().Nodes) != 5 {
				t.Fatalf("third: %v, calls %v", third.Status, got)
			}
		})
	}
}

func TestResumeFromRefused(t *testing.T) {
	r := newResumable()
	first := mustRun(t, r.build, &In{N: 5})

	other := *first
	other.Workflow = "another"
	if _, err := runtime.Run(context.Background(), r.build, nil, runtime.ResumeFrom(&other)); err == nil ||
		!strings.Contains(err.Error(), `is of workflow "another", not "resumable"`) {
		t.Fatalf("another workflow: %v", err)
	}

	b, _ := json.Marshal(first)
	b = []byte(strings.Replace(string(b), `"output":{"sum":15}`, `"output":{"sum":"fifteen"}`, 1))
	var broken runtime.Result
	if err := json.Unmarshal(b, &broken); err != nil {
		t.Fatal(err)
	}
	_, err := runtime.Run(context.Background(), r.build, nil, runtime.ResumeFrom(&broken))
	if err == nil || !strings.Contains(err.Error(), `node "b": decoding its output as runtime_test.sumOut`) {
		t.Fatalf("undecodable output: %v", err)
	}
	if got := r.counts(); got["a"] != 1 {
		t.Fatalf("a refused resume ran nodes: %v", got)
	}

	// An empty result resumes nothing: everything runs.
	res := mustRun(t, r.build, &In{N: 1}, runtime.ResumeFrom(&runtime.Result{RunID: "none"}))
	if res.Status != runtime.Completed || res.ResumedFrom != "none" || r.counts()["a"] != 2 {
		t.Fatalf("%v %v", res.Status, r.counts())
	}
}
