package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/fluxly-go/fluxly/internal/runid"
)

// RunOption configures one run.
type RunOption func(*runConfig)

type runConfig struct {
	runID      string
	logger     *slog.Logger
	middleware []Middleware
	observer   func(Event)
	rand       *rand.Rand
	resume     *Result
}

// draw returns a delay drawn uniformly in [0, d]: full jitter. Called with
// the run's lock held, so a source given to WithRand is used by one
// goroutine at a time.
func (c *runConfig) draw(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	if c.rand != nil {
		return time.Duration(c.rand.Int64N(int64(d) + 1))
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// WithRunID sets the run's id (default: a random UUID).
func WithRunID(id string) RunOption { return func(c *runConfig) { c.runID = id } }

// WithLogger sets the logger node logic gets through Exec.Log; records are
// tagged workflow, run_id, node and attempt. Default: discard.
func WithLogger(l *slog.Logger) RunOption { return func(c *runConfig) { c.logger = l } }

// WithMiddleware wraps every node attempt of the run, outermost first.
func WithMiddleware(mw ...Middleware) RunOption {
	return func(c *runConfig) { c.middleware = append(c.middleware, mw...) }
}

// WithRand sets the source of the run's random draws (the delays of
// nodes with [Jitter]), for runs that must repeat exactly, such as tests:
// rand.New(rand.NewPCG(seed1, seed2)). The run uses it from one goroutine
// at a time; do not share it with anything running at the same time.
// Default: math/rand/v2's global source.
func WithRand(r *rand.Rand) RunOption { return func(c *runConfig) { c.rand = r } }

// ResumeFrom makes the run resume prev, an earlier run of the same
// workflow (live, or decoded from JSON): every node whose final record in
// prev's last workflow attempt is COMPLETED keeps that record — its
// output decoded back into the node's *O when it came from JSON, used as
// is when live — and does not run again; the record is marked
// [NodeExecution.Reused]. Every other node (failed, cancelled, timed out,
// skipped or never reached) runs. Downstream nodes read the kept outputs
// through Last as if the nodes had just run, and conditions and trigger
// rules see them COMPLETED; the kept nodes count as finished when the run
// starts, in topological order, and their conditional edges are
// evaluated then. Each workflow attempt of the new run starts from prev
// again. [Result.ResumedFrom] names prev's run.
//
// Run refuses (returns an error, runs nothing) a prev of another
// workflow, or a kept output that does not decode into its node's output
// type: a node whose output type changed cannot be resumed silently.
// Nodes of prev missing from the graph are ignored.
func ResumeFrom(prev *Result) RunOption { return func(c *runConfig) { c.resume = prev } }

// WithObserver receives every event of the run, in order. It is called
// synchronously while the scheduler holds its lock: keep it quick and do not
// call back into the run.
func WithObserver(fn func(Event)) RunOption { return func(c *runConfig) { c.observer = fn } }

// EventKind is the kind of an [Event].
type EventKind int

// Events of a run.
const (
	WorkflowStarted  EventKind = iota // a workflow attempt begins; Nodes lists its nodes
	NodeStarted                       // a node attempt begins
	NodeRetrying                      // a node attempt failed and another follows after Delay
	NodeFinished                      // a node's final attempt ended with Status
	NodeSkipped                       // a node can never start
	WorkflowFinished                  // a workflow attempt ended with Status
)

var eventNames = [...]string{"workflow_started", "node_started", "node_retrying", "node_finished", "node_skipped", "workflow_finished"}

// String returns the kind's name, e.g. "node_finished".
func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is something that happened in a run.
type Event struct {
	Kind            EventKind
	Time            time.Time
	RunID           string
	Workflow        string
	WorkflowAttempt int
	Node            string        // node events
	Attempt         int           // node attempt, node events
	Status          Status        // NodeRetrying, NodeFinished, WorkflowFinished
	Err             error         // the error behind Status
	Delay           time.Duration // NodeRetrying
	Nodes           []string      // WorkflowStarted: all nodes in topological order
	Duration        time.Duration // NodeFinished (last attempt), WorkflowFinished
}

// Run runs the workflow that build returns with input in (nil: the zero
// value). If I embeds [Input], its TimeoutSeconds, MaxRetries and
// RetryDelaySeconds drive workflow attempts; each retry calls build again for
// fresh node state.
//
// The error is non-nil only when the workflow cannot run at all: build
// returned nil or a graph with errors (see [Workflow.Err]). Otherwise the
// outcome, COMPLETED or not, is in the Result.
func Run[I any](ctx context.Context, build func() *Workflow[I], in *I, opts ...RunOption) (*Result, error) {
	cfg := runConfig{}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.runID == "" {
		cfg.runID = runid.New()
	}
	if in == nil {
		in = new(I)
	}
	var base Input
	if b, ok := any(in).(inputBase); ok {
		base = *b.BaseInput()
	}
	if base.MaxRetries < 0 {
		base.MaxRetries = 0
	}
	res := &Result{RunID: cfg.runID, Start: time.Now()}
	if cfg.resume != nil {
		res.ResumedFrom = cfg.resume.RunID
	}
	for attempt := 1; ; attempt++ {
		wf, err := buildChecked(build)
		if err != nil {
			return nil, err
		}
		var restored []restoredNode
		if cfg.resume != nil {
			if restored, err = wf.g.resumePlan(cfg.resume); err != nil {
				return nil, err
			}
		}
		wf.g.seal()
		res.Workflow, res.Version = wf.g.name, wf.g.version
		shared := *in // one copy per attempt, shared by its nodes
		ex := runAttempt(ctx, wf.g, &shared, attempt, base.timeout(), &cfg, restored)
		res.Executions = append(res.Executions, ex)
		res.Status, res.err = ex.Status, ex.err
		if ex.Status == Completed || attempt > base.MaxRetries || ctx.Err() != nil {
			break
		}
		if d := base.retryDelay(); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
			if ctx.Err() != nil {
				break
			}
		}
	}
	res.End = time.Now()
	res.Duration = Duration(res.End.Sub(res.Start))
	res.StatusCode = res.Status.Code()
	res.Error = errorInfo(res.err)
	return res, nil
}

// resumePlan lists the nodes of g that keep their COMPLETED record from
// prev's last workflow attempt, in topological order, their outputs typed.
func (g *graph) resumePlan(prev *Result) ([]restoredNode, error) {
	if prev.Workflow != "" && prev.Workflow != g.name {
		return nil, fmt.Errorf("runtime.ResumeFrom: run %q is of workflow %q, not %q", prev.RunID, prev.Workflow, g.name)
	}
	last := prev.Last()
	if last == nil || len(last.Nodes) == 0 {
		return nil, nil
	}
	var plan []restoredNode
	for _, v := range g.topoOrder() {
		e := g.nodes[v]
		recs := last.Nodes[e.name]
		if len(recs) == 0 || recs[len(recs)-1].Status != Completed {
			continue
		}
		rec := recs[len(recs)-1]
		out, err := e.node.typedOutput(rec.Output)
		if err != nil {
			return nil, fmt.Errorf("runtime.ResumeFrom: run %q, node %q: %w", prev.RunID, e.name, err)
		}
		rec.Output, rec.Reused = out, true
		plan = append(plan, restoredNode{v: v, rec: rec})
	}
	return plan, nil
}

func buildChecked[I any](build func() *Workflow[I]) (wf *Workflow[I], err error) {
	if build == nil {
		return nil, errors.New("workflow constructor is nil")
	}
	defer func() {
		if p := recover(); p != nil {
			wf, err = nil, &PanicError{Where: "workflow constructor", Value: p, Stack: debug.Stack()}
		}
	}()
	wf = build()
	if wf == nil || wf.g == nil {
		return nil, errors.New("workflow constructor returned nil")
	}
	if err := wf.Err(); err != nil {
		return nil, err
	}
	return wf, nil
}

var discardLogger = slog.New(slog.DiscardHandler)

// callHook calls f, a workflow hook, turning a panic into a *PanicError.
func callHook(where string, f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Where: where, Value: p, Stack: debug.Stack()}
		}
	}()
	f()
	return nil
}
