package temporal

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/spec/engine"
	"github.com/fluxly-go/fluxly/runtime"
)

// flow is one endpoint on Temporal: its workflow function and its
// activities.
type flow struct {
	ep  *endpoint.Endpoint
	set settings
	log *slog.Logger // node and hook logs on the worker
	// hooks are the workflow hooks the endpoint's workflow implements:
	// the workflow function schedules the hooks' activity only for them.
	hooks map[string]bool
	// reverse launches ready nodes in reverse order: a deliberate change
	// of the workflow function, for the replay test to catch.
	reverse bool
}

func newFlow(ep *endpoint.Endpoint, set settings, log *slog.Logger) *flow {
	f := &flow{ep: ep, set: set, log: log, hooks: map[string]bool{}}
	for _, h := range ep.Model().Hooks {
		f.hooks[h] = true
	}
	return f
}

// Margins of the activities' start-to-close timeouts: a node's attempt
// enforces its own timeout and records TIMED_OUT, so Temporal's must not
// win the race; a node without a timeout has, in effect, none.
const (
	timeoutMargin = 30 * time.Second
	noTimeout     = 10 * 365 * 24 * time.Hour
)

// workflow is the endpoint's Temporal workflow: the local runtime's Run,
// with nodes and hooks as activities. It must stay deterministic: every
// decision comes from the input, the graph, the walker and the results
// Temporal replays; the constructor and the edge conditions are the only
// user code it runs (see package engine).
func (f *flow) workflow(ctx workflow.Context, win workflowInput) (*runtime.Result, error) {
	in, err := decodeDocument(f.ep, win.Input)
	if err != nil {
		return nil, cannotRun(fmt.Errorf("decoding the input of endpoint %q: %w", f.ep.Name(), err))
	}
	r := &run{f: f, in: in, win: win, stops: workflow.GetSignalChannel(ctx, stopSignal),
		res: &runtime.Result{RunID: win.RunID, Start: workflow.Now(ctx), ResumedFrom: win.ResumedFrom}}
	if err := workflow.SetQueryHandler(ctx, progressQuery, r.progress); err != nil {
		return nil, cannotRun(err)
	}
	base := in.Base()
	maxRetries := max(base.MaxRetries, 0)
	for n := 1; ; n++ {
		ex, err := r.attempt(ctx, n, seconds(base.TimeoutSeconds))
		if err != nil {
			return nil, cannotRun(err)
		}
		r.res.Status, r.res.Error = ex.Status, ex.Error
		if ex.Status == runtime.Completed || n > maxRetries || ctx.Err() != nil {
			break
		}
		if d := seconds(base.RetryDelaySeconds); d > 0 {
			if workflow.Sleep(ctx, d) != nil {
				break // cancelled while waiting: no further attempt
			}
		}
	}
	res := r.res
	res.End = workflow.Now(ctx)
	res.Duration = runtime.Duration(res.End.Sub(res.Start))
	res.StatusCode = res.Status.Code()
	n, err := shrink(res, f.set.maxPayload)
	if err != nil {
		return nil, cannotRun(err)
	}
	if n > 0 {
		workflow.GetLogger(ctx).Warn("outputs replaced by markers: the run's result would not fit in a Temporal payload",
			"outputs", n, "max_payload_bytes", f.set.maxPayload)
	}
	if ctx.Err() != nil {
		return nil, temporal.NewCanceledError(res)
	}
	if res.Status != runtime.Completed {
		msg := res.Status.String()
		if res.Error != nil {
			msg = res.Error.Message
		}
		return nil, temporal.NewApplicationErrorWithOptions(msg, res.Status.String(), temporal.ApplicationErrorOptions{
			NonRetryable: true, Details: []any{res}, Category: temporal.ApplicationErrorCategoryBenign})
	}
	return res, nil
}

// cannotRun is the workflow's error when it cannot run at all, as
// runtime.Run's error: the runner returns it as its own.
func cannotRun(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), errCannotRun, nil)
}

