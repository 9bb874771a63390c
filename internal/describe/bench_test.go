package describe_test

import (
	"context"
	"fmt"
	"testing"

	echomsg "github.com/fluxly-go/fluxly/examples/echo-msg"
	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/runtime"
)

type benchNode struct {
	runtime.Node[echomsg.Input, echomsg.Output]
}

func (benchNode) Logic(context.Context, *runtime.Exec[echomsg.Input, echomsg.Output]) error {
	return nil
}

// syntheticApp is n workflows of m nodes: a layered DAG where node i
// depends on i-1 and i-3, with conditional and on-success edges mixed in.
func syntheticApp(n, m int) []ep {
	eps := make([]ep, n)
	for w := range n {
		name := fmt.Sprintf("wf-%03d", w)
		eps[w] = ep{Name: name, Sources: nil, Build: func() any {
			wf := runtime.NewWorkflow[echomsg.Input](name, runtime.Description("A synthetic workflow."), runtime.Version("1.0"))
			nodes := make([]*benchNode, m)
			for i := range m {
				nodes[i] = runtime.Add(wf, &benchNode{}, runtime.Name(fmt.Sprintf("node-%02d", i)), runtime.Description("Does nothing, quickly."))
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
			wf.AddExecutionGroup(nodes[0], nodes[1])
			return wf
		}}
	}
	return eps
}

// BenchmarkDescribe describes an app of 100 workflows × 50 nodes.
func BenchmarkDescribe(b *testing.B) {
	eps := syntheticApp(100, 50)
	b.ReportAllocs()
	for b.Loop() {
		m, err := describeAll(eps, describe.Options{})
		if err != nil || len(m.Workflows) != 100 {
			b.Fatal(err)
		}
	}
}
