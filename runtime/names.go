package runtime

import (
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
)

// Duplicate node names are found when the graph is checked (Err), not one
// by one in Add: a hash table probed per Add costs a cache miss per node
// once the table outgrows the caches (about 100 ns a node at 100k nodes).
// The check hashes every name in one pass over the entries, splits the
// hashes by their top bits into parts small enough for the caches, and
// checks each part with a small hash table, comparing names only where
// hashes are equal.
//
// A duplicate keeps its place in Err's list: it is reported where Add used
// to report it, before the errors recorded after that node was added.

var nameSeed = maphash.MakeSeed()

// dupKey orders a duplicate among graph errors (see graph.errKeys): node k
// is added while len(g.nodes) == k, after errors keyed 2k, before Add's
// own errors for it, keyed 2k+1.
func dupKey(k int32) int32 { return 2*k + 1 }

// duplicates returns the duplicate-name errors, computed once per graph
// size (nodes are only ever added).
func (g *graph) duplicates() []keyedError {
	if g.dupsFor == len(g.nodes) {
		return g.dups
	}
	g.dups, g.dupsFor = nil, len(g.nodes)
	for _, k := range g.duplicateIndices() {
		name := g.nodes[k].name
		g.dups = append(g.dups, keyedError{dupKey(k), &GraphError{Workflow: g.name, Rule: ErrDuplicateNode,
			Nodes: []string{name}, msg: fmt.Sprintf("duplicate node name %q", name)}})
	}
	return g.dups
}

type keyedError struct {
	key int32
	err error
}

// partTarget is the most hashes a part holds on average: parts of a few
// thousand hashes sort within the L1 and L2 caches.
const partTarget = 4096

var hashPool = sync.Pool{New: func() any { return new([]uint64) }}

// duplicateIndices returns, in increasing order, the indices of nodes whose
// name an earlier node already has.
func (g *graph) duplicateIndices() []int32 {
	n := len(g.nodes)
	if n < 2 {
		return nil
	}
	buf := hashPool.Get().(*[]uint64)
	defer hashPool.Put(buf)
	if cap(*buf) < 2*n {
		*buf = make([]uint64, 2*n)
	}
	hs, tmp := (*buf)[:n], (*buf)[n:2*n]
	// hash<<32 | index
	for i, e := range g.nodes {
		hs[i] = maphash.String(nameSeed, e.name)<<32 | uint64(i)
	}
	bitsFor := 0
	for n>>bitsFor > partTarget && bitsFor < 16 {
		bitsFor++
	}
	parts := [][]uint64{hs}
	if bitsFor > 0 { // one counting-sort pass by the top bits
		shift := 64 - bitsFor
		count := make([]int, 1<<bitsFor+1)
		for _, h := range hs {
			count[h>>shift+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		parts = make([][]uint64, 1<<bitsFor)
		for p := range parts {
			parts[p] = tmp[count[p]:count[p]:count[p+1]]
		}
		for _, h := range hs {
			p := h >> shift
			parts[p] = append(parts[p], h)
		}
	}
	// Each part, in node order (the split is stable), goes through a small
	// open-addressing table of positions in the part: a name that meets an
	// equal hash with an equal name is a duplicate of an earlier node.
	var dups []int32
	var table []int32
	for _, part := range parts {
		size := 16
		for size < 2*len(part) {
			size *= 2
		}
		if cap(table) < size {
			table = make([]int32, size)
		}
		table = table[:size]
		clear(table)
		mask := uint32(size - 1)
	next:
		for i, h := range part {
			k := uint32(h)
			for slot := uint32(h>>32) & mask; ; slot = (slot + 1) & mask {
				j := table[slot]
				if j == 0 {
					table[slot] = int32(i + 1)
					continue next
				}
				if o := part[j-1]; o>>32 == h>>32 && g.nodes[uint32(o)].name == g.nodes[k].name {
					dups = append(dups, int32(k))
					continue next
				}
			}
		}
	}
	slices.Sort(dups)
	return dups
}