// run is one workflow execution's state.
type run struct {
	f     *flow
	in    *endpoint.Input
	win   workflowInput
	stops workflow.ReceiveChannel
	res   *runtime.Result
	cur   *attempt // the attempt under way, for the progress query
}

// flight is a node attempt in flight: scheduled and not settled.
type flight struct {
	attempt int
	start   time.Time
}

// attempt is one workflow attempt's state: the local scheduler's, with
// the walker deciding.
type attempt struct {
	r   *run
	n   int
	ctx workflow.Context // the attempt's: cancelled when it ends
	sel workflow.Selector
	s   engine.Stepper
	g   *engine.Graph
	w   *engine.Walker
	ex  *runtime.WorkflowExecution

	recs      [][]json.RawMessage   // each node's records, oldest first
	flights   []*flight             // each node's attempt in flight, or nil
	timers    []workflow.CancelFunc // each node's retry timer, or nil
	ancestors [][]int               // each node's ancestors, ascending
	ready     []int                 // nodes ready to launch, in order
	head      int
	running   int

	over   bool // no node starts any more
	status runtime.Status
	err    *runtime.ErrorInfo
	fault  error // a bug: the walker refused a step
}

// attempt runs workflow attempt n: the OnStart hook, the nodes, the end
// hooks. The error is not the attempt's outcome but a reason the run
// cannot go on at all (the constructor failed).
func (r *run) attempt(ctx workflow.Context, n int, timeout time.Duration) (*runtime.WorkflowExecution, error) {
	s, err := r.in.Stepper(engine.Config{RunID: r.win.RunID, WorkflowAttempt: n})
	if err != nil {
		return nil, err
	}
	g := s.Graph()
	actx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	a := &attempt{r: r, n: n, ctx: actx, sel: workflow.NewSelector(actx), s: s, g: g, w: engine.NewWalker(g),
		ex:   &runtime.WorkflowExecution{Attempt: n, Start: workflow.Now(ctx)},
		recs: make([][]json.RawMessage, len(g.Nodes)), flights: make([]*flight, len(g.Nodes)),
		timers: make([]workflow.CancelFunc, len(g.Nodes)), ancestors: ancestors(g)}
	r.res.Workflow, r.res.Version = g.Workflow, g.Version
	r.res.Executions = append(r.res.Executions, a.ex)
	r.cur = a
	defer func() { r.cur = nil }()

	var restored []int
	for v, node := range g.Nodes {
		rec, ok := r.win.Reused[node.Name]
		if !ok {
			continue
		}
		recs := []json.RawMessage{rec}
		if err := s.Restore(v, recs); err != nil {
			return nil, fmt.Errorf("resuming run %q: %w", r.win.ResumedFrom, err)
		}
		a.recs[v] = recs
		restored = append(restored, v)
	}

	if timeout > 0 {
		timer := workflow.NewTimer(actx, timeout)
		a.sel.AddFuture(timer, func(f workflow.Future) {
			if f.Get(actx, nil) == nil {
				a.stop(runtime.TimedOut, runtimeError("workflow %q timed out after %v", g.Workflow, timeout))
			}
		})
	}
	a.sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { a.cancelled() })

	started := !r.f.hooks["OnStart"]
	if !started {
		fut := r.hooks(actx, a, hooksStart, runtime.Completed, nil, nil)
		a.sel.AddFuture(fut, func(fut workflow.Future) {
			if a.over {
				return // the deadline or a cancellation came first: the hook is abandoned
			}
			out := hookOutcome(fut, actx)
			if out.Status != runtime.Completed {
				a.over, a.status, a.err = true, out.Status, out.Error
			}
			started = true
		})
		for !started && !a.over {
			a.sel.Select(ctx)
		}
	}
	if !a.over {
		st, err := a.w.Start(restored, s.Condition)
		if err != nil {
			return nil, err
		}
		a.apply(st)
		for !a.over {
			a.sel.Select(ctx)
		}
	}
	if a.fault != nil {
		return nil, a.fault
	}
	cancel() // pending retries and abandoned attempts

	status, info := a.status, a.err
	if r.needsEndHooks(status) {
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		out := hookOutcome(r.hooks(dctx, a, hooksEnd, status, info, a.recs), dctx)
		status, info = out.Status, out.Error
	}
	a.ex.Nodes = make(map[string][]runtime.NodeExecution)
	for v, recs := range a.recs {
		if len(recs) > 0 {
			a.ex.Nodes[g.Nodes[v].Name] = decode(recs, false)
		}
	}
	slices.Sort(a.ex.Skipped)
	a.ex.End = workflow.Now(ctx)
	a.ex.Duration = runtime.Duration(a.ex.End.Sub(a.ex.Start))
	a.ex.Status, a.ex.Error = status, info
	return a.ex, nil
}

