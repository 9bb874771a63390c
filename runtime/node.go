package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fluxly-go/fluxly/internal/spec/engine"
)

// Node is embedded in every node type. I is the workflow's input type and O
// the node's output type ([NoOutput] for none):
//
//	type Producer struct{ runtime.Node[MyInput, ProducerOutput] }
//
//	func (p *Producer) Logic(ctx context.Context, x *runtime.Exec[MyInput, ProducerOutput]) error {
//		x.Output.Value = 42
//		return nil
//	}
//
// Node records the node's executions, so a downstream node holding the
// upstream instance reads its typed output with Last.
type Node[I, O any] struct {
	entry *nodeEntry
	self  NodeType[I, O]
}

// NoOutput is the output type of nodes that produce none.
type NoOutput struct{}

// Exec is what node logic sees of one attempt: the run's input (one copy per
// workflow attempt, shared by its nodes: treat it as read-only), the
// attempt's own output to fill in, and a logger tagged with workflow, run_id,
// node and attempt.
type Exec[I, O any] struct {
	Input    *I
	Output   *O
	Log      *slog.Logger
	Attempt  int // 1-based
	Node     string
	Workflow string
	RunID    string
}

// NodeType is satisfied by a pointer to a struct that embeds Node[I, O] and
// has the method Logic(context.Context, *Exec[I, O]) error. A node whose
// Logic reads another input or output type than it declares does not compile.
type NodeType[I, O any] interface {
	NodeRef
	fluxlyNode() *Node[I, O]
	Logic(ctx context.Context, x *Exec[I, O]) error
}

// NodeRef is any node added to a workflow; edges and groups take them.
type NodeRef interface {
	nodeEntry() *nodeEntry
}

//lint:ignore U1000 called through the NodeType constraint in Add.
func (n *Node[I, O]) fluxlyNode() *Node[I, O] { return n }

func (n *Node[I, O]) nodeEntry() *nodeEntry { return n.entry }

// Name returns the node's name, or "" before it is added to a workflow.
func (n *Node[I, O]) Name() string {
	if n.entry == nil {
		return ""
	}
	return n.entry.name
}

// Last returns the node's most recent execution. Before the node has run it
// returns an execution with status WAITING and a zero output. Read it from a
// node downstream of this one (or from an edge condition), when this node has
// finished.
//
// A node whose trigger rule lets it start before its parents have finished
// (one_success, one_failed, always), and the nodes after it, may read a node
// that is still running: Last is safe to call then, and returns a view of
// the node's progress without output — IN_PROGRESS with the attempt's
// number while an attempt runs, WAITING before the first attempt (attempt
// 0) and between attempts (the attempt to come) — until the node has
// finished.
func (n *Node[I, O]) Last() Execution[O] {
	e := n.entry
	if e == nil {
		return Execution[O]{Status: Waiting}
	}
	if v := e.view.Load(); v&(viewSet|viewFinal) == viewSet {
		return progressView[O](v)
	}
	if len(e.recs) == 0 {
		return Execution[O]{Status: Waiting}
	}
	i := len(e.recs) - 1
	return executionOf[O](&e.recs[i], e.errAt(i))
}

// Executions returns every attempt of the node in this run, oldest first.
// While the node has not finished and may be read early (see Last), it
// returns Last's view alone, or nil before the first attempt.
func (n *Node[I, O]) Executions() []Execution[O] {
	e := n.entry
	if e == nil {
		return nil
	}
	if v := e.view.Load(); v&(viewSet|viewFinal) == viewSet {
		if v&(viewRunning|viewAttempt) == 0 {
			return nil
		}
		return []Execution[O]{progressView[O](v)}
	}
	if len(e.recs) == 0 {
		return nil
	}
	out := make([]Execution[O], len(e.recs))
	for i := range e.recs {
		out[i] = executionOf[O](&e.recs[i], e.errAt(i))
	}
	return out
}

