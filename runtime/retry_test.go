package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

func TestPermanentErrors(t *testing.T) {
	calls := 0
	build := func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("permanent")
		runtime.AddFunc(wf, "n", func(context.Context, *runtime.Exec[In, runtime.NoOutput]) error {
			calls++
			return runtime.Permanent(fmt.Errorf("row 3: %w", runtime.Errorf(runtime.DataError, "bad row")))
		}, runtime.Retries(3, 0))
		return wf
	}
	res := mustRun(t, build, nil)
	recs := res.Last().Nodes["n"]
	if calls != 1 || len(recs) != 1 {
		t.Fatalf("%d calls, %d records: a permanent error must not be retried", calls, len(recs))
	}
	// The status and message are the wrapped error's; the type is not the mark's.
	if recs[0].Status != runtime.DataError || recs[0].Error.Message != "row 3: bad row" || recs[0].Error.Type != "*fmt.wrapError" {
		t.Fatalf("record %+v %+v", recs[0], recs[0].Error)
	}
	if res.Status != runtime.DataError || !errors.Is(res.Err(), runtime.ErrPermanent) {
		t.Fatalf("status %v, err %v", res.Status, res.Err())
	}
	var se *runtime.Error
	if !errors.As(res.Err(), &se) || se.Status != runtime.DataError {
		t.Fatalf("errors.As: %v", se)
	}
	if runtime.Permanent(nil) != nil {
		t.Fatal("Permanent(nil) != nil")
	}
	if errors.Is(runtime.Errorf(runtime.DataError, "x"), runtime.ErrPermanent) {
		t.Fatal("an ordinary error is permanent")
	}
}

func TestNonRetryableStatuses(t *testing.T) {
	for _, c := range []struct {
		name  string
		fails []runtime.Status // by attempt; then success
		want  []string
	}{
		{"non-retryable status", []runtime.Status{runtime.DataError}, []string{"DATA_ERROR"}},
		{"other statuses retry", []runtime.Status{runtime.NetworkFailure}, []string{"NETWORK_FAILURE", "COMPLETED"}},
		{"a later attempt stops it", []runtime.Status{runtime.NetworkFailure, runtime.PrerequisiteFail}, []string{"NETWORK_FAILURE", "PREREQUISITE_FAIL"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			build := func() *runtime.Workflow[In] {
				wf := runtime.NewWorkflow[In]("non-retryable")
				runtime.AddFunc(wf, "n", func(_ context.Context, x *runtime.Exec[In, runtime.NoOutput]) error {
					if x.Attempt <= len(c.fails) {
						return runtime.Errorf(c.fails[x.Attempt-1], "attempt %d", x.Attempt)
					}
					return nil
				}, runtime.Retries(5, 0), runtime.NonRetryable(runtime.DataError, runtime.PrerequisiteFail))
				return wf
			}
			var got []string
			for _, r := range mustRun(t, build, nil).Last().Nodes["n"] {
				got = append(got, r.Status.String())
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("attempts %v, want %v", got, c.want)
			}
		})
	}
}

// Jitter draws each retry delay in [0, the computed delay], from the
// source given with WithRand: the same seed gives the same delays. The
// delays are read from NodeRetrying events, not from the clock.
func TestJitter(t *testing.T) {
	const retries = 40
	delays := func(jitter bool, seed uint64) []time.Duration {
		build := func() *runtime.Workflow[In] {
			wf := runtime.NewWorkflow[In]("jitter")
			opts := []runtime.NodeOption{runtime.Retries(retries, 100*time.Microsecond), runtime.ExponentialBackoff(1.1, 500*time.Microsecond)}
			if jitter {
				opts = append(opts, runtime.Jitter())
			}
			runtime.AddFunc(wf, "n", failWith(runtime.NetworkFailure), opts...)
			return wf
		}
		var ds []time.Duration
		obs := func(e runtime.Event) {
			if e.Kind == runtime.NodeRetrying {
				ds = append(ds, e.Delay)
			}
		}
		res := mustRun(t, build, nil, runtime.WithObserver(obs), runtime.WithRand(rand.New(rand.NewPCG(seed, 1))))
		if n := len(res.Last().Nodes["n"]); n != retries+1 {
			t.Fatalf("%d attempts", n)
		}
		return ds
	}
	full := delays(false, 1)
	if full[0] != 100*time.Microsecond || full[retries-1] != 500*time.Microsecond {
		t.Fatalf("delays without jitter: %v", full)
	}
	a, b, c := delays(true, 1), delays(true, 1), delays(true, 2)
	if !slices.Equal(a, b) {
		t.Fatalf("the same seed gave different delays:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Fatalf("different seeds gave the same delays: %v", a)
	}
	below := 0
	for i, d := range a {
		if d < 0 || d > full[i] {
			t.Fatalf("retry %d: delay %v outside [0, %v]", i+1, d, full[i])
		}
		if d < full[i] {
			below++
		}
	}
	if below < retries/2 {
		t.Fatalf("only %d of %d delays were drawn below the computed one: %v", below, retries, a)
	}
}
