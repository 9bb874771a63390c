package runtime

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// What Add needs to know of a node type is worked out once per type and
// cached: large graphs repeat a few types.

// nodeTypeInfo is what Add learns of a node type.
type nodeTypeInfo struct {
	isFunc    bool     // a *Func[I, O]
	hooks     bool     // implements a node hook
	hookProbs []string // misspelt hooks and hooks with the wrong signature
	reads     *readPlan
}

// nodeTypes caches nodeTypeInfo by reflect.Type. Types are fixed by the
// program, so it is bounded.
var nodeTypes sync.Map

// typeInfo returns what is known of n's type. The last type is kept in the
// graph, so a graph of one node type costs a comparison per node.
func (g *graph) typeInfo(n any) *nodeTypeInfo {
	t := reflect.TypeOf(n)
	if t == g.lastType {
		return g.lastInfo
	}
	info, ok := nodeTypes.Load(t)
	if !ok {
		info, _ = nodeTypes.LoadOrStore(t, analyse(t))
	}
	g.lastType, g.lastInfo = t, info.(*nodeTypeInfo)
	return g.lastInfo
}

func analyse(t reflect.Type) *nodeTypeInfo {
	info := &nodeTypeInfo{hookProbs: hookProblems(t), isFunc: t.Implements(funcNodeType)}
	for _, h := range hookSpecs {
		info.hooks = info.hooks || t.Implements(h.iface)
	}
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		info.reads = planOf(t.Elem(), map[reflect.Type]bool{})
	}
	return info
}

// readPlan says where a value of some type can hold a node of the workflow:
// the value itself (a pointer implementing NodeRef, or an interface, by its
// dynamic value), the fields of a struct, or the elements of an array or
// slice. Types that can hold none have no plan, so a node type without
// such fields costs nothing when the graph is checked.
type readPlan struct {
	kind   planKind
	fields []fieldPlan // planStruct
	elem   *readPlan   // planSeq
}

type planKind uint8

const (
	planRef planKind = iota
	planStruct
	planSeq
)

type fieldPlan struct {
	index    int
	name     string
	exported bool
	plan     *readPlan
}

var (
	refPlan      = &readPlan{kind: planRef}
	funcNodeType = reflect.TypeFor[funcNode]()
	nodeRefType  = reflect.TypeFor[NodeRef]()
	nodePkgPath  = reflect.TypeFor[NoOutput]().PkgPath()
)

// planOf is t's plan, or nil. Struct fields tagged fluxly:"nodep" are left
// out, with everything inside them. Maps, channels, functions and pointers
// to anything but a node are not followed, nor is a struct type inside
// itself (through a slice): visiting holds the struct types being planned.
func planOf(t reflect.Type, visiting map[reflect.Type]bool) *readPlan {
	switch t.Kind() {
	case reflect.Interface:
		return refPlan
	case reflect.Pointer:
		if t.Implements(nodeRefType) {
			return refPlan
		}
	case reflect.Array:
		if t.Len() > 0 {
			if p := planOf(t.Elem(), visiting); p != nil {
				return &readPlan{kind: planSeq, elem: p}
			}
		}
	case reflect.Slice:
		if p := planOf(t.Elem(), visiting); p != nil {
			return &readPlan{kind: planSeq, elem: p}
		}
	case reflect.Struct:
		if isRuntimeNode(t) || visiting[t] {
			return nil
		}
		visiting[t] = true
		defer delete(visiting, t)
		var fields []fieldPlan
		for i := range t.NumField() {
			f := t.Field(i)
			if hasTagOption(f.Tag.Get("fluxly"), "nodep") {
				continue
			}
			if p := planOf(f.Type, visiting); p != nil {
				fields = append(fields, fieldPlan{index: i, name: f.Name, exported: f.IsExported(), plan: p})
			}
		}
		if len(fields) > 0 {
			return &readPlan{kind: planStruct, fields: fields}
		}
	}
	return nil
}

// isRuntimeNode reports whether t is a Node[I, O]: a node's own embedded
// Node holds the node itself, and is not a read.
func isRuntimeNode(t reflect.Type) bool {
	return t.PkgPath() == nodePkgPath && strings.HasPrefix(t.Name(), "Node[")
}

func hasTagOption(tag, opt string) bool {
	for o := range strings.SplitSeq(tag, ",") {
		if strings.TrimSpace(o) == opt {
			return true
		}
	}
	return false
}

// reader is a node whose type has fields that can hold a node.
type reader struct {
	idx  int32
	plan *readPlan
}

// readWalk walks a node's fields by its plan, calling found with each node
// of g it holds (its own Node and itself excepted), in declaration order.
// It only reads the node: fields are read through reflection, unexported
// ones at their address. Paths (Producer, Deps.Left, Inputs[2]) are built
// only when asked for: most walks find nothing wrong.
type readWalk struct {
	g     *graph
	self  *nodeEntry
	paths bool
	path  []byte
	found func(path string, read *nodeEntry)
}