// A node's view word (nodeEntry.view) is kept only by runs of graphs
// where a trigger rule may start a node before its parents finish
// (graph.early); elsewhere it stays 0 and readers only ever read a node
// that has finished, ordered by the scheduler's lock. The scheduler
// stores viewSet when the run starts, viewRunning with the attempt's
// number when an attempt starts, the number of attempts made while a
// retry waits, and viewFinal once the node's records are complete: Last
// reads the records only after loading viewFinal, so the stores order
// the record writes before the reads.
const (
	viewSet     = 1 << 31
	viewFinal   = 1 << 30
	viewRunning = 1 << 29
	viewAttempt = 1<<29 - 1
)

// progressView is the execution Last returns for a node that has not
// finished: view word v.
func progressView[O any](v uint32) Execution[O] {
	n := int(v & viewAttempt)
	switch {
	case v&viewRunning != 0:
		return Execution[O]{Attempt: n, Status: InProgress}
	case n > 0:
		return Execution[O]{Attempt: n + 1, Status: Waiting}
	}
	return Execution[O]{Status: Waiting}
}

// executionOf is the typed view of a node's execution record. The record
// holds the attempt's *O only when the attempt's goroutine finished writing
// it; the output is otherwise zero.
func executionOf[O any](rec *NodeExecution, err error) Execution[O] {
	ex := Execution[O]{Attempt: rec.Attempt, Start: rec.Start, End: rec.End,
		Duration: time.Duration(rec.Duration), Status: rec.Status, Err: err}
	if o, ok := rec.Output.(*O); ok && o != nil {
		ex.Output = *o
	}
	return ex
}

// Execution is one attempt of a node, with its typed output.
type Execution[O any] struct {
	Attempt  int
	Start    time.Time
	End      time.Time
	Duration time.Duration
	Status   Status
	Err      error // the attempt's error, nil when COMPLETED
	Output   O
}

// An entry is 192 bytes on 64-bit platforms, three cache lines in the
// slab; what a run reads and writes for every node is in the first two
// (TestEntrySizes checks both).
type nodeEntry struct {
	run nodeRun
	*nodeOptions
	node typedNode
	// recs are the node's execution records in the current run, oldest
	// first, written by the scheduler under its lock.
	recs []NodeExecution

	errs              *[]error    // the error values behind recs, once an attempt failed
	timer             *time.Timer // pending retry
	name              string
	idx               int32
	firstOut, lastOut int32  // edge lists, linked through edge.nextOut
	firstIn, lastIn   int32  // and edge.nextIn; -1 when empty
	ord               int32  // position in a topological order (Pearce–Kelly)
	mark              uint32 // visited in search graph.markGen
	// view is the node's progress for Last, kept only in graphs where a
	// node may be read while it runs (see viewSet).
	view atomic.Uint32
}

// errAt is the error value of the node's attempt i (0-based), nil when it
// completed. Records carry the error's type and message; typed nodes
// downstream get the value itself, for errors.As.
func (e *nodeEntry) errAt(i int) error {
	if e.errs == nil || i >= len(*e.errs) {
		return nil
	}
	return (*e.errs)[i]
}

// nodeOptions are a node's settings. Nodes without any share one zero
// value, so large graphs of plain nodes don't carry them.
type nodeOptions struct {
	description       string
	timeout           time.Duration
	retries           int
	retryDelay        time.Duration
	backoff           *backoff
	nonRetryable      *statusSet // a pointer: nodeOptions stay comparable
	rule              TriggerRule
	continueOnFailure bool
	jitter            bool
}

var defaultNodeOptions nodeOptions

// retryable reports whether an attempt that ended with status and err may
// be retried: its error is not permanent ([Permanent]) and its status not
// declared non-retryable ([NonRetryable]).
func (o *nodeOptions) retryable(status Status, err error) bool {
	if o.nonRetryable != nil && o.nonRetryable.has(status) {
		return false
	}
	return !errors.Is(err, ErrPermanent)
}

// typedNode is the generic part of a node, implemented by *Node[I, O].
type typedNode interface {
	impl() any
	outputType() reflect.Type // nil for NoOutput
	run(ctx context.Context, a *nodeAttempt) error
	// typedOutput turns a recorded output back into the node's *O: a *O
	// as is, JSON (json.RawMessage) decoded; nil stays nil.
	typedOutput(out any) (any, error)
}

