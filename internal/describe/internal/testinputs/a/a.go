// Package a declares an input whose nested type shares its name with
// package b's, to check that schema definitions never collide.
package a

import (
	"context"

	"github.com/fluxly-go/fluxly/runtime"
)

// Options are package a's options.
type Options struct {
	Level int `json:"level" default:"1" jsonschema:"minimum=1"`
}

// Input is an input with a nested Options.
type Input struct {
	runtime.Input
	Options Options `json:"options"`
}

// Step does nothing.
type Step struct {
	runtime.Node[Input, runtime.NoOutput]
}

// Logic does nothing.
func (Step) Logic(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error { return nil }

// New builds a one-node workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("pkg-a")
	runtime.Add(wf, &Step{}, runtime.Name("step"))
	return wf
}