func (w *readWalk) walk(v reflect.Value, p *readPlan) {
	switch p.kind {
	case planRef:
		if v.IsNil() {
			return
		}
		ref, ok := v.Interface().(NodeRef)
		if !ok {
			return
		}
		if r := w.g.lookup(ref); r != nil && r != w.self {
			w.found(string(w.path), r)
		}
	case planSeq:
		n := len(w.path)
		for i := range v.Len() {
			if w.paths {
				w.path = append(strconv.AppendInt(append(w.path[:n], '['), int64(i), 10), ']')
			}
			w.walk(v.Index(i), p.elem)
		}
		w.path = w.path[:n]
	case planStruct:
		n := len(w.path)
		for _, f := range p.fields {
			fv := v.Field(f.index)
			if !f.exported {
				fv = reflect.NewAt(fv.Type(), unsafe.Pointer(fv.UnsafeAddr())).Elem()
			}
			if w.paths {
				w.path = w.path[:n]
				if n > 0 {
					w.path = append(w.path, '.')
				}
				w.path = append(w.path, f.name...)
			}
			w.walk(fv, f.plan)
		}
		w.path = w.path[:n]
	}
}

// dependencyErrors checks that every node that holds another node of the
// workflow in a field has it among its ancestors: the rule
// [ErrDataDependency]. It uses only local state, so Err stays read-only.
//
// An ancestor of v has a smaller ord than v (the order Pearce–Kelly keeps
// topological as edges are added). A read node placed after v is never an
// ancestor; otherwise v's parents are checked first, then a backward search
// from v that skips nodes placed before the earliest node read.
func (g *graph) dependencyErrors() []error {
	if len(g.readers) == 0 {
		return nil
	}
	var (
		errs  []error
		reads []*nodeEntry // the nodes one reader holds, in declaration order
		ok    []bool       // whether each is among the reader's ancestors
		seen  []uint32     // search marks, local to this call
		gen   uint32
		stack []int32
	)
	for _, rd := range g.readers {
		v, e := rd.idx, g.nodes[rd.idx]
		reads = reads[:0]
		w := readWalk{g: g, self: e, found: func(_ string, r *nodeEntry) { reads = append(reads, r) }}
		node := reflect.ValueOf(e.node.impl()).Elem()
		w.walk(node, rd.plan)
		if len(reads) == 0 {
			continue
		}
		ok = slices.Grow(ok[:0], len(reads))[:len(reads)]
		clear(ok)
		lowest, pending := e.ord, false
		for i, r := range reads {
			switch {
			case r.ord > e.ord:
			case g.isParent(r.idx, e):
				ok[i] = true
			default:
				pending = true
				lowest = min(lowest, r.ord)
			}
		}
		if pending {
			if seen == nil {
				seen = make([]uint32, len(g.nodes))
			}
			gen++
			stack = g.markAncestors(v, lowest, seen, gen, stack)
			for i, r := range reads {
				ok[i] = ok[i] || seen[r.idx] == gen
			}
		}
		if !slices.Contains(ok, false) {
			continue
		}
		// Walk again for the fields' paths: the same reads, in the same order.
		i := 0
		w.paths = true
		w.found = func(path string, r *nodeEntry) {
			if !ok[i] {
				errs = append(errs, &GraphError{Workflow: g.name, Rule: ErrDataDependency, Nodes: []string{e.name, r.name},
					msg: fmt.Sprintf("node %q reads node %q through field %s, but %q is not among its ancestors: "+
						"add an edge from %q to %q (directly or through other nodes), "+
						`or tag the field fluxly:"nodep" if it is read only when the order is guaranteed another way`,
						e.name, r.name, path, r.name, r.name, e.name)})
			}
			i++
		}
		w.walk(node, rd.plan)
	}
	return errs
}

// markAncestors sets seen[u] = gen for v and its ancestors u placed at
// lowest or later: no node placed before lowest is on a path from a node
// placed at lowest to v. stack is scratch space, returned for reuse.
func (g *graph) markAncestors(v, lowest int32, seen []uint32, gen uint32, stack []int32) []int32 {
	stack = append(stack[:0], v)
	seen[v] = gen
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for ei := g.nodes[x].firstIn; ei >= 0; ei = g.edges.at(ei).nextIn {
			u := g.edges.at(ei).from
			if seen[u] != gen && g.nodes[u].ord >= lowest {
				seen[u] = gen
				stack = append(stack, u)
			}
		}
	}
	return stack
}

// isParent reports whether an edge leads from node u to e.
func (g *graph) isParent(u int32, e *nodeEntry) bool {
	for ei := e.firstIn; ei >= 0; ei = g.edges.at(ei).nextIn {
		if g.edges.at(ei).from == u {
			return true
		}
	}
	return false
}
