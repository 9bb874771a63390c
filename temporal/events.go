package temporal

import (
	"sort"
	"time"

	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// events turns what a run's workflow reports — its progress while it
// runs, its result at the end — into the runtime's events for the
// runner's observer (the CLI's logs and progress display, the run
// records), each event once and in the order the records say.
type events struct {
	obs      func(runtime.Event)
	runID    string
	workflow string
	nodes    []string // topological order

	started  int              // WorkflowStarted sent for attempts 1..started
	finished int              // WorkflowFinished sent for attempts 1..finished
	sent     map[nodeKey]int  // records sent per node
	running  map[nodeKey]int  // NodeStarted sent up to this node attempt
	skipped  map[nodeKey]bool // NodeSkipped sent
}

type nodeKey struct {
	attempt int
	node    string
}

func newEvents(obs func(runtime.Event), runID, workflow string, nodes []introspect.Node) *events {
	e := &events{obs: obs, runID: runID, workflow: workflow,
		sent: map[nodeKey]int{}, running: map[nodeKey]int{}, skipped: map[nodeKey]bool{}}
	for _, n := range nodes {
		e.nodes = append(e.nodes, n.Name)
	}
	return e
}

// progress reports a snapshot of a running workflow: the last attempt is
// in progress, and a node's last record may be followed by a retry, so
// it is held back until a later record or the result shows it final.
func (e *events) progress(p *progress) {
	if e.obs == nil {
		return
	}
	final := map[string]bool{}
	for _, name := range p.Final {
		final[name] = true
	}
	for i, ex := range p.Executions {
		current := i == len(p.Executions)-1
		if current {
			e.execution(ex, false, final)
		} else {
			e.execution(ex, true, nil)
		}
		if current {
			for _, r := range p.Running {
				if r.WorkflowAttempt == ex.Attempt {
					e.nodeStarted(ex.Attempt, r.Node, r.Attempt, r.Start)
				}
			}
		}
	}
}

// result reports the rest once the run has ended.
func (e *events) result(res *runtime.Result) {
	if e.obs == nil {
		return
	}
	for _, ex := range res.Executions {
		e.execution(ex, true, nil)
	}
}

// execution reports what is new in one workflow attempt; ended says its
// records are all final, final which nodes' records are while it runs.
func (e *events) execution(ex *runtime.WorkflowExecution, ended bool, final map[string]bool) {
	n := ex.Attempt
	if n > e.started {
		e.started = n
		e.emit(runtime.Event{Kind: runtime.WorkflowStarted, Time: ex.Start, WorkflowAttempt: n, Nodes: e.nodes})
	}
	type item struct {
		node string
		last bool
		rec  runtime.NodeExecution
	}
	var items []item
	for name, recs := range ex.Nodes {
		k := nodeKey{n, name}
		for i := e.sent[k]; i < len(recs); i++ {
			last := i == len(recs)-1
			if last && !ended && !final[name] {
				break // it may yet be retried
			}
			items = append(items, item{name, last, recs[i]})
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if !a.rec.End.Equal(b.rec.End) {
			return a.rec.End.Before(b.rec.End)
		}
		if a.node != b.node {
			return a.node < b.node
		}
		return a.rec.Attempt < b.rec.Attempt
	})
	for _, it := range items {
		k := nodeKey{n, it.node}
		rec := it.rec
		if !rec.Reused {
			e.nodeStarted(n, it.node, rec.Attempt, rec.Start)
		}
		kind := runtime.NodeRetrying
		if it.last {
			kind = runtime.NodeFinished
		}
		e.emit(runtime.Event{Kind: kind, Time: rec.End, WorkflowAttempt: n, Node: it.node, Attempt: rec.Attempt,
			Status: rec.Status, Err: failure(rec.Status, rec.Error), Duration: time.Duration(rec.Duration)})
		e.sent[k]++
	}
	for _, name := range ex.Skipped {
		k := nodeKey{n, name}
		if !e.skipped[k] {
			e.skipped[k] = true
			at := ex.End
			if at.IsZero() {
				at = time.Now()
			}
			e.emit(runtime.Event{Kind: runtime.NodeSkipped, Time: at, WorkflowAttempt: n, Node: name, Status: runtime.Unknown})
		}
	}
	if ended && n > e.finished {
		e.finished = n
		e.emit(runtime.Event{Kind: runtime.WorkflowFinished, Time: ex.End, WorkflowAttempt: n, Status: ex.Status,
			Err: failure(ex.Status, ex.Error), Duration: time.Duration(ex.Duration)})
	}
}

func (e *events) nodeStarted(n int, node string, attempt int, start time.Time) {
	k := nodeKey{n, node}
	if e.running[k] >= attempt {
		return
	}
	e.running[k] = attempt
	e.emit(runtime.Event{Kind: runtime.NodeStarted, Time: start, WorkflowAttempt: n, Node: node, Attempt: attempt, Status: runtime.InProgress})
}

func (e *events) emit(ev runtime.Event) {
	ev.RunID, ev.Workflow = e.runID, e.workflow
	e.obs(ev)
}
