package runtime

import (
	"testing"
	"time"
	"unsafe"
)

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

// The sizes the comments on nodeEntry and edge state, on 64-bit platforms:
// a node's entry fills three cache lines (what a run touches for every
// node is in the first two), and an edge is 20 bytes.
func TestEntrySizes(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the sizes are stated for 64-bit platforms")
	}
	if got := unsafe.Sizeof(nodeEntry{}); got != 192 {
		t.Errorf("nodeEntry is %d bytes, want 192", got)
	}
	if got := unsafe.Offsetof(nodeEntry{}.recs) + unsafe.Sizeof(nodeEntry{}.recs); got > 128 {
		t.Errorf("nodeEntry's run state and records end at byte %d, past the first two cache lines", got)
	}
	if got := unsafe.Sizeof(edge{}); got != 20 {
		t.Errorf("edge is %d bytes, want 20", got)
	}
}

func TestRetryDelay(t *testing.T) {
	const ms = time.Millisecond
	for _, c := range []struct {
		base time.Duration
		b    *backoff
		want []time.Duration // retries 1, 2, …
	}{
		{10 * ms, nil, []time.Duration{10 * ms, 10 * ms, 10 * ms}},
		{10 * ms, &backoff{factor: 2}, []time.Duration{10 * ms, 20 * ms, 40 * ms, 80 * ms}},
		{10 * ms, &backoff{factor: 2, max: 35 * ms}, []time.Duration{10 * ms, 20 * ms, 35 * ms, 35 * ms}},
		{time.Hour, &backoff{factor: 1000}, []time.Duration{time.Hour, 1000 * time.Hour, 1_000_000 * time.Hour, 1 << 62}},
	} {
		for k, want := range c.want {
			if got := retryDelay(c.base, c.b, k+1); got != want {
				t.Errorf("retryDelay(%v, %+v, %d) = %v, want %v", c.base, c.b, k+1, got, want)
			}
		}
	}
}