func (n *Node[I, O]) impl() any { return n.self }

func (n *Node[I, O]) typedOutput(out any) (any, error) {
	switch o := out.(type) {
	case nil:
		return nil, nil
	case *O:
		if n.entry.run.noOutput {
			return nil, nil
		}
		return o, nil
	case json.RawMessage:
		if n.entry.run.noOutput {
			return nil, nil
		}
		v := new(O)
		if err := json.Unmarshal(o, v); err != nil {
			return nil, fmt.Errorf("decoding its output as %v: %w", reflect.TypeFor[O](), err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("its output is a %T, not a *%v", out, reflect.TypeFor[O]())
}

func (n *Node[I, O]) outputType() reflect.Type {
	if n.entry.run.noOutput {
		return nil
	}
	return reflect.TypeFor[O]()
}

// execBox holds an attempt's Exec and its output in one allocation. Each
// attempt has its own: a goroutine abandoned by a deadline may still hold
// an earlier one, and the record keeps the output. Allocated when the
// attempt starts, it is written in memory the worker has just touched,
// not in the user's node, which is cold by then.
type execBox[I, O any] struct {
	x   Exec[I, O]
	out O
}

func (n *Node[I, O]) run(ctx context.Context, a *nodeAttempt) error {
	if n.entry.run.noOutput { // new(NoOutput), zero-size, allocates nothing
		return n.self.Logic(ctx, &Exec[I, O]{Input: a.r.input.(*I), Output: new(O), Log: a.logger(), Attempt: int(a.n),
			Node: n.entry.name, Workflow: a.r.g.name, RunID: a.r.cfg.runID})
	}
	b := &execBox[I, O]{}
	b.x = Exec[I, O]{Input: a.r.input.(*I), Output: &b.out, Log: a.logger(), Attempt: int(a.n),
		Node: n.entry.name, Workflow: a.r.g.name, RunID: a.r.cfg.runID}
	a.out = &b.out
	return n.self.Logic(ctx, &b.x)
}

// Add adds node n to wf and returns it, so it can be wired into edges and
// handed to downstream nodes. Options: [Name], [Description], [Timeout],
// [Retries], [ExponentialBackoff].
//
// Data dependencies: a node that holds another node of wf in a field (as
// Consumer holds Producer in the package example) reads it, and must have
// it among its ancestors, through edges of any kind; otherwise
// [Workflow.Err] reports an [ErrDataDependency] error. Exported and
// unexported fields are checked, inside embedded and nested structs,
// arrays and slices, and interface fields by their value; a field tagged
// fluxly:"nodep" is not. The node's methods are checked too: one named like
// a hook but misspelt, or with a hook's name and another signature, is an
// [ErrInvalidHook] error.
func Add[N NodeType[I, O], I, O any](wf *Workflow[I], n N, opts ...NodeOption) N {
	g := wf.g
	if isNil(n) {
		g.fail(ErrNilNode, nil, "runtime.Add: the node is a nil %T", n)
		return n
	}
	var s nodeSettings // stays on the stack: see the option types
	s.apply(opts)
	name := s.name
	if !s.nameSet {
		name = typeName(n)
	}
	addNode(g, n, n.fluxlyNode(), name, &s)
	return n
}

// addNode adds node n, whose embedded Node is base, named name.
func addNode[I, O any](g *graph, n NodeType[I, O], base *Node[I, O], name string, s *nodeSettings) {
	if base.entry != nil {
		g.fail(ErrDuplicateNode, []string{base.entry.name}, "node %q was already added to a workflow", base.entry.name)
		return
	}
	switch {
	case !validNodeName(name):
		g.fail(ErrInvalidName, []string{name}, "node name %q must be 1–128 printable characters", name)
		return
	case !g.claimName(name, int32(len(g.nodes))):
		g.fail(ErrDuplicateNode, []string{name}, "duplicate node name %q", name)
		return
	}
	for _, err := range s.errs {
		g.fail(ErrInvalidOption, []string{name}, "node %q: %v", name, err)
	}
	info := g.typeInfo(n)
	for _, p := range info.hookProbs {
		g.fail(ErrInvalidHook, []string{name}, "node %q: %s", name, p)
	}
	if info.isFunc && !n.(funcNode).hasFunc() {
		g.fail(ErrNilNode, []string{name}, "node %q: a runtime.Func needs a function: add it with runtime.AddFunc and a non-nil function", name)
	}
	e := g.newEntry() // zeroed: set only what is not
	e.idx, e.name = int32(len(g.nodes)), name
	e.firstOut, e.lastOut, e.firstIn, e.lastIn = -1, -1, -1, -1
	e.nodeOptions = &defaultNodeOptions
	if s.nodeOptions != defaultNodeOptions {
		e.nodeOptions = new(nodeOptions)
		*e.nodeOptions = s.nodeOptions
	}
	e.node, e.run.hasHooks = base, info.hooks
	_, e.run.noOutput = any((*O)(nil)).(*NoOutput)
	base.entry, base.self = e, n
	if info.reads != nil {
		g.readers = append(g.readers, reader{e.idx, info.reads})
	}
	if s.rule != 0 {
		g.ruled = append(g.ruled, e.idx)
		g.early = g.early || engine.Rule(s.rule).Early()
	}
	g.nodes = appendDoubling(g.nodes, e)
	g.inDeg = appendDoubling(g.inDeg, 0)
	g.outDeg = appendDoubling(g.outDeg, 0)
	e.ord = e.idx
}

// Func is a node whose logic is a plain function. Add one with [AddFunc]:
// a Func without a function is a graph error ([ErrNilNode]).
type Func[I, O any] struct {
	Node[I, O]
	fn func(ctx context.Context, x *Exec[I, O]) error
}

// Logic calls the node's function.
func (f *Func[I, O]) Logic(ctx context.Context, x *Exec[I, O]) error {
	if f.fn == nil { // a graph error: the workflow never runs
		return errors.New("runtime.Func: no function")
	}
	return f.fn(ctx, x)
}

// funcNode is implemented by every *Func[I, O].
type funcNode interface{ hasFunc() bool }

func (f *Func[I, O]) hasFunc() bool { return f.fn != nil }

// AddFunc adds a node named name whose logic is fn, for logic that needs no
// type of its own. Options as for [Add]; the name is required, so [Name] is
// not one of them. A nil fn is a graph error ([ErrNilNode]).
//
// A closure's captured variables cannot be seen, so the data dependencies
// of fn (the nodes it reads) are not checked: add the edges yourself.
func AddFunc[I, O any](wf *Workflow[I], name string, fn func(ctx context.Context, x *Exec[I, O]) error, opts ...NodeOption) *Func[I, O] {
	g := wf.g
	f := &Func[I, O]{fn: fn}
	var s nodeSettings
	s.apply(opts)
	if s.nameSet {
		s.errs = append(s.errs, fmt.Errorf("option Name(%q) given to AddFunc, which takes the name as an argument", s.name))
	}
	addNode(g, f, &f.Node, name, &s)
	return f
}

// validNodeName reports whether name is 1–128 printable characters of
// valid UTF-8, in one pass.
func validNodeName(name string) bool {
	if name == "" {
		return false
	}
	n := 0
	for i, r := range name {
		if r == utf8.RuneError && !strings.HasPrefix(name[i:], "\uFFFD") || unicode.IsControl(r) {
			return false
		}
		n++
	}
	return n <= 128
}

// typeName is a node's default name: its Go type without package or pointer.
func typeName(v any) string {
	s := fmt.Sprintf("%T", v)
	s = strings.TrimLeft(s, "*")
	if i := strings.IndexByte(s, '['); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// isNil reports whether a node reference is nil or a typed nil pointer
// (a nil *MyNode): calling its methods would dereference it.
func isNil(ref NodeRef) bool {
	if ref == nil {
		return true
	}
	v := reflect.ValueOf(ref)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
