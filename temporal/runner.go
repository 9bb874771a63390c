package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/runid"
	"github.com/fluxly-go/fluxly/runtime"
)

// runner submits the app's runs to Temporal and waits for them: the
// command.Runner of the CLI, the environment trigger and the HTTP API.
type runner struct {
	x *extension

	mu  sync.Mutex
	c   client.Client
	set settings
}

var _ command.Runner = (*runner)(nil)

// Bounds of the runner's waits.
const (
	// rpcTimeout bounds one call to Temporal made on the run's behalf.
	rpcTimeout = 30 * time.Second
	// cancelWait is how long a cancelled run waits for its workflow to
	// record the cancellation before it gives up on the records.
	cancelWait = 30 * time.Second
	// executionMargin is added per workflow attempt to the workflow's
	// execution timeout, for hooks and scheduling.
	executionMargin = time.Minute
)

// client dials Temporal once, on the first run.
func (r *runner) client(ctx context.Context, log *slog.Logger) (client.Client, settings, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.c != nil {
		return r.c, r.set, nil
	}
	app, err := r.x.appOf()
	if err != nil {
		return nil, settings{}, err
	}
	set := r.x.opts.settings(app)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rpcTimeout)
	defer cancel()
	c, err := dial(dctx, set, log)
	if err != nil {
		return nil, settings{}, err
	}
	r.c, r.set = c, set
	return c, set, nil
}

// Run submits in to Temporal as a workflow of in's endpoint, its id the
// run's id, and waits for its result: the record the local runtime
// returns. Cancelling ctx cancels the workflow, which ends CANCELLED (or
// TIMED_OUT when ctx's cause is a timeout, as locally). The error says
// the run could not run at all: Temporal is unreachable, the input does
// not fit in a payload, or the workflow refuses it (its graph errors, a
// resumption that does not decode).
func (r *runner) Run(ctx context.Context, in *endpoint.Input, req command.RunRequest) (*runtime.Result, error) {
	c, set, err := r.client(ctx, req.Logger)
	if err != nil {
		return nil, err
	}
	runID := req.RunID
	if runID == "" {
		runID = runid.New()
	}
	win := workflowInput{RunID: runID, Input: in.Document()}
	size := len(win.Input)
	if req.Prev != nil {
		win.ResumedFrom = req.Prev.RunID
		if win.Reused, err = reused(in, req.Prev, runID); err != nil {
			return nil, err
		}
		for _, rec := range win.Reused {
			size += len(rec)
		}
	}
	if size > set.maxPayload {
		return nil, fmt.Errorf("run %s: its input (with the records it resumes) is %d bytes as JSON, over temporal.Options.MaxPayloadBytes (%d), the most Temporal carries in one payload", runID, size, set.maxPayload)
	}
	ep := in.Endpoint()
	bg := context.WithoutCancel(ctx)
	sctx, cancel := context.WithTimeout(bg, rpcTimeout)
	wr, err := c.ExecuteWorkflow(sctx, client.StartWorkflowOptions{
		ID:                                       runID,
		TaskQueue:                                set.taskQueue,
		WorkflowExecutionTimeout:                 executionTimeout(in.Base()),
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, ep.Name(), win)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("submitting run %s of endpoint %q to Temporal at %s (task queue %s): %w", runID, ep.Name(), set.client.HostPort, set.taskQueue, err)
	}
	w := &waiter{c: c, wr: wr, set: set, ev: newEvents(req.Observer, runID, ep.Model().Name, ep.Model().Nodes), log: req.Logger,
		workflow: ep.Model().Name, version: ep.Model().Version, runID: runID, resumedFrom: win.ResumedFrom}
	return w.wait(ctx)
}

// waiter waits for one run's workflow.
type waiter struct {
	c           client.Client
	wr          client.WorkflowRun
	set         settings
	ev          *events
	workflow    string
	version     string
	runID       string
	resumedFrom string
	log         *slog.Logger // nil: none
	last        *progress    // the last progress seen
}

// noWorkerCheck is when a run still waiting asks whether any worker polls
// its task queue, to say so when none does.
const noWorkerCheck = 10 * time.Second

