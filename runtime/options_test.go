package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// TestBadOptionValues: every out-of-range option value is a graph error
// naming the node and the rule, reported together, never a panic.
func TestBadOptionValues(t *testing.T) {
	wf := runtime.NewWorkflow[In]("opts", runtime.MaxConcurrency(-1))
	runtime.AddFunc(wf, "t", ok, runtime.Timeout(-time.Second))
	runtime.AddFunc(wf, "r", ok, runtime.Retries(-1, 0))
	runtime.AddFunc(wf, "d", ok, runtime.Retries(1, -time.Millisecond))
	runtime.AddFunc(wf, "f", ok, runtime.Retries(2, time.Millisecond), runtime.ExponentialBackoff(0.5, 0))
	runtime.AddFunc(wf, "nan", ok, runtime.Retries(2, time.Millisecond), runtime.ExponentialBackoff(math.NaN(), 0))
	runtime.AddFunc(wf, "inf", ok, runtime.Retries(2, time.Millisecond), runtime.ExponentialBackoff(math.Inf(1), 0))
	runtime.AddFunc(wf, "cap", ok, runtime.Retries(2, time.Millisecond), runtime.ExponentialBackoff(2, -time.Second))
	want := `workflow "opts": max concurrency -1 must not be negative
workflow "opts": node "t": timeout -1s must not be negative
workflow "opts": node "r": retries -1 must not be negative
workflow "opts": node "d": retry delay -1ms must not be negative
workflow "opts": node "f": backoff factor 0.5 must be a finite number of at least 1
workflow "opts": node "nan": backoff factor NaN must be a finite number of at least 1
workflow "opts": node "inf": backoff factor +Inf must be a finite number of at least 1
workflow "opts": node "cap": backoff cap -1s must not be negative`
	err := wf.Err()
	if got := fmt.Sprint(err); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if !errors.Is(err, runtime.ErrInvalidOption) {
		t.Errorf("errors.Is(err, ErrInvalidOption) = false")
	}
}

// TestNilNode: a typed nil node is refused with a graph error, and edges
// and groups naming it report it instead of panicking.
func TestNilNode(t *testing.T) {
	wf := runtime.NewWorkflow[In]("nils")
	a := runtime.AddFunc(wf, "a", ok)
	var missing *noop
	n := runtime.Add(wf, missing)
	wf.AddEdge(a, n)
	wf.AddExecutionGroup(n)
	wf.AddEdge(a, nil)
	want := `workflow "nils": runtime.Add: the node is a nil *runtime_test.noop
workflow "nils": edge "a" → <nil>: node <nil> was not added to this workflow
workflow "nils": execution group 1: node <nil> was not added to this workflow
workflow "nils": edge "a" → <nil>: node <nil> was not added to this workflow`
	err := wf.Err()
	if got := fmt.Sprint(err); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if !errors.Is(err, runtime.ErrNilNode) || !errors.Is(err, runtime.ErrUnknownNode) {
		t.Errorf("rules: %v", err)
	}
}

// TestContextErrorsFromLogic: a context error the logic gets from a deadline
// of its own is FAILED (§5); the caller's deadline on the run is TIMED_OUT.
func TestContextErrorsFromLogic(t *testing.T) {
	own := func(ctx context.Context, _ *runtime.Exec[In, runtime.NoOutput]) error {
		c, cancel := context.WithTimeout(ctx, time.Millisecond)
		defer cancel()
		<-c.Done()
		return fmt.Errorf("calling the API: %w", c.Err())
	}
	res := mustRun(t, func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("own-deadline")
		runtime.AddFunc(wf, "call", own, runtime.Timeout(time.Minute))
		return wf
	}, nil)
	if st := res.Last().Nodes["call"][0].Status; st != runtime.Failed || res.Status != runtime.Failed {
		t.Errorf("own deadline: node %v, workflow %v; want FAILED", st, res.Status)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	wait := func(ctx context.Context, _ *runtime.Exec[In, runtime.NoOutput]) error {
		<-ctx.Done()
		return ctx.Err()
	}
	res, err := runtime.Run(ctx, func() *runtime.Workflow[In] {
		wf := runtime.NewWorkflow[In]("caller-deadline")
		runtime.AddFunc(wf, "wait", wait)
		return wf
	}, nil)
	if err != nil || res.Status != runtime.TimedOut {
		t.Fatalf("caller deadline: %v, status %v; want TIMED_OUT", err, res.Status)
	}
}
