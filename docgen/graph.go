package docgen

import (
	"strconv"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// graph is what every output needs to know about a workflow's shape:
// nodes by name, edges in and out of each node, and group membership.
type graph struct {
	w      *introspect.Workflow
	index  map[string]int
	in     [][]int // per node: indices of incoming edges, in edge order
	out    [][]int // per node: indices of outgoing edges
	groups [][]int // per node: group numbers (1-based), ascending
	edges  []int   // indices of the edges whose both ends are nodes
}

func newGraph(w *introspect.Workflow) *graph {
	g := &graph{
		w:      w,
		index:  make(map[string]int, len(w.Nodes)),
		in:     make([][]int, len(w.Nodes)),
		out:    make([][]int, len(w.Nodes)),
		groups: make([][]int, len(w.Nodes)),
	}
	for i := range w.Nodes {
		if _, dup := g.index[w.Nodes[i].Name]; !dup {
			g.index[w.Nodes[i].Name] = i
		}
	}
	for i, e := range w.Edges {
		from, ok1 := g.index[e.From]
		to, ok2 := g.index[e.To]
		if !ok1 || !ok2 {
			continue // not in a model built by introspect.Describe
		}
		g.out[from] = append(g.out[from], i)
		g.in[to] = append(g.in[to], i)
		g.edges = append(g.edges, i)
	}
	for gi, grp := range w.Groups {
		for _, name := range grp.Nodes {
			if i, ok := g.index[name]; ok {
				if l := g.groups[i]; len(l) == 0 || l[len(l)-1] != gi+1 {
					g.groups[i] = append(l, gi+1)
				}
			}
		}
	}
	return g
}

// exclusive returns, per group, the nodes that belong to it and no other
// group: a diagram cluster can hold a node only once, so nodes shared by
// several groups are drawn outside the clusters.
func (g *graph) exclusive() [][]int {
	out := make([][]int, len(g.w.Groups))
	for i, gs := range g.groups {
		if len(gs) == 1 {
			out[gs[0]-1] = append(out[gs[0]-1], i)
		}
	}
	return out
}

func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// edgeKindText describes an edge kind in words.
func edgeKindText(kind runtime.EdgeKind) string {
	switch kind {
	case runtime.Plain:
		return "plain"
	case runtime.Conditional:
		return "conditional"
	case runtime.OnSuccess:
		return "on success"
	}
	return kind.String()
}

// retriesText describes a node's retry policy: "none" or "2, 200ms apart,
// backoff ×2 up to 2s".
func retriesText(n *introspect.Node) string {
	if n.MaxRetries <= 0 {
		return "none"
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(n.MaxRetries))
	if n.RetryDelay != "" {
		b.WriteString(", " + n.RetryDelay + " apart")
	} else {
		b.WriteString(", no delay")
	}
	if bo := n.Backoff; bo != nil {
		b.WriteString(", backoff ×" + strconv.FormatFloat(bo.Factor, 'g', -1, 64))
		if bo.Max != "" {
			b.WriteString(" up to " + bo.Max)
		}
	}
	if n.Jitter {
		b.WriteString(", with jitter")
	}
	return b.String()
}

// triggerRules explain the Airflow trigger rules a node may carry.
var triggerRules = map[string]string{
	"all_success":                 "starts when every parent completed",
	"all_done":                    "starts when every parent finished, whatever its status",
	"none_failed":                 "starts when no parent failed (skipped parents allowed)",
	"none_failed_min_one_success": "starts when no parent failed and at least one completed",
	"one_success":                 "starts as soon as one parent completed",
	"one_failed":                  "starts as soon as one parent failed",
	"all_failed":                  "starts when every parent failed",
	"always":                      "starts once its parents finished, whatever they did",
}

// triggerRuleText explains a trigger rule in words.
func triggerRuleText(rule string) string {
	if t, ok := triggerRules[rule]; ok {
		return t
	}
	return "a trigger rule this version does not know"
}

// nodeBadges are the short words diagrams show under a node's name: its
// trigger rule and whether it continues on failure.
func nodeBadges(n *introspect.Node) []string {
	var b []string
	if n.TriggerRule != "" {
		b = append(b, n.TriggerRule)
	}
	if n.ContinueOnFailure {
		b = append(b, "continues on failure")
	}
	return b
}

// limitsText is a node's timeout and retries on one line, for tooltips.
func limitsText(n *introspect.Node) string {
	t := "no timeout"
	if n.Timeout != "" {
		t = "timeout " + n.Timeout
	}
	r := "no retries"
	if n.MaxRetries > 0 {
		r = "retries " + retriesText(n)
	}
	s := t + " · " + r
	if len(n.NonRetryable) > 0 {
		s += "\nnot retried on " + strings.Join(n.NonRetryable, ", ")
	}
	if n.TriggerRule != "" {
		s += "\ntrigger rule " + n.TriggerRule + ": " + triggerRuleText(n.TriggerRule)
	}
	if n.ContinueOnFailure {
		s += "\ncontinues on failure: fails no execution group"
	}
	return s
}

// outcome is what happened to a node in the last workflow attempt of a run,
// as run reports colour it.
type outcome int

const (
	notReached outcome = iota
	completed
	failed
	timedOut
	skipped
)

// outcomes in legend order.
var outcomes = []outcome{completed, failed, timedOut, skipped, notReached}

func (o outcome) String() string {
	switch o {
	case completed:
		return "completed"
	case failed:
		return "failed"
	case timedOut:
		return "timed out"
	case skipped:
		return "skipped"
	}
	return "not reached"
}

// class is the outcome as a CSS class name.
func (o outcome) class() string { return strings.ReplaceAll(o.String(), " ", "-") }

// nodeRun is one node's part in the last workflow attempt.
type nodeRun struct {
	outcome  outcome
	status   runtime.Status // final status, when the node ran
	attempts []runtime.NodeExecution
	duration time.Duration // all attempts together
	err      *runtime.ErrorInfo
}

// runState is a finished run as reports need it.
type runState struct {
	res   *runtime.Result
	last  *runtime.WorkflowExecution
	nodes []nodeRun // by node index
}

func newRunState(w *introspect.Workflow, res *runtime.Result) *runState {
	rs := &runState{res: res, nodes: make([]nodeRun, len(w.Nodes))}
	if res == nil {
		rs.res = &runtime.Result{}
	}
	rs.last = rs.res.Last()
	if rs.last == nil {
		return rs
	}
	for i := range w.Nodes {
		name := w.Nodes[i].Name
		nr := &rs.nodes[i]
		switch rs.last.NodeState(name) {
		case runtime.Skipped:
			nr.outcome = skipped
		case runtime.Ran:
			nr.attempts = rs.last.Nodes[name]
			final := nr.attempts[len(nr.attempts)-1]
			nr.status = final.Status
			nr.err = final.Error
			for _, a := range nr.attempts {
				nr.duration += time.Duration(a.Duration)
			}
			switch final.Status {
			case runtime.Completed:
				nr.outcome = completed
			case runtime.TimedOut:
				nr.outcome = timedOut
			default:
				nr.outcome = failed
			}
		}
	}
	return rs
}

// summary is a node's outcome in words: "COMPLETED", "FAILED after 3
// attempts", "skipped".
func (nr *nodeRun) summary() string {
	switch nr.outcome {
	case skipped, notReached:
		return nr.outcome.String()
	}
	s := nr.status.String()
	if n := len(nr.attempts); n > 1 {
		s += " after " + strconv.Itoa(n) + " attempts"
	}
	return s
}

// durationText rounds a duration for display: to the millisecond from one
// second up, to the microsecond below.
func durationText(d time.Duration) string {
	switch {
	case d >= time.Second:
		d = d.Round(time.Millisecond)
	case d >= time.Microsecond:
		d = d.Round(time.Microsecond)
	}
	return d.String()
}

// timeText formats a time in UTC with milliseconds.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
