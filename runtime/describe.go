package runtime

import (
	"errors"
	"reflect"
	"slices"

	"github.com/fluxly-go/fluxly/internal/spec"
)

// The rest of the module reads a workflow's graph through internal/spec,
// which this package fills: users never see the description types.
func init() {
	spec.Register(func(wf any) (spec.Workflow, bool, error) {
		d, ok := wf.(describer)
		if !ok {
			return spec.Workflow{}, false, nil
		}
		w, err := d.describe()
		return w, true, err
	})
}

// describer is implemented by every *Workflow[I].
type describer interface {
	describe() (spec.Workflow, error)
}

var _ describer = (*Workflow[struct{}])(nil)

// describe describes the workflow without running anything, and returns
// its graph errors ([Workflow.Err]).
func (w *Workflow[I]) describe() (spec.Workflow, error) {
	if w == nil || w.g == nil {
		return spec.Workflow{}, errors.New("nil *runtime.Workflow")
	}
	return w.g.describe(), w.Err()
}

func (g *graph) describe() spec.Workflow {
	topo := g.topoOrder()
	rank := make([]int, len(g.nodes))
	s := spec.Workflow{
		Name: g.name, Description: g.description, Version: g.version,
		MaxConcurrency: g.maxConcurrency, Hooks: g.hooks.names(), Input: g.input,
		Nodes: make([]spec.Node, 0, len(g.nodes)),
		Edges: make([]spec.Edge, 0, g.edges.n),
	}
	for i, v := range topo {
		rank[v] = i
		e := g.nodes[v]
		n := spec.Node{
			Name: e.name, Description: e.description, Timeout: e.timeout,
			MaxRetries: e.retries, RetryDelay: e.retryDelay,
			Hooks: hooksOf(e.node.impl()).names(), Type: reflect.TypeOf(e.node.impl()), Output: e.node.outputType(),
		}
		if b := e.backoff; b != nil {
			n.Backoff = &spec.Backoff{Factor: b.factor, Max: b.max}
		}
		n.Jitter, n.TriggerRule, n.ContinueOnFailure = e.jitter, e.rule.String(), e.continueOnFailure
		if e.nonRetryable != nil {
			n.NonRetryable = e.nonRetryable.names()
		}
		s.Nodes = append(s.Nodes, n)
	}
	for i := range int32(g.edges.n) {
		ed := g.edges.at(i)
		s.Edges = append(s.Edges, spec.Edge{From: g.nodes[ed.from].name, To: g.nodes[ed.to].name,
			Kind: uint8(ed.how.kind()), Label: g.edgeLabel(ed.how)})
	}
	for _, grp := range g.groups {
		idx := slices.Clone(grp)
		slices.SortFunc(idx, func(a, b int32) int { return rank[a] - rank[b] })
		names := make([]string, len(idx))
		for i, v := range idx {
			names[i] = g.nodes[v].name
		}
		s.Groups = append(s.Groups, names)
	}
	return s
}
