package runtime

import (
	"math/bits"
	"sync"
)

// A workflow's constructor runs once per run, so the same graph is built
// again and again. The runtime remembers how many nodes the last graphs of
// each workflow name had; a graph whose size repeats sizes its node list
// and name index once instead of growing them. Buffers that only building
// or scheduling need are recycled: the name index once the graph is sealed
// for a run, the scheduler's per-run arrays once the run has ended.
// Records and node state, which results and user nodes keep, are never
// recycled.

// lastSizes maps a workflow name to the node count of its last graphs
// (a sizeRecord). It stops learning new names after maxSizeHints, so
// workflows with generated names cannot grow it without bound.
var lastSizes struct {
	sync.Map
	sync.Mutex
	n int
}

const maxSizeHints = 4096

// sizeRecord is the node count of a workflow's last graph, and whether the
// graph before it had the same count. Only a repeated count is a
// hint: a workflow whose size changes from run to run (a graph shaped by
// its input) grows its tables as it goes rather than being sized by the
// last run, which could be far larger.
type sizeRecord struct {
	n        int
	repeated bool
}

func sizeHint(name string) int {
	if v, ok := lastSizes.Load(name); ok && v.(sizeRecord).repeated {
		return v.(sizeRecord).n
	}
	return 0
}

func rememberSize(name string, n int) {
	if v, ok := lastSizes.Load(name); ok {
		if old := v.(sizeRecord); old.n != n || !old.repeated {
			lastSizes.Store(name, sizeRecord{n, old.n == n})
		}
		return
	}
	lastSizes.Mutex.Lock()
	defer lastSizes.Mutex.Unlock()
	if lastSizes.n < maxSizeHints {
		lastSizes.n++
		lastSizes.Store(name, sizeRecord{n: n})
	}
}

// slotPools hold name index tables by the log2 of their length.
var slotPools [48]sync.Pool

// newSlots returns a zeroed table of size slots, a power of two.
func newSlots(size int) []uint64 {
	if p, ok := slotPools[bits.Len(uint(size))].Get().(*[]uint64); ok {
		s := *p
		clear(s)
		return s
	}
	return make([]uint64, size)
}

func freeSlots(s []uint64) {
	if len(s) >= 1024 { // small tables are cheap to allocate
		slotPools[bits.Len(uint(len(s)))].Put(&s)
	}
}

// seal ends the graph's building: it is about to run. The name index goes
// back to its pool and the graph's size is remembered for the next build.
func (g *graph) seal() {
	rememberSize(g.name, len(g.nodes))
	freeSlots(g.names.slots)
	g.names = nameIndex{}
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
