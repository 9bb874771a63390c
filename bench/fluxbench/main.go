// Command fluxbench is cmd/fluxly with 100 synthetic workflows of 50 nodes
// (the shape of internal/svgrender's BenchmarkFiles) instead of the
// examples: for timing docs builds end to end (BENCHMARKS.md, "Docs
// generation"). Build it with go build -o fluxbench ./bench/fluxbench.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/docscmd"
	"github.com/fluxly-go/fluxly/runtime"
)

type input struct {
	runtime.Input
	Message string `json:"message" default:"hello" help:"Text to print."`
	Count   int    `json:"count" default:"3" help:"How many times." jsonschema:"minimum=1,maximum=100"`
}

type output struct {
	Lines int `json:"lines" help:"Lines printed."`
}

type node struct{ runtime.Node[input, output] }

func (node) Logic(context.Context, *runtime.Exec[input, output]) error { return nil }

func synthetic(name string, m int) func() *runtime.Workflow[input] {
	return func() *runtime.Workflow[input] {
		wf := runtime.NewWorkflow[input](name, runtime.Description("A synthetic workflow."), runtime.Version("1.0"))
		nodes := make([]*node, m)
		refs := make([]runtime.NodeRef, m)
		for i := range m {
			nodes[i] = runtime.Add(wf, &node{}, runtime.Name(fmt.Sprintf("node-%02d", i)),
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

func main() {
	app := fluxly.New(fluxly.Name("fluxbench"), fluxly.Use(docscmd.Extension()))
	for w := range 100 {
		name := fmt.Sprintf("wf-%03d", w)
		fluxly.Register(app, name, synthetic(name, 50))
	}
	app.Run()
}
