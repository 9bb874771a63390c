// Package flaky has one node that fails with NETWORK_FAILURE until a given
// attempt, to show node retries with exponential backoff.
package flaky

import (
	"context"
	"embed"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// Sources holds this package's Go files, for doc-comment descriptions.
//
//go:embed *.go
var Sources embed.FS

// Input is the flaky workflow's input.
type Input struct {
	runtime.Input

	SucceedOn int `json:"succeed_on" default:"3" help:"Attempt on which the node succeeds; above 5 it never does (4 retries)." jsonschema:"minimum=1,maximum=100"`
}

// Output reports the attempt that succeeded.
type Output struct {
	Attempt int `json:"attempt" help:"The attempt that succeeded."`
}

// Call fails until attempt succeed_on.
type Call struct {
	runtime.Node[Input, Output]
}

// Logic fails with NETWORK_FAILURE before attempt succeed_on.
func (c *Call) Logic(_ context.Context, x *runtime.Exec[Input, Output]) error {
	if x.Attempt < x.Input.SucceedOn {
		return runtime.Errorf(runtime.NetworkFailure, "attempt %d: connection reset (succeeds on attempt %d)", x.Attempt, x.Input.SucceedOn)
	}
	x.Output.Attempt = x.Attempt
	return nil
}

// New builds the flaky workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("flaky",
		runtime.Description("A call that fails until a given attempt: node retries with exponential backoff."),
		runtime.Version("1.0.0"))
	runtime.Add(wf, &Call{}, runtime.Name("call"),
		runtime.Description("Fails with NETWORK_FAILURE until attempt succeed_on."),
		runtime.Retries(4, 20*time.Millisecond), runtime.ExponentialBackoff(2, 200*time.Millisecond))
	return wf
}
