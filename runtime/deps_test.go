package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/runtime"
)

// Node types that read other nodes through fields of every kind the
// data-dependency check looks at.
type (
	readsField struct {
		runtime.Node[In, runtime.NoOutput]
		Producer *producer
	}
	readsUnexported struct {
		runtime.Node[In, runtime.NoOutput]
		producer *producer
	}
	readsSlice struct {
		runtime.Node[In, runtime.NoOutput]
		Inputs []*producer
	}
	readsArray struct {
		runtime.Node[In, runtime.NoOutput]
		pair [2]runtime.NodeRef
	}
	readsInterface struct {
		runtime.Node[In, runtime.NoOutput]
		Dep any
	}
	readsNested struct {
		runtime.Node[In, runtime.NoOutput]
		Deps deps
		inner
	}
	readsNodep struct {
		runtime.Node[In, runtime.NoOutput]
		Producer *producer `fluxly:"nodep"`
		Skip     deps      `fluxly:"other,nodep"`
	}
	readsSelf struct {
		runtime.Node[In, runtime.NoOutput]
		Self *readsSelf
	}
	deps struct {
		Left, Right *producer
	}
	inner struct {
		Many []deps
	}
)

func (*readsField) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error      { return nil }
func (*readsUnexported) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error { return nil }
func (*readsSlice) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error      { return nil }
func (*readsArray) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error      { return nil }
func (*readsInterface) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error  { return nil }
func (*readsNested) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error     { return nil }
func (*readsNodep) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error      { return nil }
func (*readsSelf) Logic(context.Context, *runtime.Exec[In, runtime.NoOutput]) error       { return nil }

// depMsg is the data-dependency error for reader reading read through field.
func depMsg(wf, reader, read, field string) string {
	return fmt.Sprintf(`workflow %q: node %q reads node %q through field %s, but %q is not among its ancestors: `+
		`add an edge from %q to %q (directly or through other nodes), `+
		`or tag the field fluxly:"nodep" if it is read only when the order is guaranteed another way`,
		wf, reader, read, field, read, read, reader)
}

