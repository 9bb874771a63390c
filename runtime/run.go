package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	for attempt := 1; ; attempt++ {
		wf, err := buildChecked(build)
		if err != nil {
			return nil, err
		}
		wf.g.seal()
		res.Workflow, res.Version = wf.g.name, wf.g.version
		shared := *in // one copy per attempt, shared by its nodes
		ex := runAttempt(ctx, wf.g, &shared, attempt, base.timeout(), &cfg)
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
