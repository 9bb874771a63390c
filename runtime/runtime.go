// Package runtime authors and runs Fluxly workflows: typed DAGs of nodes
// with timeouts, retries, lifecycle hooks, conditional edges, trigger
// rules and execution groups, and statuses that become process exit codes.
//
// A workflow is built by a constructor, called once per run so that every
// run has its own node instances:
//
//	func NewDemo() *runtime.Workflow[MyInput] {
//		wf := runtime.NewWorkflow[MyInput]("demo", runtime.Version("1.0"))
//		p := runtime.Add(wf, &Producer{}, runtime.Name("producer"), runtime.Timeout(5*time.Second))
//		c := runtime.Add(wf, &Consumer{Producer: p}, runtime.Name("consumer"), runtime.Retries(2, time.Second))
//		wf.AddEdgeIfSourceCompleted(p, c)
//		return wf
//	}
//
// and run with [Run]; [Output] reads a node's typed output from the result.
// Options are typed by what they configure: [WorkflowOption] for
// NewWorkflow, [NodeOption] for [Add], [Option] for both, so a misplaced
// option does not compile. [AddFunc] adds a node whose logic is a plain
// function.
//
// # Edges
//
// [Workflow.AddEdge] lets its child start once the source has finished,
// whatever its status; [Workflow.AddEdgeIfSourceCompleted] only if the
// source COMPLETED; [Workflow.AddConditionalEdge] and
// [Workflow.AddEdgeWhen] (whose condition reads the run's typed input) if
// the condition, evaluated when the source finishes, holds. Without a
// trigger rule a node waits for all its parents and starts if every
// incoming edge allows it; a node an edge refuses is skipped, and so is
// everything that then can never start.
//
// # Trigger rules
//
// [Trigger] gives a node one of Airflow's trigger rules. Each parent's
// outcome, as the node sees it, is decided by the edge first: a
// conditional edge whose condition is false, or an on-success edge whose
// source did not complete, makes the parent skipped for this node. Then a
// parent that COMPLETED succeeded; one that finished with any other status
// (after its retries) failed; a skipped parent is skipped. The rule
// decides from those outcomes:
//
//	rule                         runs                                           is skipped
//	(none)                       every parent done, none skipped                every parent done, one skipped
//	all_success                  every parent done, all succeeded               every parent done, one did not succeed
//	all_done                     every parent done                              never
//	none_failed                  every parent done, none failed                 every parent done, one failed
//	none_failed_min_one_success  every parent done, none failed, one succeeded  every parent done, one failed or none succeeded
//	one_success                  as soon as one parent succeeded                every parent done, none succeeded
//	one_failed                   as soon as one parent failed                   every parent done, none failed
//	all_failed                   every parent done, all failed                  every parent done, one did not fail
//	always                       at once, when the workflow attempt starts      never
//
// A node without parents runs at once whatever its rule, and no rule
// skips a node before all its parents are done. A node a rule refuses is
// skipped and counts as a skipped parent for its children; a skipped node
// never fails an execution group. The decision is made once: a node that
// started early (one_success, one_failed, always) ignores the outcomes of
// its other parents, though a condition on an edge into it is still
// evaluated when its source finishes (and a panic there still fails the
// attempt). always follows Airflow: the node has no dependencies and runs
// alongside the nodes without parents; its edges still order the
// documentation and count as ancestry for the data-dependency check, and
// its children wait for it as usual.
//
// Rules decide while the workflow runs; they do not keep it running.
// Execution groups still decide when it stops: a parent whose failure
// fails the last live group (with the default single group, any failure)
// stops the workflow, and a child waiting on it — even with all_done,
// one_failed or all_failed — is not reached. For a node that must run
// after a failure (a clean-up, an error report), give the parents that may
// fail [ContinueOnFailure], or put them in execution groups of their own.
//
// # Data dependencies
//
// Consumer holds Producer in a field and reads its output with
// [Node.Last]; that is only safe when Producer has finished, so Producer
// must be among Consumer's ancestors (here through the edge p → c). The
// graph check ([Workflow.Err], which [Run] calls before starting) enforces
// it for every field of every node that holds another node of the same
// workflow, exported or not, inside nested structs, arrays and slices, and
// interface fields by their value: a missing edge is an [ErrDataDependency]
// error naming both nodes and the field. A field tagged fluxly:"nodep" is
// not checked, for a node read only when the order is guaranteed another
// way. The variables a closure given to [AddFunc], [Workflow.AddEdgeWhen]
// or [Workflow.AddConditionalEdge] captures cannot be checked.
//
// A rule that starts a node early (one_success, one_failed, always) lets
// it, and the nodes after it, run while some of their ancestors still run.
// Reading such an ancestor is safe: until it has finished, Last returns a
// view of its progress (IN_PROGRESS or WAITING, no output) instead of a
// record, so check Last().Status before using the output.
//
// # Failures, groups and retries
//
// [Workflow.AddExecutionGroup] declares nodes that fail together; by default all
// nodes form one group. A group has failed once one of its nodes finished
// with a status other than COMPLETED; when every group has failed, running
// nodes are cancelled and the workflow fails with the status and error of
// the node that killed the last group. A node with [ContinueOnFailure]
// fails no group: its records keep its failed status, its children see a
// failed parent, and the workflow goes on; it ends COMPLETED if nothing
// else failed a group.
//
// [Retries] gives a node extra attempts, [ExponentialBackoff] makes their
// delays grow, and [Jitter] draws each delay uniformly in [0, delay] ("full
// jitter"; [WithRand] makes the draws repeatable). An attempt whose error
// is marked with [Permanent], or whose status is listed in
// [NonRetryable], is the node's last whatever the retries allow. These
// map onto a Temporal retry policy: maximum attempts = 1 + retries,
// initial interval = the retry delay, backoff coefficient = the backoff
// factor (1 without backoff), maximum interval = the backoff cap, and
// non-retryable error types = permanent errors and the non-retryable
// statuses (Temporal has no jitter).
//
// A panic in node logic, a hook, a middleware or a condition is recovered
// and recorded as FAILED. Logic that calls runtime.Goexit (t.FailNow in a
// test helper) ends its attempt FAILED too, with an error saying so; the
// hooks after that point do not run.
//
// # Secrets and resuming
//
// [Secret] is a string that prints, logs and encodes as ***: use it for
// input fields that must never appear in any output (the app treats such
// fields as secret), and call [Secret.Reveal] where the value is needed.
//
// [ResumeFrom] runs a workflow again after a failure, reusing the
// records, outputs included, of the nodes that COMPLETED in the earlier
// run: only the others run.
//
// # Hooks
//
// A node type opts into lifecycle hooks by having any of these methods:
//
//	OnStart(ctx context.Context)               // before the logic
//	OnSuccess(ctx context.Context)             // after logic that returned nil
//	OnFailure(ctx context.Context, err error)  // after logic that failed, with its error
//	OnFinish(ctx context.Context)              // always, last
//
// They run around every attempt of the node; workflow hooks, the same
// methods on a value given to [Hooks], run around every workflow attempt. A
// panic in a hook fails the attempt with the panic's message. A method that
// looks like a misspelt hook (OnFinsh, OnFailed, Onstart) or has a hook's
// name and another signature is an [ErrInvalidHook] graph error, since the
// runtime would never call it.
//
// The package has no third-party dependencies; the app (package fluxly)
// adds the CLI, environment trigger, HTTP API and documentation on top.
package runtime

