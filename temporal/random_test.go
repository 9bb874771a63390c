package temporal_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/runtime"
	"github.com/fluxly-go/fluxly/temporal"
)

type randomIn struct {
	runtime.Input
}

var randomStatuses = []runtime.Status{runtime.DataError, runtime.NetworkFailure, runtime.PrerequisiteFail}

var randomRules = []runtime.TriggerRule{runtime.AllSuccess, runtime.AllDone, runtime.NoneFailed, runtime.NoneFailedMinOneSuccess,
	runtime.OneSuccess, runtime.OneFailed, runtime.AllFailed, runtime.Always}

// randomWorkflow builds a random DAG from seed: node outcomes, retries,
// trigger rules, ContinueOnFailure, edge kinds, condition results (a few
// panic), execution groups, non-retryable statuses. It runs one node at a
// time (MaxConcurrency 1), so its records do not depend on timing and a
// local run and a Temporal run must agree on every one.
func randomWorkflow(seed uint64) func() *runtime.Workflow[randomIn] {
	return func() *runtime.Workflow[randomIn] {
		rng := rand.New(rand.NewPCG(seed, 7))
		wf := runtime.NewWorkflow[randomIn](fmt.Sprintf("random-%d", seed), runtime.MaxConcurrency(1))
		n := 3 + rng.IntN(10)
		nodes := make([]runtime.NodeRef, n)
		for v := range n {
			final := runtime.Completed
			if rng.IntN(3) == 0 {
				final = randomStatuses[rng.IntN(len(randomStatuses))]
			}
			retried := rng.IntN(4) == 0
			opts := []runtime.NodeOption{}
			if rng.IntN(2) == 0 {
				opts = append(opts, runtime.Trigger(randomRules[rng.IntN(len(randomRules))]))
			}
			if rng.IntN(4) == 0 {
				opts = append(opts, runtime.ContinueOnFailure())
			}
			if retried || rng.IntN(4) == 0 {
				opts = append(opts, runtime.Retries(2, 0))
			}
			if rng.IntN(5) == 0 {
				opts = append(opts, runtime.NonRetryable(runtime.NetworkFailure))
			}
			name := fmt.Sprintf("n%02d", v)
			nodes[v] = runtime.AddFunc(wf, name, func(_ context.Context, x *runtime.Exec[randomIn, runtime.NoOutput]) error {
				if retried && x.Attempt == 1 {
					return runtime.Errorf(runtime.NetworkFailure, "%s: first attempt", name)
				}
				if final == runtime.Completed {
					return nil
				}
				return runtime.Errorf(final, "%s ends %v", name, final)
			}, opts...)
			for u := range v {
				if rng.IntN(3) != 0 {
					continue
				}
				switch rng.IntN(3) {
				case 0:
					wf.AddEdge(nodes[u], nodes[v])
				case 1:
					wf.AddEdgeIfSourceCompleted(nodes[u], nodes[v])
				default:
					result, panics := rng.IntN(2) == 0, rng.IntN(30) == 0
					wf.AddEdgeWhen(nodes[u], nodes[v], "fixed", func(*randomIn) bool {
						if panics {
							panic("condition bug")
						}
						return result
					})
				}
			}
		}
		for range rng.IntN(3) {
			var g []runtime.NodeRef
			for v := range n {
				if rng.IntN(2) == 0 {
					g = append(g, nodes[v])
				}
			}
			if len(g) > 0 {
				wf.AddExecutionGroup(g...)
			}
		}
		return wf
	}
}

// Random workflows give the local runtime's records on Temporal (the
// SDK's test environment): every decision of the walker, the retries, the
// cancellations at the end, and resumption of each run.
func TestRandomWorkflowsMatchLocalRuns(t *testing.T) {
	const seeds = 120
	app := fluxly.New(fluxly.Name("random"))
	for seed := range uint64(seeds) {
		fluxly.Register(app, fmt.Sprintf("random-%d", seed), randomWorkflow(seed))
	}
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	statuses := map[runtime.Status]int{}
	for seed := range uint64(seeds) {
		c := testCase{fmt.Sprintf("random-%d", seed), `{}`}
		local := localRun(t, app, c)
		remote := suiteRun(t, app, c, nil, temporal.Options{})
		sameResult(t, fmt.Sprintf("seed %d", seed), local, remote)
		statuses[local.Status]++
		if seed%3 == 0 {
			local2 := localRun(t, app, c, runtime.ResumeFrom(local))
			remote2 := suiteRun(t, app, c, local, temporal.Options{})
			sameResult(t, fmt.Sprintf("seed %d resumed", seed), local2, remote2)
		}
		if t.Failed() {
			break
		}
	}
	t.Logf("outcomes: %v", statuses)
	if statuses[runtime.Completed] < 20 || len(statuses) < 4 {
		t.Errorf("the random workflows cover too little: %v", statuses)
	}
}
