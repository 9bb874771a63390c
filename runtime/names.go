package runtime

import (
	"hash/maphash"
	"math/bits"
)

// nameIndex is the set of a graph's node names, for Add's duplicate check:
// an open-addressing hash table of 8-byte slots holding a name's hash and
// its node's index. It costs 16–32 bytes per node and holds no pointers for
// the garbage collector to scan; a map[string]struct{} costs about 80 bytes
// per name once its growth is counted.
type nameIndex struct {
	slots []uint64 // hash<<32 | (node index + 1); 0 is empty
	n     int
}

var nameSeed = maphash.MakeSeed()

// claimName records name as the name of node idx and reports whether it
// was free. Node idx must be added to g.nodes right after a successful claim.
func (g *graph) claimName(name string, idx int32) bool {
	x := &g.names
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	h := uint32(maphash.String(nameSeed, name))
	mask := len(x.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			x.slots[i] = uint64(h)<<32 | uint64(idx+1)
			x.n++
			return true
		}
		if uint32(s>>32) == h && g.nodes[int32(uint32(s))-1].name == name {
			return false
		}
	}
}

// grow doubles the table, placing each slot by its stored hash.
func (x *nameIndex) grow() {
	old := x.slots
	x.slots = newSlots(max(2*len(old), 16))
	mask := len(x.slots) - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := int(uint32(s>>32)) & mask
		for x.slots[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
	freeSlots(old)
}

// presize makes room for n names without growing.
func (x *nameIndex) presize(n int) {
	if size := 1 << bits.Len(uint(2*n+1)); n > 0 && size > len(x.slots) && x.n == 0 {
		x.slots = newSlots(size)
	}
}