// needsEndHooks reports whether an attempt that ended with status has a
// hook to run: OnSuccess when it completed, OnFailure when not (or when
// OnSuccess fails, which the activity handles), OnFinish always.
func (r *run) needsEndHooks(status runtime.Status) bool {
	h := r.f.hooks
	return h["OnFinish"] || (status == runtime.Completed && h["OnSuccess"]) || (status != runtime.Completed && h["OnFailure"])
}

// apply takes a step of the walker: skipped nodes, then the end or the
// nodes now ready.
func (a *attempt) apply(st engine.Step) {
	for _, v := range st.Skipped {
		a.ex.Skipped = append(a.ex.Skipped, a.g.Nodes[v].Name)
	}
	if st.Over {
		a.end(st)
		return
	}
	a.ready = append(a.ready, st.Ready...)
	a.pump()
}

// pump launches ready nodes while the concurrency limit allows.
func (a *attempt) pump() {
	limit := a.g.MaxConcurrency
	if a.r.f.reverse {
		slices.Reverse(a.ready[a.head:])
	}
	for a.head < len(a.ready) && !a.over && (limit == 0 || a.running < limit) {
		v := a.ready[a.head]
		a.head++
		a.launch(v)
	}
	if a.head == len(a.ready) {
		a.ready, a.head = a.ready[:0], 0
	}
}

// launch schedules node v's next attempt.
func (a *attempt) launch(v int) {
	node := &a.g.Nodes[v]
	fl := &flight{attempt: len(a.recs[v]) + 1, start: workflow.Now(a.ctx)}
	a.flights[v] = fl
	a.running++
	in := nodeInput{RunID: a.r.win.RunID, WorkflowAttempt: a.n, Attempt: fl.attempt, Input: a.r.win.Input}
	size := len(in.Input) + 256
	var sizes []string
	for _, u := range a.ancestors[v] {
		if a.w.State(u) != engine.StateDone || len(a.recs[u]) == 0 {
			continue
		}
		if in.Upstream == nil {
			in.Upstream = map[string][]json.RawMessage{}
		}
		name := a.g.Nodes[u].Name
		in.Upstream[name] = a.recs[u]
		n := len(name) + 8
		for _, rec := range a.recs[u] {
			n += len(rec) + 1
		}
		size += n
		sizes = append(sizes, fmt.Sprintf("%s %d", name, n))
	}
	var fut workflow.Future
	if max := a.r.f.set.maxPayload; size > max {
		// Temporal would refuse the payload; the attempt fails here.
		f, set := workflow.NewFuture(a.ctx)
		set.Set(nil, temporal.NewNonRetryableApplicationError("payload too large", errPayloadTooLarge, nil, nodeResult{
			Record: record(fl.attempt, fl.start, fl.start, runtime.InfrastructureError, &runtime.ErrorInfo{Type: errPayloadTooLarge,
				Message: fmt.Sprintf("node %q attempt %d: its activity input is about %d bytes (the run's input %d, upstream records: %v), "+
					"over temporal.Options.MaxPayloadBytes (%d), the most Temporal carries in one payload; keep large data out of inputs and node outputs "+
					"(store it and pass a reference)", node.Name, fl.attempt, size, len(in.Input), sizes, max)}),
			NonRetryable: true}))
		fut = f
	} else {
		timeout := noTimeout
		if node.Timeout > 0 {
			timeout = node.Timeout + timeoutMargin
		}
		fut = workflow.ExecuteActivity(workflow.WithActivityOptions(a.ctx, workflow.ActivityOptions{
			ActivityID:          fmt.Sprintf("%d.%d.%d", a.n, v, fl.attempt),
			StartToCloseTimeout: timeout,
			HeartbeatTimeout:    a.r.f.set.heartbeatTimeout,
			// The workflow applies the node's retry policy (see the
			// README): one attempt per activity execution.
			RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1, NonRetryableErrorTypes: node.Retry.NonRetryableStatuses},
		}), nodeActivityName(a.r.f.ep.Name(), node.Name), in)
	}
	a.sel.AddFuture(fut, func(f workflow.Future) { a.settle(v, fl, f) })
}