func TestDataDependencies(t *testing.T) {
	const name = "deps"
	tests := []struct {
		name  string
		build func(wf *runtime.Workflow[In])
		want  []string // errors; none: the graph is accepted
	}{
		{"missing edge", func(wf *runtime.Workflow[In]) {
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			runtime.Add(wf, &readsField{Producer: p}, runtime.Name("consumer"))
		}, []string{depMsg(name, "consumer", "producer", "Producer")}},
		{"edge in the wrong direction", func(wf *runtime.Workflow[In]) {
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			c := runtime.Add(wf, &readsField{Producer: p}, runtime.Name("consumer"))
			wf.AddEdge(c, p)
		}, []string{depMsg(name, "consumer", "producer", "Producer")}},
		{"direct edge", func(wf *runtime.Workflow[In]) {
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			wf.AddEdge(p, runtime.Add(wf, &readsField{Producer: p}, runtime.Name("consumer")))
		}, nil},
		{"indirect path", func(wf *runtime.Workflow[In]) {
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			a := runtime.AddFunc(wf, "a", ok)
			b := runtime.AddFunc(wf, "b", ok)
			c := runtime.Add(wf, &readsField{Producer: p}, runtime.Name("consumer"))
			wf.AddEdge(p, a)
			wf.AddEdgeIfSourceCompleted(a, b)
			wf.AddEdge(b, c)
		}, nil},
		{"conditional edge", func(wf *runtime.Workflow[In]) {
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			c := runtime.Add(wf, &readsField{Producer: p}, runtime.Name("consumer"))
			wf.AddConditionalEdge(p, c, "always", func() bool { return true })
		}, nil},
		{"reader added first, edge reorders", func(wf *runtime.Workflow[In]) {
			c := runtime.Add(wf, &readsField{}, runtime.Name("consumer"))
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			c.Producer = p
			wf.AddEdge(p, c)
		}, nil},
		{"reader added first, no edge", func(wf *runtime.Workflow[In]) {
			c := runtime.Add(wf, &readsField{}, runtime.Name("consumer"))
			c.Producer = runtime.Add(wf, &producer{}, runtime.Name("producer"))
		}, []string{depMsg(name, "consumer", "producer", "Producer")}},
		{"path through a sibling is not an ancestry", func(wf *runtime.Workflow[In]) {
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			root := runtime.AddFunc(wf, "root", ok)
			c := runtime.Add(wf, &readsField{Producer: p}, runtime.Name("consumer"))
			wf.AddEdge(root, p)
			wf.AddEdge(root, c)
		}, []string{depMsg(name, "consumer", "producer", "Producer")}},
		{"nodep opt-out", func(wf *runtime.Workflow[In]) {
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			runtime.Add(wf, &readsNodep{Producer: p, Skip: deps{Left: p}}, runtime.Name("consumer"))
		}, nil},
		{"unexported field", func(wf *runtime.Workflow[In]) {
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			runtime.Add(wf, &readsUnexported{producer: p}, runtime.Name("consumer"))
		}, []string{depMsg(name, "consumer", "producer", "producer")}},
		{"slice of nodes", func(wf *runtime.Workflow[In]) {
			p1 := runtime.Add(wf, &producer{}, runtime.Name("p1"))
			p2 := runtime.Add(wf, &producer{}, runtime.Name("p2"))
			c := runtime.Add(wf, &readsSlice{Inputs: []*producer{p1, nil, p2}}, runtime.Name("consumer"))
			wf.AddEdge(p1, c)
		}, []string{depMsg(name, "consumer", "p2", "Inputs[2]")}},
		{"unexported array of interfaces", func(wf *runtime.Workflow[In]) {
			p1 := runtime.Add(wf, &producer{}, runtime.Name("p1"))
			p2 := runtime.Add(wf, &producer{}, runtime.Name("p2"))
			c := runtime.Add(wf, &readsArray{}, runtime.Name("consumer"))
			c.pair = [2]runtime.NodeRef{p1, p2}
			wf.AddEdge(p2, c)
		}, []string{depMsg(name, "consumer", "p1", "pair[0]")}},
		{"interface field", func(wf *runtime.Workflow[In]) {
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			runtime.Add(wf, &readsInterface{Dep: p}, runtime.Name("consumer"))
		}, []string{depMsg(name, "consumer", "producer", "Dep")}},
		{"interface field holding something else", func(wf *runtime.Workflow[In]) {
			runtime.Add(wf, &readsInterface{Dep: "not a node"}, runtime.Name("consumer"))
		}, nil},
		{"nested and embedded structs, in declaration order", func(wf *runtime.Workflow[In]) {
			l := runtime.Add(wf, &producer{}, runtime.Name("left"))
			r := runtime.Add(wf, &producer{}, runtime.Name("right"))
			m := runtime.Add(wf, &producer{}, runtime.Name("many"))
			c := runtime.Add(wf, &readsNested{Deps: deps{l, r}, inner: inner{Many: []deps{{}, {Right: m}}}}, runtime.Name("consumer"))
			wf.AddEdge(l, c)
		}, []string{depMsg(name, "consumer", "right", "Deps.Right"), depMsg(name, "consumer", "many", "inner.Many[1].Right")}},
		{"nodes of another workflow and self-references are ignored", func(wf *runtime.Workflow[In]) {
			other := runtime.NewWorkflow[In]("other")
			stranger := runtime.Add(other, &producer{}, runtime.Name("stranger"))
			runtime.Add(wf, &readsField{Producer: stranger}, runtime.Name("consumer"))
			runtime.Add(wf, &readsField{Producer: &producer{}}, runtime.Name("never-added"))
			self := runtime.Add(wf, &readsSelf{}, runtime.Name("self"))
			self.Self = self
		}, nil},
		{"readers in the order added", func(wf *runtime.Workflow[In]) {
			p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
			runtime.Add(wf, &readsInterface{Dep: p}, runtime.Name("second"))
			runtime.Add(wf, &readsField{Producer: p}, runtime.Name("first"))
			runtime.AddFunc(wf, "a", ok, runtime.Timeout(-1)) // an error made while building comes first
		}, []string{
			`workflow "deps": node "a": timeout -1ns must not be negative`,
			depMsg(name, "second", "producer", "Dep"),
			depMsg(name, "first", "producer", "Producer"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wf := runtime.NewWorkflow[In](name)
			tt.build(wf)
			err := wf.Err()
			if got, want := fmt.Sprint(err), strings.Join(tt.want, "\n"); len(tt.want) > 0 && got != want {
				t.Fatalf("Err() =\n%s\nwant\n%s", got, want)
			}
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				return
			}
			var ge *runtime.GraphError
			if !errors.Is(err, runtime.ErrDataDependency) || !errors.As(err, &ge) {
				t.Fatalf("not an ErrDataDependency GraphError: %v", err)
			}
			if ge.Rule == runtime.ErrDataDependency && len(ge.Nodes) != 2 {
				t.Fatalf("Nodes = %v, want reader and read", ge.Nodes)
			}
			// Reported at start: the workflow never runs.
			if _, rerr := runtime.Run(context.Background(), func() *runtime.Workflow[In] { return wf }, nil); !errors.Is(rerr, runtime.ErrDataDependency) {
				t.Fatalf("Run: %v", rerr)
			}
		})
	}
}

// The rule's GraphError names the reader, then the node it reads.
func TestDataDependencyNodes(t *testing.T) {
	wf := runtime.NewWorkflow[In]("deps")
	p := runtime.Add(wf, &producer{}, runtime.Name("producer"))
	runtime.Add(wf, &readsField{Producer: p}, runtime.Name("consumer"))
	var ge *runtime.GraphError
	if !errors.As(wf.Err(), &ge) || ge.Rule != runtime.ErrDataDependency || !slices.Equal(ge.Nodes, []string{"consumer", "producer"}) {
		t.Fatalf("GraphError %+v", ge)
	}
}

// A long chain: the reader at the end reads the head, found through the
// backward search; a reader in the middle reads a node placed after it.
func TestDataDependenciesOnAChain(t *testing.T) {
	wf := runtime.NewWorkflow[In]("chain")
	head := runtime.Add(wf, &producer{}, runtime.Name("head"))
	prev := runtime.NodeRef(head)
	var mid *readsField
	for i := range 1000 {
		var n runtime.NodeRef
		if i == 500 {
			mid = runtime.Add(wf, &readsField{}, runtime.Name("mid"))
			n = mid
		} else {
			n = runtime.AddFunc(wf, fmt.Sprintf("n%d", i), ok)
		}
		wf.AddEdge(prev, n)
		prev = n
	}
	tail := runtime.Add(wf, &readsField{Producer: head}, runtime.Name("tail"))
	wf.AddEdge(prev, tail)
	if err := wf.Err(); err != nil {
		t.Fatal(err)
	}
	late := runtime.Add(wf, &producer{}, runtime.Name("late"))
	wf.AddEdge(tail, late)
	mid.Producer = late
	if got, want := fmt.Sprint(wf.Err()), depMsg("chain", "mid", "late", "Producer"); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
