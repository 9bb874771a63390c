// Package synthetic builds the synthetic workflows the docs benchmarks
// measure (100 workflows × 50 nodes in BENCHMARKS.md): the benchmarks of
// internal/svgrender and site, and the bench/fluxbench command, time the
// same graphs.
package synthetic

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// Input is every synthetic workflow's input.
type Input struct {
	runtime.Input
	Message string `json:"message" default:"hello" help:"Text to print."`
	Count   int    `json:"count" default:"3" help:"How many times." jsonschema:"minimum=1,maximum=100"`
}

// Output is every node's output.
type Output struct {
	Lines int `json:"lines" help:"Lines printed."`
}

// Node does nothing.
type Node struct {
	runtime.Node[Input, Output]
}

// Logic returns at once.
func (Node) Logic(context.Context, *runtime.Exec[Input, Output]) error { return nil }

// New returns the constructor of workflow name with m nodes: a layered DAG
// where node i depends on i-3 (conditional every fifth) and, every third,
// on i-1 if it completed, with two overlapping execution groups.
func New(name string, m int) func() *runtime.Workflow[Input] {
	return func() *runtime.Workflow[Input] {
		wf := runtime.NewWorkflow[Input](name, runtime.Description("A synthetic workflow."), runtime.Version("1.0"))
		nodes := make([]*Node, m)
		refs := make([]runtime.NodeRef, m)
		for i := range m {
			nodes[i] = runtime.Add(wf, &Node{}, runtime.Name(fmt.Sprintf("node-%02d", i)),
				runtime.Description("Does nothing, quickly."), runtime.Timeout(time.Second))
			refs[i] = nodes[i]
			switch {
			case i >= 3 && i%5 == 0:
				wf.AddConditionalEdge(nodes[i-3], nodes[i], "flag is set", func() bool { return true })
			case i >= 3:
				wf.AddEdge(nodes[i-3], nodes[i])
			}
			if i >= 1 && i%3 == 0 {
				wf.AddEdgeIfSourceCompleted(nodes[i-1], nodes[i])
			}
		}
		wf.AddExecutionGroup(refs[:m/2]...)
		wf.AddExecutionGroup(refs[m/3:]...)
		return wf
	}
}

// Name is the name of the synthetic workflow number w: wf-000, wf-001, …
func Name(w int) string { return fmt.Sprintf("wf-%03d", w) }
