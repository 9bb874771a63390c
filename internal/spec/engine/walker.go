package engine

import (
	"container/heap"
	"fmt"
)

// Statuses the walker itself produces or tests for; every other status is
// the caller's, a runtime.Status value.
const (
	StatusCompleted = 0 // runtime.Completed
	StatusFailed    = 1 // runtime.Failed: a condition panicked
)

// State is where a node is in a walk.
type State uint8

// Node states.
const (
	StatePending State = iota // not decided yet; at the end: not reached
	StateReady                // returned in Step.Ready and not finished: the caller runs it
	StateDone                 // finished (Finish), or restored at Start
	StateSkipped              // a rule or an edge refused it, or a parent was skipped
)

// CondFunc evaluates conditional edge edge (an index in Graph.Edges) at
// the moment the walker asks. An error (a panic in the condition) ends
// the workflow FAILED with that error, as in the local scheduler.
type CondFunc func(edge int) (bool, error)

// Step is what changed after Start or Finish.
type Step struct {
	// Ready are the nodes to start now, in the order they became ready.
	// Retries are the caller's: a node stays ready until Finish reports
	// its final status.
	Ready []int
	// Skipped are the nodes skipped now.
	Skipped []int
	// Over is set once the workflow has ended; Status, Cause and Err say
	// how, and Cancel lists the nodes that were ready and not finished.
	// The caller does with them what the local scheduler does: an attempt
	// running is cancelled and recorded CANCELLED; a node waiting to retry
	// keeps its records, its retry dropped; a node never started is not
	// reached (no record).
	Over   bool
	Status int   // StatusCompleted, or the status of Cause, or StatusFailed for Err
	Cause  int   // the node whose failure killed the last execution group, or -1
	Err    error // the error of a condition that panicked, or nil
	Cancel []int
}

// Walker decides, from the graph and each node's final status as it
// arrives, which nodes run, which are skipped and when the workflow ends,
// exactly as the local scheduler of package runtime does. It is a pure
// state machine: no goroutines, no clocks, no randomness, so a Temporal
// workflow function can drive it deterministically. It is not safe for
// concurrent use.
type Walker struct {
	g           *Graph
	out         [][]int // edge indexes by source, in the order added
	inDeg       []int
	wait        []int      // parents not done (every rule)
	blocked     []bool     // Default: an incoming edge said no
	counts      [][3]int32 // succeeded, failed, skipped parents
	decided     []bool     // a verdict was reached (or the node was restored)
	state       []State
	status      []int
	groupsOf    [][]int
	groupFailed []bool
	groupsAlive int
	final       int
	started     bool
	end         *Step
}

// NewWalker prepares a walk of g, which it reads and must not change.
func NewWalker(g *Graph) *Walker {
	n := len(g.Nodes)
	w := &Walker{g: g, out: make([][]int, n), inDeg: make([]int, n), wait: make([]int, n),
		blocked: make([]bool, n), counts: make([][3]int32, n), decided: make([]bool, n),
		state: make([]State, n), status: make([]int, n), groupsOf: make([][]int, n)}
	for i, e := range g.Edges {
		w.out[e.From] = append(w.out[e.From], i)
		w.inDeg[e.To]++
	}
	copy(w.wait, w.inDeg)
	for gi, members := range g.Groups {
		for _, v := range members {
			w.groupsOf[v] = append(w.groupsOf[v], gi)
		}
	}
	w.groupsAlive = max(len(g.Groups), 1)
	w.groupFailed = make([]bool, w.groupsAlive)
	return w
}

// Start begins the walk. restored lists the nodes that keep a COMPLETED
// record from an earlier run (runtime.ResumeFrom; nil for a fresh run):
// they count as finished COMPLETED from the start, in topological order,
// and their conditional edges are evaluated then. The step's Ready are
// the nodes without parents, the nodes whose rule is always, and those
// the restored nodes made ready, in the local scheduler's queue order: the
// ruled ones among the first two, then those the restored nodes made
// ready, then the plain roots. An engine with a concurrency limit starts
// them in this order.
func (w *Walker) Start(restored []int, cond CondFunc) (Step, error) {
	if w.started {
		return Step{}, fmt.Errorf("engine: Start called twice")
	}
	w.started = true
	var st Step
	isRestored := make([]bool, len(w.g.Nodes))
	for _, v := range restored {
		if v < 0 || v >= len(w.g.Nodes) {
			return Step{}, fmt.Errorf("engine: restored node %d out of range", v)
		}
		isRestored[v] = true
		w.decided[v] = true
	}
	// The local scheduler's queue order, which a concurrency limit makes
	// visible: nodes with a trigger rule that start at once (no parents,
	// or Always), then the nodes the restored ones make ready, then the
	// other nodes without parents.
	var ruled, plain []int
	for v, n := range w.g.Nodes {
		if !isRestored[v] && (w.inDeg[v] == 0 || n.Rule == Always) {
			w.decided[v] = true
			if n.Rule != Default {
				ruled = append(ruled, v)
			} else {
				plain = append(plain, v)
			}
		}
	}
	if len(restored) > 0 {
		for _, v := range w.topoOrder() {
			if !isRestored[v] {
				continue
			}
			w.state[v], w.status[v] = StateDone, StatusCompleted
			w.final++
			if w.nodeDone(v, StatusCompleted, cond, &st) {
				return *w.end, nil
			}
		}
	}
	st.Ready = append(append(ruled, st.Ready...), plain...)
	for _, v := range st.Ready {
		w.state[v] = StateReady
	}
	if w.final == len(w.g.Nodes) {
		w.finish(StatusCompleted, -1, nil)
		st.Over, st.Status, st.Cause = true, StatusCompleted, -1
	}
	return st, nil
}

