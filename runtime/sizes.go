package runtime

import "sync"

// A workflow's constructor runs once per run, so the same graph is built
// again and again. The runtime remembers how many nodes the last graph of
// each workflow name had, so a rebuilt graph sizes its node list and entry
// slab once instead of growing them, and the scheduler's per-run arrays
// are recycled once a run has ended. Records and node state, which results
// and user nodes keep, are never recycled.

// lastSizes maps a workflow name to its last graph's node count. It stops
// learning new names after maxSizeHints, so workflows with generated names
// cannot grow it without bound.
var lastSizes struct {
	sync.Map
	sync.Mutex
	n int
}

const maxSizeHints = 4096

func sizeHint(name string) int {
	if v, ok := lastSizes.Load(name); ok {
		return v.(int)
	}
	return 0
}

func rememberSize(name string, n int) {
	if v, ok := lastSizes.Load(name); ok {
		if v.(int) != n {
			lastSizes.Store(name, n)
		}
		return
	}
	lastSizes.Mutex.Lock()
	defer lastSizes.Mutex.Unlock()
	if lastSizes.n < maxSizeHints {
		lastSizes.n++
		lastSizes.Store(name, n)
	}
}

// seal ends the graph's building: it is about to run. Its size is
// remembered for the next build.
func (g *graph) seal() {
	rememberSize(g.name, len(g.nodes))
}

// scratch are the scheduler's per-run arrays, recycled between runs.
type scratch struct {
	wait, outStart, ready []int32
	out                   []outEdge
	queue                 []*nodeAttempt
}

var scratchPool sync.Pool

func getScratch() *scratch {
	if s, ok := scratchPool.Get().(*scratch); ok {
		return s
	}
	return new(scratch)
}

// resize returns s with length n, reusing its array when large enough.
// The contents are not cleared: callers overwrite every element.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
