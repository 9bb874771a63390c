// Package slow has one node that outlives its 1 s timeout, so the run ends
// TIMED_OUT (61) without waiting for it.
package slow

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

// Input is the slow workflow's input.
type Input struct {
	runtime.Input

	Sleep time.Duration `json:"sleep" default:"3s" help:"How long the node works; its timeout is 1s."`
}

// Work sleeps, ignoring its context on purpose: the runtime must not wait.
type Work struct {
	runtime.Node[Input, runtime.NoOutput]
}

// Logic sleeps for the input's duration.
func (w *Work) Logic(_ context.Context, x *runtime.Exec[Input, runtime.NoOutput]) error {
	time.Sleep(x.Input.Sleep)
	return nil
}

// New builds the slow workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("slow",
		runtime.Description("A node that outlives its timeout: the run ends TIMED_OUT without waiting for it."),
		runtime.Version("1.0.0"))
	runtime.Add(wf, &Work{}, runtime.Name("work"), runtime.Description("Sleeps for sleep, ignoring its context."), runtime.Timeout(time.Second))
	return wf
}