// settle records the end of node v's attempt fl, then retries the node or
// reports its final status to the walker.
func (a *attempt) settle(v int, fl *flight, f workflow.Future) {
	if a.over || a.flights[v] != fl {
		return // the attempt was stopped and recorded already
	}
	a.flights[v] = nil
	a.running--
	rec, nonRetryable := a.outcome(v, fl, f)
	a.recs[v] = append(a.recs[v], rec)
	if err := a.s.Restore(v, a.recs[v]); err != nil {
		// The worker's record does not decode here (workers of another
		// version?): record that instead.
		a.recs[v][len(a.recs[v])-1] = record(fl.attempt, fl.start, workflow.Now(a.ctx), runtime.InfrastructureError,
			&runtime.ErrorInfo{Type: errTemporal, Message: err.Error()})
		nonRetryable = true
		if err := a.s.Restore(v, a.recs[v]); err != nil {
			a.fail(err)
			return
		}
	}
	h, err := headOf(rec)
	if err != nil {
		a.fail(err)
		return
	}
	node := &a.g.Nodes[v]
	if h.Status != runtime.Completed && fl.attempt < node.Retry.MaximumAttempts && !nonRetryable {
		a.retry(v, fl.attempt)
		return
	}
	st, err := a.w.Finish(v, int(h.Status), a.s.Condition)
	if err != nil {
		a.fail(err)
		return
	}
	a.apply(st)
}

// outcome reads an attempt's record from its future: the activity's
// result, the details of its application error, or a record of the
// attempt made here when the activity itself failed (its worker was lost).
func (a *attempt) outcome(v int, fl *flight, f workflow.Future) (json.RawMessage, bool) {
	var out nodeResult
	err := f.Get(a.ctx, &out)
	if err == nil {
		return out.Record, out.NonRetryable
	}
	node := &a.g.Nodes[v]
	msg := err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if appErr.HasDetails() && appErr.Details(&out) == nil && len(out.Record) > 0 {
			return out.Record, out.NonRetryable
		}
		msg = appErr.Message()
	}
	now := workflow.Now(a.ctx)
	info := &runtime.ErrorInfo{Type: errTemporal, Message: fmt.Sprintf("node %q attempt %d: %s", node.Name, fl.attempt, msg)}
	if appErr != nil && appErr.Type() == errWorkerLost {
		info = &runtime.ErrorInfo{Type: errWorkerLost, Message: msg}
	}
	var timeoutErr *temporal.TimeoutError
	if errors.As(err, &timeoutErr) {
		info = &runtime.ErrorInfo{Type: errWorkerLost, Message: fmt.Sprintf("node %q attempt %d: the worker running it was lost "+
			"(killed, crashed or cut off): %v", node.Name, fl.attempt, timeoutErr.Message())}
	}
	status := runtime.InfrastructureError
	return record(fl.attempt, fl.start, now, status, info), slices.Contains(node.Retry.NonRetryableStatuses, status.String())
}