// Finish reports node's final status (after the caller's retries): the
// status of its last attempt, a runtime.Status value. After the end, it
// changes nothing and returns the final step again: a node that finishes
// after the workflow ended is recorded CANCELLED by the caller.
func (w *Walker) Finish(node, status int, cond CondFunc) (Step, error) {
	if w.end != nil {
		return *w.end, nil
	}
	if node < 0 || node >= len(w.g.Nodes) || w.state[node] != StateReady {
		return Step{}, fmt.Errorf("engine: Finish(%d): the node is not running", node)
	}
	var st Step
	w.state[node], w.status[node] = StateDone, status
	w.final++
	if w.nodeDone(node, status, cond, &st) {
		return *w.end, nil
	}
	for _, v := range st.Ready {
		w.state[v] = StateReady
	}
	if w.final == len(w.g.Nodes) {
		w.finish(StatusCompleted, -1, nil)
		st.Over, st.Status, st.Cause = true, StatusCompleted, -1
	}
	return st, nil
}

// nodeDone mirrors the local scheduler's: group failure, then the node's
// edges in the order added, then skip propagation. It reports whether
// the workflow ended; ready nodes are added to st.Ready but not yet
// marked (a workflow that ends here never starts them).
func (w *Walker) nodeDone(v, status int, cond CondFunc, st *Step) bool {
	if status != StatusCompleted && !w.g.Nodes[v].ContinueOnFailure {
		groups := w.groupsOf[v]
		if len(w.g.Groups) == 0 {
			groups = []int{0}
		}
		for _, gi := range groups {
			if !w.groupFailed[gi] {
				w.groupFailed[gi] = true
				w.groupsAlive--
			}
		}
		if len(groups) > 0 && w.groupsAlive == 0 {
			w.finish(status, v, nil)
			return true
		}
	}
	var skipped []int
	var condErr error
	for _, ei := range w.out[v] {
		e := &w.g.Edges[ei]
		allow := true
		switch e.Kind {
		case OnSuccess:
			allow = status == StatusCompleted
		case Conditional:
			ok, err := w.eval(cond, ei)
			if err != nil && condErr == nil {
				condErr = err
			}
			allow = ok && err == nil
		}
		switch w.parentDone(e.To, OutcomeOf(allow, status == StatusCompleted)) {
		case Run:
			st.Ready = append(st.Ready, e.To)
		case Skip:
			skipped = append(skipped, e.To)
		}
	}
	if condErr != nil {
		w.finish(StatusFailed, -1, condErr)
		return true
	}
	for len(skipped) > 0 {
		s := skipped[len(skipped)-1]
		skipped = skipped[:len(skipped)-1]
		w.state[s] = StateSkipped
		w.final++
		st.Skipped = append(st.Skipped, s)
		for _, ei := range w.out[s] {
			to := w.g.Edges[ei].To
			switch w.parentDone(to, Skipped) {
			case Run:
				st.Ready = append(st.Ready, to)
			case Skip:
				skipped = append(skipped, to)
			}
		}
	}
	return false
}

func (w *Walker) eval(cond CondFunc, edge int) (bool, error) {
	if cond == nil {
		return false, fmt.Errorf("engine: conditional edge %d evaluated without a CondFunc", edge)
	}
	return cond(edge)
}

// parentDone counts one more parent outcome for node v and returns the
// verdict it newly reaches, Wait when it has none or had one already.
func (w *Walker) parentDone(v int, o Outcome) Verdict {
	if w.decided[v] {
		return Wait
	}
	w.wait[v]--
	w.counts[v][o]++
	if o == Skipped {
		w.blocked[v] = true
	}
	c := w.counts[v]
	verdict := Decide(w.g.Nodes[v].Rule, w.inDeg[v], int(c[Succeeded]), int(c[Failed]), int(c[Skipped]))
	if verdict != Wait {
		w.decided[v] = true
	}
	return verdict
}

func (w *Walker) finish(status, cause int, err error) {
	st := &Step{Over: true, Status: status, Cause: cause, Err: err}
	for v, s := range w.state {
		if s == StateReady {
			st.Cancel = append(st.Cancel, v)
		}
	}
	w.end = st
}

// Over reports whether the workflow has ended.
func (w *Walker) Over() bool { return w.end != nil }

// Result is the final step once Over, nil before.
func (w *Walker) Result() *Step { return w.end }

// State returns node's state.
func (w *Walker) State(node int) State { return w.state[node] }

// Status returns node's final status once it is StateDone.
func (w *Walker) Status(node int) int { return w.status[node] }

// topoOrder is the local scheduler's: Kahn's algorithm taking, among
// ready nodes, the one added first.
func (w *Walker) topoOrder() []int {
	indeg := append([]int(nil), w.inDeg...)
	h := &intHeap{}
	for v, d := range indeg {
		if d == 0 {
			*h = append(*h, v)
		}
	}
	heap.Init(h)
	order := make([]int, 0, len(indeg))
	for h.Len() > 0 {
		v := heap.Pop(h).(int)
		order = append(order, v)
		for _, ei := range w.out[v] {
			to := w.g.Edges[ei].To
			if indeg[to]--; indeg[to] == 0 {
				heap.Push(h, to)
			}
		}
	}
	return order
}

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}
