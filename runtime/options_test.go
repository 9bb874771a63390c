package runtime_test

import (
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
	add(wf, "t", ok, runtime.Timeout(-time.Second))
	add(wf, "r", ok, runtime.Retries(-1, 0))
	add(wf, "d", ok, runtime.Retries(1, -time.Millisecond))
	add(wf, "f", ok, runtime.Retries(2, time.Millisecond), runtime.ExponentialBackoff(0.5, 0))
	add(wf, "nan", ok, runtime.Retries(2, time.Millisecond), runtime.ExponentialBackoff(math.NaN(), 0))
	add(wf, "inf", ok, runtime.Retries(2, time.Millisecond), runtime.ExponentialBackoff(math.Inf(1), 0))
	add(wf, "cap", ok, runtime.Retries(2, time.Millisecond), runtime.ExponentialBackoff(2, -time.Second))
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
	a := add(wf, "a", ok)
	var missing *step
	n := runtime.Add(wf, missing)
	wf.AddEdge(a, n)
	wf.AddExecutionGroup(n)
	wf.AddEdge(a, nil)
	want := `workflow "nils": runtime.Add: the node is a nil *runtime_test.step
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
