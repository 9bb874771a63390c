// Package failwith has one node that ends with the status you name, so
// every status code of the contract is reachable as an exit code.
package failwith

import (
	"context"
	"embed"

	"github.com/fluxly-go/fluxly/runtime"
)

// Sources holds this package's Go files, for doc-comment descriptions.
//
//go:embed *.go
var Sources embed.FS

// Input is the fail-with workflow's input.
type Input struct {
	runtime.Input

	// Status the node ends with; its code becomes the exit code.
	Status string `json:"status" fluxly:"required" enum:"UNKNOWN,COMPLETED,FAILED,WAITING,IN_PROGRESS,NO_VERDICT,PARTIAL_VERDICT,TIMED_OUT,CANCELLED,INFRASTRUCTURE_ERROR,DATA_ERROR,PREREQUISITE_FAIL,API_CALL_FAILURE,NETWORK_FAILURE,DATA_VALIDATION_FAILURE,DEPENDENCY_UNAVAILABLE"`
}

// Fail ends with the named status.
type Fail struct {
	runtime.Node[Input, runtime.NoOutput]
}

// Logic returns an error carrying the status (nil for COMPLETED).
func (f *Fail) Logic(_ context.Context, x *runtime.Exec[Input, runtime.NoOutput]) error {
	s, err := runtime.ParseStatus(x.Input.Status)
	if err != nil {
		return runtime.WithStatus(runtime.DataValidationFailure, err)
	}
	if s == runtime.Completed {
		return nil
	}
	return runtime.Errorf(s, "asked to end with %s", s)
}

// New builds the fail-with workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("fail-with",
		runtime.Description("Ends with the status you name: every exit code of the contract on demand."),
		runtime.Version("1.0.0"))
	runtime.Add(wf, &Fail{}, runtime.Name("fail"), runtime.Description("Returns an error carrying the requested status."))
	return wf
}