func (w *waiter) wait(ctx context.Context) (*runtime.Result, error) {
	bg := context.WithoutCancel(ctx)
	gctx, stopGet := context.WithCancel(bg)
	defer stopGet()
	type outcome struct {
		res *runtime.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		var res runtime.Result
		err := w.wr.Get(gctx, &res)
		done <- outcome{&res, err}
	}()
	var tick <-chan time.Time
	if w.set.progress > 0 && w.ev.obs != nil {
		t := time.NewTicker(w.set.progress)
		defer t.Stop()
		tick = t.C
	}
	cancelled := ctx.Done()
	check := time.NewTimer(noWorkerCheck)
	defer check.Stop()
	var giveUp <-chan time.Time
	var stop stopRequest
	for {
		select {
		case o := <-done:
			res, err := w.outcome(o.res, o.err, stop)
			if res != nil {
				w.ev.result(res)
			}
			return res, err
		case <-tick:
			w.poll(bg)
		case <-check.C:
			w.checkWorkers(bg)
		case <-cancelled:
			cancelled = nil
			stop = stopOf(context.Cause(ctx))
			w.stop(bg, stop)
			giveUp = time.After(cancelWait)
		case <-giveUp:
			stopGet()
			res := w.synthesized(stop.Status, &runtime.ErrorInfo{Type: stop.Error.Type,
				Message: fmt.Sprintf("%s; the Temporal workflow did not record it within %v (are its workers running?)", stop.Error.Message, cancelWait)})
			w.ev.result(res)
			return res, nil
		}
	}
}

// poll asks the workflow for its progress and reports what is new.
func (w *waiter) poll(ctx context.Context) {
	qctx, cancel := context.WithTimeout(ctx, max(w.set.progress, time.Second))
	defer cancel()
	v, err := w.c.QueryWorkflow(qctx, w.wr.GetID(), w.wr.GetRunID(), progressQuery)
	if err != nil {
		return // no worker has the workflow yet, or it has just ended
	}
	var p progress
	if v.Get(&p) == nil {
		w.last = &p
		w.ev.progress(&p)
	}
}

// checkWorkers warns when no worker polls the run's task queue: the run
// waits until one does (or its execution timeout passes).
func (w *waiter) checkWorkers(ctx context.Context) {
	if w.log == nil {
		return
	}
	dctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	resp, err := w.c.DescribeTaskQueue(dctx, w.set.taskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err == nil && len(resp.GetPollers()) == 0 {
		w.log.Warn("no worker polls the run's task queue: the run waits for one (start the app's worker command)",
			"run_id", w.runID, "task_queue", w.set.taskQueue, "temporal", w.set.client.HostPort, "namespace", w.set.client.Namespace)
	}
}

// stop asks the workflow to stop: the signal carries the status and
// error, the cancellation makes it Temporal's.
func (w *waiter) stop(ctx context.Context, req stopRequest) {
	sctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	_ = w.c.SignalWorkflow(sctx, w.wr.GetID(), w.wr.GetRunID(), stopSignal, req)
	_ = w.c.CancelWorkflow(sctx, w.wr.GetID(), w.wr.GetRunID())
}

// stopOf is the status and error the local runtime gives a run whose
// context ended with cause.
func stopOf(cause error) stopRequest {
	if cause == nil {
		cause = context.Canceled
	}
	if runtime.StatusOf(cause) == runtime.TimedOut {
		return stopRequest{Status: runtime.TimedOut, Error: *errorInfo(cause)}
	}
	if errors.Is(cause, context.DeadlineExceeded) {
		return stopRequest{Status: runtime.TimedOut, Error: *runtimeError("run deadline exceeded: %v", cause)}
	}
	return stopRequest{Status: runtime.Cancelled, Error: *runtimeError("run cancelled: %v", cause)}
}

// outcome turns the workflow's end into the run's result: its return
// value, or the result carried by its failure or cancellation.
func (w *waiter) outcome(res *runtime.Result, err error, stop stopRequest) (*runtime.Result, error) {
	if err == nil {
		return res, nil
	}
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		var r runtime.Result
		if canceled.HasDetails() && canceled.Details(&r) == nil && r.RunID != "" {
			return &r, nil
		}
		if stop.Status == 0 {
			stop = stopOf(nil)
		}
		return w.synthesized(stop.Status, &stop.Error), nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		if app.Type() == errCannotRun {
			return nil, fmt.Errorf("run %s of workflow %q cannot run: %s", w.runID, w.workflow, app.Message())
		}
		var r runtime.Result
		if app.HasDetails() && app.Details(&r) == nil && r.RunID != "" {
			return &r, nil
		}
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return w.synthesized(runtime.TimedOut, runtimeError("workflow %q: Temporal's workflow execution timeout passed before the run ended "+
			"(are workers polling task queue %s?)", w.workflow, w.set.taskQueue)), nil
	}
	var terminated *temporal.TerminatedError
	if errors.As(err, &terminated) {
		return w.synthesized(runtime.Cancelled, runtimeError("run cancelled: the Temporal workflow was terminated")), nil
	}
	return nil, fmt.Errorf("waiting for run %s on Temporal: %w", w.runID, err)
}

