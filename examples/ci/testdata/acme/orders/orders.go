// Package orders is a small workflow, as a user of Fluxly writes one.
package orders

import (
	"context"
	"embed"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/runtime"
)

// Sources are this package's files, for doc-comment descriptions.
//
//go:embed *.go
var Sources embed.FS

// Input is the orders workflow's input.
type Input struct {
	runtime.Input

	Region string `json:"region" default:"eu" enum:"eu,us" help:"Where the orders are."`
	Limit  int    `json:"limit" default:"100" help:"How many orders, at most." jsonschema:"minimum=1,maximum=1000"`
	// FIELDS
}

// Fetch reads the orders.
type Fetch struct {
	runtime.Node[Input, runtime.NoOutput]
}

// Logic does nothing: this is an example.
func (Fetch) Logic(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error { return nil }

// Ship ships them.
type Ship struct {
	runtime.Node[Input, runtime.NoOutput]
}

// Logic does nothing: this is an example.
func (Ship) Logic(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error { return nil }

// New builds the workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("orders", runtime.Description("Fetches orders and ships them."), runtime.Version("1.0"))
	f := runtime.Add(wf, &Fetch{}, runtime.Name("fetch"))
	s := runtime.Add(wf, &Ship{}, runtime.Name("ship"))
	wf.AddEdgeIfSourceCompleted(f, s)
	return wf
}

// Register adds the workflow to app as endpoint orders.
func Register(app *fluxly.App) {
	fluxly.Register(app, "orders", New, fluxly.Sources(Sources))
}