import (
	"container/heap"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Workflow is a DAG of nodes whose logic reads an input of type I. Build one
// in a constructor, func() *Workflow[I], that the runtime calls once per run
// (and per workflow retry), so every run gets fresh node instances.
//
// Mistakes made while building (unknown node, duplicate name, self-loop,
// duplicate edge, cycle, bad option value, misspelt hook, missing data
// dependency) are collected, not panicked: [Workflow.Err] reports all of
// them at once, and Run refuses to start a workflow that has any.
type Workflow[I any] struct {
	g *graph
}

// EdgeKind says when an edge lets its child start.
type EdgeKind int

const (
	// Plain edges let the child start once the source has finished, whatever its status.
	Plain EdgeKind = iota
	// Conditional edges let the child start once the source has finished and
	// the edge's condition, evaluated at that moment, returns true.
	Conditional
	// OnSuccess edges let the child start only if the source finished COMPLETED.
	OnSuccess
)

var edgeKindNames = [...]string{Plain: "plain", Conditional: "conditional", OnSuccess: "on_success"}

// String returns "plain", "conditional" or "on_success".
func (k EdgeKind) String() string {
	if k >= 0 && int(k) < len(edgeKindNames) {
		return edgeKindNames[k]
	}
	return fmt.Sprintf("EdgeKind(%d)", int(k))
}

// MarshalText encodes the kind as "plain", "conditional" or "on_success".
func (k EdgeKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (k *EdgeKind) UnmarshalText(b []byte) error {
	for i, n := range edgeKindNames {
		if n == string(b) {
			*k = EdgeKind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown edge kind %q", b)
}

// onSuccessLabel is the label of edges added with AddEdgeIfSourceCompleted.
const onSuccessLabel = "if completed"

// edge is 20 bytes (TestEntrySizes): a conditional edge's label and
// condition live in graph.conds, so the common plain and on-success edges
// don't carry them.
type edge struct {
	from, to        int32
	nextOut, nextIn int32 // next edge in from's out-list / to's in-list, -1 at the end
	how             edgeHow
}

// edgeHow is an edge's kind and, for a conditional edge, its condition's
// index in graph.conds.
type edgeHow int32

const (
	plainEdge     edgeHow = -1
	onSuccessEdge edgeHow = -2
)

func (h edgeHow) kind() EdgeKind {
	switch h {
	case plainEdge:
		return Plain
	case onSuccessEdge:
		return OnSuccess
	}
	return Conditional
}

// condition is a conditional edge's label and condition: fn for
// AddConditionalEdge, typed (which reads the run's *I) for AddEdgeWhen.
type condition struct {
	label string
	fn    func() bool
	typed func(in any) bool
}

// eval calls the condition with the run's input, a *I.
func (c *condition) eval(in any) bool {
	if c.typed != nil {
		return c.typed(in)
	}
	return c.fn()
}

func (g *graph) edgeLabel(h edgeHow) string {
	switch h.kind() {
	case Conditional:
		return g.conds[h].label
	case OnSuccess:
		return onSuccessLabel
	}
	return ""
}

type graph struct {
	name, description, version string
	maxConcurrency             int
	hooks                      hookSet
	input                      reflect.Type // I

	nodes []*nodeEntry
	// Degrees by node index, apart from the entries: a run reads them all
	// without walking every entry.
	inDeg, outDeg []int32
	ran           bool // the graph has been scheduled: its entries hold run state
	names         nameIndex
	edges         edgeList
	conds         []condition
	groups        [][]int32
	// memberOf[v] lists node v's groups; it covers only the nodes added
	// before the last group, and is nil without groups.
	memberOf [][]int32
	errs     []error
	// readers are the nodes whose types have fields that can hold a node,
	// in the order added: Err checks their data dependencies.
	readers []reader
	// ruled are the nodes with a trigger rule, in the order added.
	ruled []int32
	// early is set when a node's rule lets it start before its parents
	// have finished: the run then publishes each node's progress for
	// Node.Last (see nodeEntry.view).
	early bool

	markGen uint32 // the current search's mark in nodeEntry.mark

	hint     int           // the node count of the last graph built with this name
	lastType reflect.Type  // the last node type Add saw (see typeInfo)
	lastInfo *nodeTypeInfo // and what is known of it
	slab     []nodeEntry   // entries are carved from chunks
}

// edgeList stores edges in fixed-size chunks: adding never copies, and an
// edge costs its own size however large the graph grows.
type edgeList struct {
	chunks [][]edge
	n      int
}

const edgeChunk = 1024

func (l *edgeList) at(i int32) *edge { return &l.chunks[i/edgeChunk][i%edgeChunk] }

func (l *edgeList) add(e edge) int32 {
	if c := l.chunks; len(c) > 0 {
		if last := &c[len(c)-1]; len(*last) < cap(*last) { // the common case
			*last = append(*last, e)
			l.n++
			return int32(l.n - 1)
		}
	}
	if l.n%edgeChunk == 0 {
		size := edgeChunk
		if l.n == 0 {
			size = 16 // small workflows stay small
		}
		l.chunks = append(l.chunks, make([]edge, 0, size))
	}
	c := &l.chunks[len(l.chunks)-1]
	if len(*c) == cap(*c) { // the first, small chunk fills up
		*c = slices.Grow(*c, edgeChunk-len(*c))
	}
	*c = append(*c, e)
	l.n++
	return int32(l.n - 1)
}

func (g *graph) newEntry() *nodeEntry {
	if len(g.slab) == cap(g.slab) {
		size := max(2*cap(g.slab), 8)
		if cap(g.slab) == 0 && g.hint > 0 {
			size = g.hint
		}
		g.slab = make([]nodeEntry, 0, min(size, 1024))
	}
	g.slab = g.slab[:len(g.slab)+1]
	return &g.slab[len(g.slab)-1]
}

// appendDoubling appends like append but doubles the capacity when full:
// large graphs reallocate (and copy) less than with append's 1.25× growth.
func appendDoubling[T any](s []T, v T) []T {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(len(s), 8))
	}
	return append(s, v)
}

// NewWorkflow starts a workflow named name (2–64 characters). Options:
// [Description], [Version], [MaxConcurrency], [Hooks].
func NewWorkflow[I any](name string, opts ...WorkflowOption) *Workflow[I] {
	var s workflowSettings
	s.apply(opts)
	g := &graph{
		name: name, description: s.description, version: s.version,
		maxConcurrency: s.maxConcurrency,
		hooks:          hooksOf(s.hooks),
		input:          reflect.TypeFor[I](),
	}
	if g.hint = sizeHint(name); g.hint > 0 {
		g.nodes = make([]*nodeEntry, 0, g.hint)
		g.inDeg, g.outDeg = make([]int32, 0, g.hint), make([]int32, 0, g.hint)
		g.names.presize(g.hint)
	}
	if n := utf8.RuneCountInString(name); n < 2 || n > 64 || !utf8.ValidString(name) {
		g.fail(ErrInvalidName, nil, "workflow name %q must be 2–64 characters", name)
	} else if hasControl(name) {
		g.fail(ErrInvalidName, nil, "workflow name %q must not contain control characters", name)
	}
	for _, err := range s.errs {
		g.fail(ErrInvalidOption, nil, "%v", err)
	}
	if s.hooksSet {
		for _, p := range workflowHookProblems(s.hooks) {
			g.fail(ErrInvalidHook, nil, "%s", p)
		}
	}
	return &Workflow[I]{g: g}
}

// Name returns the workflow's name.
func (w *Workflow[I]) Name() string { return w.g.name }

// Err returns every problem found in the workflow's graph, joined with
// errors.Join, or nil. Each is a *GraphError naming the nodes involved:
// the mistakes made while building, in the order made, then the missing
// data dependencies (see [Add]), by node in the order added and by field
// in declaration order. Err only reads the graph and its nodes: calls may
// run concurrently, but not while the workflow runs and its nodes change.
func (w *Workflow[I]) Err() error {
	g := w.g
	errs := g.errs
	if deps := g.dependencyErrors(); len(deps) > 0 {
		errs = append(slices.Clip(errs), deps...)
	}
	if len(g.nodes) == 0 {
		errs = append(slices.Clip(errs), &GraphError{Workflow: g.name, Rule: ErrNoNodes, msg: "has no nodes"})
	}
	return errors.Join(errs...)
}

// AddEdge lets dst start once src has finished, whatever its status.
func (w *Workflow[I]) AddEdge(src, dst NodeRef) { w.g.addEdge(src, dst, Plain, nil) }

// AddConditionalEdge lets dst start once src has finished and cond, evaluated
// at that moment, returns true. label says in words what cond checks; docs
// and diagrams show it. cond must be quick and must not block. A panic in
// cond fails the workflow attempt (a [PanicError]). [Workflow.AddEdgeWhen]
// is the same edge with a condition that reads the run's input.
func (w *Workflow[I]) AddConditionalEdge(src, dst NodeRef, label string, cond func() bool) {
	c := condition{label: label, fn: cond}
	w.g.addEdge(src, dst, Conditional, &c)
}

// AddEdgeWhen adds a conditional edge whose condition reads the run's
// input, as node logic does through Exec.Input (treat it as read-only),
// and upstream outputs through the nodes it captures, with [Node.Last]:
//
//	wf.AddEdgeWhen(validate, notify, "rows were rejected", func(in *Input) bool {
//		return in.Notify && validate.Last().Output.Rejected > 0
//	})
//
// cond is evaluated once src has finished (src's Last is then final);
// dst starts only if it returns true, as with [Workflow.AddConditionalEdge].
func (w *Workflow[I]) AddEdgeWhen(src, dst NodeRef, label string, cond func(in *I) bool) {
	c := condition{label: label}
	if cond != nil {
		c.typed = func(in any) bool { return cond(in.(*I)) }
	}
	w.g.addEdge(src, dst, Conditional, &c)
}

// AddEdgeIfSourceCompleted lets dst start only if src finished COMPLETED.
func (w *Workflow[I]) AddEdgeIfSourceCompleted(src, dst NodeRef) {
	w.g.addEdge(src, dst, OnSuccess, nil)
}

// AddExecutionGroup declares a set of nodes that succeed or fail together.
// Without groups, all nodes form one group. A group has failed once one of
// its nodes finishes with a status other than COMPLETED; when every group has
// failed, running nodes are cancelled and the workflow fails. Nodes outside
// every declared group never fail a group.
func (w *Workflow[I]) AddExecutionGroup(nodes ...NodeRef) {
	g := w.g
	if len(nodes) == 0 {
		g.fail(ErrEmptyGroup, nil, "execution group %d has no nodes", len(g.groups)+1)
		return
	}
	var members []int32
	ok := true
	gen := g.nextMark() // dedup in O(len(nodes))
	for _, ref := range nodes {
		e := g.lookup(ref)
		if e == nil {
			g.fail(ErrUnknownNode, []string{refName(ref)}, "execution group %d: node %s was not added to this workflow", len(g.groups)+1, refName(ref))
			ok = false
			continue
		}
		if e.mark != gen {
			e.mark = gen
			members = append(members, e.idx)
		}
	}
	if ok {
		for _, v := range members {
			if extra := len(g.nodes) - len(g.memberOf); extra > 0 {
				g.memberOf = append(g.memberOf, make([][]int32, extra)...)
			}
			g.memberOf[v] = append(g.memberOf[v], int32(len(g.groups)))
		}
		g.groups = append(g.groups, members)
	}
}

func (g *graph) groupsOf(v int32) []int32 {
	if int(v) < len(g.memberOf) {
		return g.memberOf[v]
	}
	return nil
}

// lookup returns ref's entry in g, or nil for a node never added to g.
func (g *graph) lookup(ref NodeRef) *nodeEntry {
	if isNil(ref) {
		return nil
	}
	e := ref.nodeEntry()
	if e == nil || int(e.idx) >= len(g.nodes) || g.nodes[e.idx] != e { // another graph's node
		return nil
	}
	return e
}

// refName names a node reference for error messages, even one never added.
func refName(ref NodeRef) string {
	if isNil(ref) {
		return "<nil>"
	}
	if e := ref.nodeEntry(); e != nil {
		return fmt.Sprintf("%q", e.name)
	}
	return fmt.Sprintf("%q (a %s never added to a workflow)", typeName(ref), shortType(ref))
}

// shortType is v's type as %T writes it, without the import paths of type
// arguments: *runtime.Func[main.In,runtime.NoOutput].
func shortType(v any) string {
	s := fmt.Sprintf("%T", v)
	b := make([]byte, 0, len(s))
	name := 0 // where the current qualified name starts in b
	for i := range len(s) {
		switch c := s[i]; c {
		case '/': // drop the import path up to here
			b = b[:name]
		case '[', ']', ',', '*', ' ':
			b = append(b, c)
			name = len(b)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// addEdge adds an edge of kind; c is a conditional edge's condition.
func (g *graph) addEdge(src, dst NodeRef, kind EdgeKind, c *condition) {
	s, d := g.lookup(src), g.lookup(dst)
	if s == nil || d == nil {
		var unknown []string
		for _, r := range []NodeRef{src, dst} {
			if g.lookup(r) == nil {
				unknown = append(unknown, refName(r))
			}
		}
		g.fail(ErrUnknownNode, unknown, "edge %s → %s: node %s was not added to this workflow",
			refName(src), refName(dst), strings.Join(unknown, " and "))
		return
	}
	switch {
	case s == d:
		g.fail(ErrSelfLoop, []string{s.name}, "self-loop on node %q", s.name)
		return
	case kind == Conditional && c.fn == nil && c.typed == nil:
		g.fail(ErrInvalidEdge, []string{s.name, d.name}, "conditional edge %q → %q has no condition", s.name, d.name)
		return
	case kind == Conditional && strings.TrimSpace(c.label) == "":
		g.fail(ErrInvalidEdge, []string{s.name, d.name}, "conditional edge %q → %q needs a label saying what it checks", s.name, d.name)
		return
	}
	if g.hasEdge(s, d) {
		g.fail(ErrDuplicateEdge, []string{s.name, d.name}, "duplicate edge %q → %q", s.name, d.name)
		return
	}
	if path := g.order(s.idx, d.idx); path != nil {
		g.fail(ErrCycle, path, "edge %q → %q would close a cycle: %s", s.name, d.name, strings.Join(path, " → "))
		return
	}
	ed := edge{from: s.idx, to: d.idx, nextOut: -1, nextIn: -1, how: plainEdge}
	switch kind {
	case OnSuccess:
		ed.how = onSuccessEdge
	case Conditional:
		ed.how = edgeHow(len(g.conds))
		g.conds = append(g.conds, *c)
	}
	ei := g.edges.add(ed)
	if s.lastOut < 0 {
		s.firstOut = ei
	} else {
		g.edges.at(s.lastOut).nextOut = ei
	}
	s.lastOut = ei
	g.outDeg[s.idx]++
	if d.lastIn < 0 {
		d.firstIn = ei
	} else {
		g.edges.at(d.lastIn).nextIn = ei
	}
	d.lastIn = ei
	g.inDeg[d.idx]++
}

// hasEdge scans the shorter of s's out-list and d's in-list.
func (g *graph) hasEdge(s, d *nodeEntry) bool {
	if g.outDeg[s.idx] <= g.inDeg[d.idx] {
		for ei := s.firstOut; ei >= 0; ei = g.edges.at(ei).nextOut {
			if g.edges.at(ei).to == d.idx {
				return true
			}
		}
		return false
	}
	for ei := d.firstIn; ei >= 0; ei = g.edges.at(ei).nextIn {
		if g.edges.at(ei).from == s.idx {
			return true
		}
	}
	return false
}

// order keeps the nodes' ord a topological order when the edge x → y is added
// (Pearce & Kelly, "A dynamic topological sort algorithm for directed acyclic
// graphs", 2006). It returns the cycle path y → … → x → y if the edge would
// close one, leaving the order unchanged. The common case, edges added from
// earlier to later nodes, costs O(1).
func (g *graph) order(x, y int32) []string {
	lb, ub := g.nodes[y].ord, g.nodes[x].ord
	if lb > ub {
		return nil
	}
	// Forward search from y over nodes placed before x.
	gen := g.nextMark()
	parent := map[int32]int32{y: -1}
	var deltaF []int32
	stack := []int32{y}
	g.nodes[y].mark = gen
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		deltaF = append(deltaF, v)
		for ei := g.nodes[v].firstOut; ei >= 0; ei = g.edges.at(ei).nextOut {
			w := g.edges.at(ei).to
			if w == x {
				parent[w] = v
				return g.cyclePath(parent, x)
			}
			if we := g.nodes[w]; we.mark != gen && we.ord < ub {
				we.mark = gen
				parent[w] = v
				stack = append(stack, w)
			}
		}
	}
	// Backward search from x over nodes placed after y.
	var deltaB []int32
	stack = append(stack[:0], x)
	g.nodes[x].mark = gen
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		deltaB = append(deltaB, v)
		for ei := g.nodes[v].firstIn; ei >= 0; ei = g.edges.at(ei).nextIn {
			w := g.edges.at(ei).from
			if we := g.nodes[w]; we.mark != gen && we.ord > lb {
				we.mark = gen
				stack = append(stack, w)
			}
		}
	}
	byOrd := func(a, b int32) int { return int(g.nodes[a].ord - g.nodes[b].ord) }
	slices.SortFunc(deltaF, byOrd)
	slices.SortFunc(deltaB, byOrd)
	var slots []int32
	for _, v := range deltaB {
		slots = append(slots, g.nodes[v].ord)
	}
	for _, v := range deltaF {
		slots = append(slots, g.nodes[v].ord)
	}
	slices.Sort(slots)
	for i, v := range append(deltaB, deltaF...) {
		g.nodes[v].ord = slots[i]
	}
	return nil
}

func (g *graph) nextMark() uint32 {
	g.markGen++
	if g.markGen == 0 { // wrapped: clear old marks
		for _, e := range g.nodes {
			e.mark = 0
		}
		g.markGen = 1
	}
	return g.markGen
}

func (g *graph) cyclePath(parent map[int32]int32, x int32) []string {
	var rev []string
	for v := x; v != -1; v = parent[v] {
		rev = append(rev, g.nodes[v].name)
	}
	slices.Reverse(rev) // y … x
	return append(rev, rev[0])
}

func (g *graph) fail(rule error, nodes []string, format string, args ...any) {
	g.errs = append(g.errs, &GraphError{Workflow: g.name, Rule: rule, Nodes: nodes, msg: fmt.Sprintf(format, args...)})
}

// Graph-building rules, for errors.Is on a *GraphError.
var (
	ErrInvalidName    = errors.New("invalid name")
	ErrInvalidOption  = errors.New("invalid option")
	ErrDuplicateNode  = errors.New("duplicate node")
	ErrUnknownNode    = errors.New("unknown node")
	ErrSelfLoop       = errors.New("self-loop")
	ErrDuplicateEdge  = errors.New("duplicate edge")
	ErrCycle          = errors.New("cycle")
	ErrInvalidEdge    = errors.New("invalid edge")
	ErrEmptyGroup     = errors.New("empty execution group")
	ErrNoNodes        = errors.New("no nodes")
	ErrNilNode        = errors.New("nil node")
	ErrInvalidHook    = errors.New("invalid hook")    // a misspelt hook, or a hook's name with another signature
	ErrDataDependency = errors.New("data dependency") // a node reads a node that is not its ancestor
)

// GraphError is one problem in a workflow's graph.
type GraphError struct {
	Workflow string
	Rule     error    // one of the Err* rules above
	Nodes    []string // the nodes involved; for a cycle, its path
	msg      string
}

// Error names the workflow and the problem.
func (e *GraphError) Error() string { return fmt.Sprintf("workflow %q: %s", e.Workflow, e.msg) }

// Unwrap returns the rule, for errors.Is.
func (e *GraphError) Unwrap() error { return e.Rule }

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

// topoOrder is Kahn's algorithm taking, among ready nodes, the one added first.
func (g *graph) topoOrder() []int32 {
	indeg := slices.Clone(g.inDeg)
	h := &int32Heap{}
	for i, d := range indeg {
		if d == 0 {
			*h = append(*h, int32(i))
		}
	}
	heap.Init(h)
	out := make([]int32, 0, len(g.nodes))
	for h.Len() > 0 {
		v := heap.Pop(h).(int32)
		out = append(out, v)
		for ei := g.nodes[v].firstOut; ei >= 0; ei = g.edges.at(ei).nextOut {
			w := g.edges.at(ei).to
			if indeg[w]--; indeg[w] == 0 {
				heap.Push(h, w)
			}
		}
	}
	return out
}

type int32Heap []int32

func (h int32Heap) Len() int           { return len(h) }
func (h int32Heap) Less(i, j int) bool { return h[i] < h[j] }
func (h int32Heap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *int32Heap) Push(x any)        { *h = append(*h, x.(int32)) }
func (h *int32Heap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}
