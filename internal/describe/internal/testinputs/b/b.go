// Package b declares an input whose nested type shares its name with
// package a's, to check that schema definitions never collide.
package b

import (
	"context"

	"github.com/fluxly-go/fluxly/runtime"
)

// Options are package b's options.
type Options struct {
	Name string `json:"name" default:"b"`
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
	wf := runtime.NewWorkflow[Input]("pkg-b")
	runtime.Add(wf, &Step{}, runtime.Name("step"))
	return wf
}
