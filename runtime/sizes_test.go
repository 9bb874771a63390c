package runtime

import "testing"

// Only a size seen twice in a row presizes the next graph of that name: a
// workflow shaped by its input is never sized by a larger earlier run.
func TestSizeHints(t *testing.T) {
	const name = "size-hints-test"
	steps := []struct{ seal, wantHint int }{
		{10, 0}, {10, 10}, {10, 10}, {100_000, 0}, {10, 0}, {100_000, 0}, {100_000, 100_000}, {7, 0},
	}
	for i, s := range steps {
		rememberSize(name, s.seal)
		if got := sizeHint(name); got != s.wantHint {
			t.Fatalf("step %d: after a graph of %d nodes, hint %d, want %d", i, s.seal, got, s.wantHint)
		}
	}
	g := NewWorkflow[struct{}](name).g // last sealed: 7, once
	if cap(g.nodes) != 0 || len(g.names.slots) != 0 {
		t.Fatalf("unhinted graph presized: %d nodes, %d slots", cap(g.nodes), len(g.names.slots))
	}
	rememberSize(name, 7)
	g = NewWorkflow[struct{}](name).g
	if cap(g.nodes) != 7 || len(g.names.slots) != 16 {
		t.Fatalf("hinted graph: %d nodes, %d slots; want 7 and 16", cap(g.nodes), len(g.names.slots))
	}
}