// retry schedules node v's attempt after attempt k, after the node's
// retry delay; the node frees its concurrency slot while it waits.
func (a *attempt) retry(v, k int) {
	p := a.g.Nodes[v].Retry
	d := p.Delay(k)
	if p.Jitter && d > 0 {
		max := int64(d)
		var drawn int64
		_ = workflow.SideEffect(a.ctx, func(workflow.Context) any { return rand.Int64N(max + 1) }).Get(&drawn)
		d = time.Duration(drawn)
	}
	if d <= 0 {
		a.ready = append(a.ready, v)
		a.pump()
		return
	}
	a.pump()
	tctx, cancel := workflow.WithCancel(a.ctx)
	a.timers[v] = cancel
	a.sel.AddFuture(workflow.NewTimer(tctx, d), func(f workflow.Future) {
		if a.over || f.Get(tctx, nil) != nil {
			return
		}
		a.timers[v] = nil
		a.ready = append(a.ready, v)
		a.pump()
	})
}

// end ends the attempt as the walker says: completed, or failed by the
// node that killed the last execution group, or by a condition's panic.
// Nodes in flight are recorded CANCELLED, retries dropped.
func (a *attempt) end(st engine.Step) {
	var stop *runtime.ErrorInfo
	switch {
	case st.Err != nil:
		a.status, a.err = runtime.Failed, errorInfo(st.Err)
		stop = runtimeError("cancelled: an edge condition panicked")
	case st.Cause >= 0:
		name := a.g.Nodes[st.Cause].Name
		a.status = runtime.Status(st.Status)
		a.err = runtimeError("node %q ended %s", name, a.status)
		if recs := a.recs[st.Cause]; len(recs) > 0 {
			if h, err := headOf(recs[len(recs)-1]); err == nil && h.Error != nil {
				a.err = h.Error
			}
		}
		stop = runtimeError("cancelled: every execution group has failed (last: node %q)", name)
	default:
		a.status, a.err = runtime.Completed, nil
	}
	a.over = true
	for _, v := range st.Cancel {
		a.stopNode(v, runtime.Cancelled, stop)
	}
}

// stop ends the attempt from outside the graph (its timeout, the run's
// cancellation): nodes in flight are recorded with the same status and
// error, as the local scheduler records them.
func (a *attempt) stop(status runtime.Status, info *runtime.ErrorInfo) {
	if a.over {
		return
	}
	a.over, a.status, a.err = true, status, info
	for v := range a.g.Nodes {
		a.stopNode(v, status, info)
	}
}

func (a *attempt) stopNode(v int, status runtime.Status, info *runtime.ErrorInfo) {
	if cancel := a.timers[v]; cancel != nil {
		cancel()
		a.timers[v] = nil
	}
	if fl := a.flights[v]; fl != nil {
		a.recs[v] = append(a.recs[v], record(fl.attempt, fl.start, workflow.Now(a.ctx), status, info))
		a.flights[v] = nil
		a.running--
	}
}

// cancelled ends the attempt when the run is cancelled, with the status
// and error the runner signalled (a deadline of its context is TIMED_OUT).
func (a *attempt) cancelled() {
	var req stopRequest
	if a.r.stops.ReceiveAsync(&req) {
		a.stop(req.Status, &req.Error)
		return
	}
	a.stop(runtime.Cancelled, runtimeError("run cancelled: the Temporal workflow was cancelled"))
}

// fail stops the attempt on a bug in this package or the walker.
func (a *attempt) fail(err error) {
	a.fault = err
	a.over = true
}