// synthesized is the result of a run whose workflow ended without one:
// the records the last progress showed, and status.
func (w *waiter) synthesized(status runtime.Status, info *runtime.ErrorInfo) *runtime.Result {
	res := &runtime.Result{RunID: w.runID, Workflow: w.workflow, Version: w.version, ResumedFrom: w.resumedFrom,
		Status: status, StatusCode: status.Code(), Error: info, End: time.Now()}
	if w.last != nil {
		res.Executions = w.last.Executions
	}
	if len(res.Executions) == 0 {
		res.Executions = []*runtime.WorkflowExecution{{Attempt: 1, Start: res.End, Nodes: map[string][]runtime.NodeExecution{}}}
	}
	res.Start = res.Executions[0].Start
	last := res.Last()
	last.Status, last.Error, last.End = status, info, res.End
	last.Duration = runtime.Duration(last.End.Sub(last.Start))
	res.Duration = runtime.Duration(res.End.Sub(res.Start))
	return res
}

// reused is what the run keeps from prev: the COMPLETED records of its
// last attempt, checked to decode into their nodes' outputs, as
// runtime.ResumeFrom keeps them.
func reused(in *endpoint.Input, prev *runtime.Result, runID string) (map[string]json.RawMessage, error) {
	s, err := stepperOf(in, runID, 1, nil)
	if err != nil {
		return nil, err
	}
	g := s.Graph()
	if prev.Workflow != "" && prev.Workflow != g.Workflow {
		return nil, fmt.Errorf("runtime.ResumeFrom: run %q is of workflow %q, not %q", prev.RunID, prev.Workflow, g.Workflow)
	}
	last := prev.Last()
	if last == nil {
		return nil, nil
	}
	out := map[string]json.RawMessage{}
	for v, n := range g.Nodes {
		recs := last.Nodes[n.Name]
		if len(recs) == 0 || recs[len(recs)-1].Status != runtime.Completed {
			continue
		}
		rec := recs[len(recs)-1]
		rec.Reused = true
		b, err := json.Marshal(&rec)
		if err != nil {
			return nil, fmt.Errorf("runtime.ResumeFrom: run %q, node %q: %w", prev.RunID, n.Name, err)
		}
		if err := s.Restore(v, []json.RawMessage{b}); err != nil {
			return nil, fmt.Errorf("runtime.ResumeFrom: run %q, node %q: %w", prev.RunID, n.Name, err)
		}
		out[n.Name] = b
	}
	return out, nil
}

// executionTimeout is the workflow's execution timeout: every attempt's
// timeout and the waits between them, with a margin per attempt for
// hooks and scheduling; none when the input sets no timeout. The workflow
// enforces each attempt's timeout itself and records it; this bound ends
// a run no worker ever picks up.
func executionTimeout(base runtime.Input) time.Duration {
	t := seconds(base.TimeoutSeconds)
	if t <= 0 {
		return 0
	}
	n := time.Duration(1 + max(base.MaxRetries, 0))
	total := n*(t+executionMargin) + (n-1)*seconds(base.RetryDelaySeconds)
	if total <= 0 || total > noTimeout {
		return noTimeout
	}
	return total
}