// hooks schedules the workflow hooks' activity for phase.
func (r *run) hooks(ctx workflow.Context, a *attempt, phase string, status runtime.Status, info *runtime.ErrorInfo, recs [][]json.RawMessage) workflow.Future {
	in := hookInput{RunID: r.win.RunID, WorkflowAttempt: a.n, Input: r.win.Input, Phase: phase, Status: status, Error: info}
	size := len(in.Input) + 512
	for v, rs := range recs {
		if len(rs) == 0 {
			continue
		}
		if in.Records == nil {
			in.Records = map[string][]json.RawMessage{}
		}
		in.Records[a.g.Nodes[v].Name] = rs
		for _, rec := range rs {
			size += len(rec) + len(a.g.Nodes[v].Name)
		}
	}
	if size > r.f.set.maxPayload {
		in.Records = nil
		workflow.GetLogger(ctx).Warn("the workflow hooks run without node records: they would not fit in a Temporal payload",
			"max_payload_bytes", r.f.set.maxPayload)
	}
	timeout := noTimeout
	if phase == hooksStart {
		if t := seconds(r.in.Base().TimeoutSeconds); t > 0 {
			timeout = t + timeoutMargin
		}
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID:          fmt.Sprintf("%d.%s", a.n, phase),
		StartToCloseTimeout: timeout,
		HeartbeatTimeout:    r.f.set.heartbeatTimeout,
		// Hooks are not retried, as locally; only an attempt whose worker
		// was lost runs again.
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3, InitialInterval: 100 * time.Millisecond, NonRetryableErrorTypes: []string{errCannotRun}},
	}), hooksActivityName(r.f.ep.Name()), in)
}

// hookOutcome reads the hooks' outcome; an activity that failed is the
// attempt's failure, INFRASTRUCTURE_ERROR.
func hookOutcome(f workflow.Future, ctx workflow.Context) hookResult {
	var out hookResult
	if err := f.Get(ctx, &out); err != nil {
		return hookResult{Status: runtime.InfrastructureError, Error: &runtime.ErrorInfo{Type: errTemporal,
			Message: fmt.Sprintf("the workflow hooks could not run: %v", err)}}
	}
	return out
}

// progress answers the progress query: the records so far, without
// outputs, and the attempts in flight.
func (r *run) progress() (progress, error) {
	p := progress{}
	for _, ex := range r.res.Executions {
		c := *ex
		if a := r.cur; a != nil && a.ex == ex {
			c.Nodes = make(map[string][]runtime.NodeExecution)
			for v, recs := range a.recs {
				if len(recs) > 0 {
					c.Nodes[a.g.Nodes[v].Name] = decode(recs, true)
				}
			}
			c.Skipped = slices.Clone(a.ex.Skipped)
			c.Status = runtime.InProgress
			for v := range a.g.Nodes {
				if a.w.State(v) == engine.StateDone {
					p.Final = append(p.Final, a.g.Nodes[v].Name)
				}
			}
			for v, fl := range a.flights {
				if fl != nil {
					p.Running = append(p.Running, runningAttempt{WorkflowAttempt: a.n, Node: a.g.Nodes[v].Name, Attempt: fl.attempt, Start: fl.start})
				}
			}
		} else {
			c.Nodes = make(map[string][]runtime.NodeExecution, len(ex.Nodes))
			for name, recs := range ex.Nodes {
				recs = slices.Clone(recs)
				for i := range recs {
					recs[i].Output = nil
				}
				c.Nodes[name] = recs
			}
		}
		p.Executions = append(p.Executions, &c)
	}
	return p, nil
}

// decode decodes records (their outputs as raw JSON); bare drops outputs.
func decode(recs []json.RawMessage, bare bool) []runtime.NodeExecution {
	out := make([]runtime.NodeExecution, len(recs))
	for i, rec := range recs {
		if err := json.Unmarshal(rec, &out[i]); err != nil {
			out[i] = runtime.NodeExecution{Status: runtime.Unknown, Error: &runtime.ErrorInfo{Type: errTemporal, Message: "undecodable record: " + err.Error()}}
		}
		if bare {
			out[i].Output = nil
		}
	}
	return out
}

// ancestors lists each node's ancestors through edges of any kind, in
// ascending order.
func ancestors(g *engine.Graph) [][]int {
	parents := make([][]int, len(g.Nodes))
	for _, e := range g.Edges {
		parents[e.To] = append(parents[e.To], e.From)
	}
	out := make([][]int, len(g.Nodes))
	seen := make([]int, len(g.Nodes))
	for v := range g.Nodes {
		stamp := v + 1
		stack := append([]int(nil), parents[v]...)
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[u] == stamp {
				continue
			}
			seen[u] = stamp
			out[v] = append(out[v], u)
			stack = append(stack, parents[u]...)
		}
		slices.Sort(out[v])
	}
	return out
}
