package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/fluxly-go/fluxly/internal/spec/engine"
)

// The scheduler is event-driven: a worker goroutine, a timeout's AfterFunc
// or a retry timer settles an attempt under one mutex and queues whatever it
// made ready. Nothing polls; each node and edge is touched a constant number
// of times. Queued attempts are never left waiting for a busy worker: a
// worker that takes one while more are queued starts another worker unless
// one is already on its way (see wake), so every ready node starts at once
// and runs in parallel, while a worker that finishes a node takes the next
// queued attempt itself (a chain runs on one goroutine; quick nodes need few
// goroutines). Node logic never runs on the caller's goroutine,
// so a deadline or a cancellation ends an attempt even when the logic
// ignores its context: the attempt is recorded at once and the worker's late
// result is discarded.

// nodeRun is a node's state in the run of its graph. It lives in the
// node's entry, with its first attempt: a graph is built for one workflow
// attempt, and keeping a node's state together keeps it in few cache lines.
type nodeRun struct {
	attempts int32
	hasHooks bool // the user's type implements a node hook
	noOutput bool // O is NoOutput: records carry no output
	cur      *nodeAttempt
	first    nodeAttempt
}

// logger is the attempt's logger, tagged with node and attempt; made on
// first use by the attempt's goroutine, outside the scheduler's lock.
func (a *nodeAttempt) logger() *slog.Logger {
	if a.r.cfg.logger == nil {
		return discardLogger
	}
	if a.log == nil {
		a.log = a.r.log.With("node", a.r.g.nodes[a.v].name, "attempt", a.n)
	}
	return a.log
}

// nodeAttempt is one attempt of one node.
type nodeAttempt struct {
	r        *attemptRun
	v, n     int32
	settled  bool
	started  bool
	startOff time.Duration // when it started, since the run's t0
	log      *slog.Logger  // see logger
	out      any           // the attempt's *O, set by its goroutine
	dl       *deadline     // the node's timeout, when it has one
}

// deadline is the context of an attempt with a node timeout.
type deadline struct {
	ctx    context.Context
	cancel context.CancelFunc
	stop   func() bool // unregisters the AfterFunc
}

// ctx is the attempt's context: the run's, or its own with the node deadline.
func (a *nodeAttempt) ctx() context.Context {
	if a.dl != nil {
		return a.dl.ctx
	}
	return a.r.ctx
}

func (a *nodeAttempt) start() time.Time { return a.r.t0.Add(a.startOff) }

// attemptRun is one workflow attempt being scheduled.
type attemptRun struct {
	// Fixed before the first node is scheduled; read without the lock.
	g      *graph
	cfg    *runConfig
	input  any
	number int
	t0     time.Time // the attempt's start; node attempts' starts are offsets from it
	log    *slog.Logger
	chain  AttemptFunc
	mw     bool            // the run has middleware; chain is called
	reused bool            // the graph ran before (see runAttempt)
	ctx    context.Context // cancelled when the attempt ends
	cancel context.CancelCauseFunc
	done   chan struct{} // closed by finish
	exec   *WorkflowExecution
	// Per-node arrays, made by schedule before it takes the lock and
	// released by recycle under it. In between, mu guards their contents
	// (outStart and out are only read), and the entries' run state:
	// nodeEntry.run, recs, errs and timer.
	recs     []NodeExecution // records of first attempts, one array for all nodes
	wait     []int32         // per node: parents not yet finished, | blocked once an edge said no
	outStart []int32         // node v's outgoing edges are out[outStart[v]:outStart[v+1]]
	out      []outEdge
	sc       *scratch // where wait, outStart, out, ready and queue came from

	// mu guards everything below once schedule has taken it (it sets them
	// up before), and exec's fields until done is closed.
	mu          sync.Mutex
	ready       []int32 // nodes whose parents allow them to start, from readyHead on
	readyHead   int
	queue       []*nodeAttempt // launched, waiting for a worker, from qHead on
	qHead       int
	searching   int // workers started to pop the queue that have not yet (see wake)
	running     int // launched attempts not yet settled
	final       int // nodes done or skipped
	ran         int // nodes with at least one record
	timers      int // pending retry timers
	groupFailed []bool
	groupsAlive int
	finished    bool
	clock       time.Duration // the latest stamp, since t0 (see stamp)
	// tally holds the nodes whose wait entry is negative (^index): nodes
	// with a trigger rule and nodes restored from an earlier run.
	tally []tally
	// restored are the nodes ResumeFrom keeps, in topological order.
	restored []restoredNode
}

// tally is the state of a node that wait's plain counter does not
// describe: a node with a trigger rule counts its parents' outcomes and
// asks the rules table (engine.Decide, shared with the walker); a
// restored node is decided from the start. Only such nodes have one, so
// graphs without rules pay one sign test per edge.
type tally struct {
	rule    TriggerRule
	decided bool // it was made ready or skipped, or restored: later outcomes change nothing
	parents int32
	counts  [3]int32 // by engine.Outcome: succeeded, failed, skipped
}

// restoredNode is a node whose COMPLETED record ResumeFrom keeps.
type restoredNode struct {
	v   int32
	rec NodeExecution
}

// blocked is set in attemptRun.wait once an incoming edge of the node said no.
const blocked = 1 << 30

// outEdge is an edge in attemptRun.out, where each node's outgoing edges
// are contiguous, so finishing a node reads an array instead of following
// the graph's linked edge lists across memory.
type outEdge struct {
	to  int32
	how edgeHow
}

// layOut fills r.outStart and r.out: a counting sort of the edges by
// source, keeping each node's edges in the order they were added.
func (r *attemptRun) layOut() {
	g := r.g
	n := len(g.nodes)
	start := resize(r.sc.outStart, n+1)
	start[0] = 0
	for v, d := range g.outDeg {
		start[v+1] = start[v] + d
	}
	out := resize(r.sc.out, g.edges.n)
	for _, chunk := range g.edges.chunks {
		for i := range chunk {
			ed := &chunk[i]
			out[start[ed.from]] = outEdge{to: ed.to, how: ed.how}
			start[ed.from]++
		}
	}
	copy(start[1:], start[:n]) // start[v] had moved to the end of v's edges
	start[0] = 0
	r.outStart, r.out = start, out
}

// nodeTimeout marks a node deadline in context.Cause.
type nodeTimeout struct{ err *Error }

func (t nodeTimeout) Error() string { return t.err.Error() }
func (t nodeTimeout) Unwrap() error { return t.err }

func runAttempt(parent context.Context, g *graph, input any, number int, timeout time.Duration, cfg *runConfig, restored []restoredNode) *WorkflowExecution {
	ex := &WorkflowExecution{Attempt: number, Start: time.Now()}
	wctx := parent
	if timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeoutCause(parent, timeout,
			&Error{Status: TimedOut, Msg: fmt.Sprintf("workflow %q timed out after %v", g.name, timeout)})
		defer cancel()
	}
	r := &attemptRun{g: g, cfg: cfg, input: input, number: number, exec: ex, done: make(chan struct{}), t0: ex.Start, restored: restored}
	if g.ran {
		// The constructor returned a graph that ran before. Its nodes start
		// over; their first attempts get fresh structs, since a goroutine
		// that a deadline abandoned in the earlier run may still use the
		// ones in the entries.
		r.reused = true
		for _, e := range g.nodes {
			if g.early {
				e.view.Store(viewSet) // readers stop reading the old records first
			}
			e.recs, e.errs, e.timer = nil, nil, nil
			e.run.attempts, e.run.cur = 0, nil
		}
	}
	g.ran = true
	r.log = discardLogger
	if cfg.logger != nil {
		r.log = cfg.logger.With("workflow", g.name, "run_id", cfg.runID)
	}
	r.chain, r.mw = chain(cfg.middleware)
	r.ctx, r.cancel = context.WithCancelCause(wctx)
	defer r.cancel(nil)

	if cfg.observer != nil {
		topo := g.topoOrder()
		names := make([]string, len(topo))
		for i, v := range topo {
			names[i] = g.nodes[v].name
		}
		cfg.observer(Event{Kind: WorkflowStarted, Time: ex.Start, RunID: cfg.runID, Workflow: g.name, WorkflowAttempt: number, Nodes: names})
	}

	var status Status
	var err error
	ran := 0
	if herr := r.startHook(wctx); herr != nil {
		status, err = Failed, herr
	} else if wctx.Err() != nil {
		status, err = stopCause(wctx) // timed out or cancelled before any node started
	} else {
		status, ran, err = r.schedule(wctx)
	}
	if err == nil {
		if herr := r.workflowHook("OnSuccess hook", func() {
			if g.hooks.success != nil {
				g.hooks.success.OnSuccess(wctx)
			}
		}); herr != nil {
			status, err = Failed, herr
		}
	}
	if err != nil && g.hooks.failure != nil {
		e := err
		if herr := r.workflowHook("OnFailure hook", func() { g.hooks.failure.OnFailure(wctx, e) }); herr != nil {
			status, err = Failed, herr
		}
	}
	if herr := r.workflowHook("OnFinish hook", func() {
		if g.hooks.finish != nil {
			g.hooks.finish.OnFinish(wctx)
		}
	}); herr != nil {
		status, err = Failed, herr
	}

	r.mu.Lock()
	r.recycle()
	r.mu.Unlock()
	ex.Nodes = make(map[string][]NodeExecution, ran)
	for _, e := range g.nodes {
		if len(e.recs) > 0 {
			ex.Nodes[e.name] = e.recs
		}
	}
	ex.End = time.Now()
	ex.Duration = Duration(ex.End.Sub(ex.Start))
	ex.Status, ex.err, ex.Error = status, err, errorInfo(err)
	slices.Sort(ex.Skipped)
	if cfg.observer != nil {
		cfg.observer(Event{Kind: WorkflowFinished, Time: ex.End, RunID: cfg.runID, Workflow: g.name, WorkflowAttempt: number,
			Status: status, Err: err, Duration: time.Duration(ex.Duration)})
	}
	return ex
}

// recycle returns the scheduler's arrays to the pool once the attempt has
// ended. Called with r.mu held: a goroutine abandoned by a deadline may
// still settle late, and then finds empty arrays and a finished run.
func (r *attemptRun) recycle() {
	if r.sc == nil {
		return
	}
	clear(r.queue) // unstarted attempts
	*r.sc = scratch{wait: r.wait, outStart: r.outStart, out: r.out, ready: r.ready[:0], queue: r.queue[:0]}
	scratchPool.Put(r.sc)
	r.sc, r.wait, r.outStart, r.out, r.ready, r.queue = nil, nil, nil, nil, nil, nil
	r.readyHead, r.qHead = 0, 0
}

// startHook runs the workflow's OnStart within the attempt's deadline: a
// hook that outlives it is abandoned, like node logic.
func (r *attemptRun) startHook(wctx context.Context) error {
	h := r.g.hooks.start
	if h == nil {
		return nil
	}
	done := make(chan error, 1)
	go func() {
		exited := true
		defer func() {
			if exited { // runtime.Goexit in the hook
				done <- &Error{Status: Failed, Msg: fmt.Sprintf("workflow %q OnStart hook: runtime.Goexit was called before it returned", r.g.name)}
			}
		}()
		err := r.workflowHook("OnStart hook", func() { h.OnStart(wctx) })
		exited = false
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-wctx.Done():
		return nil // the deadline's status is reported by the caller
	}
}

// stopCause maps the end of the workflow attempt's context to its status
// and error: TIMED_OUT for the workflow timeout or a deadline of the
// caller's context, CANCELLED otherwise.
func stopCause(wctx context.Context) (Status, error) {
	cause := context.Cause(wctx)
	if st := StatusOf(cause); st == TimedOut {
		return st, cause
	}
	if errors.Is(cause, context.DeadlineExceeded) {
		return TimedOut, &Error{Status: TimedOut, Msg: "run deadline exceeded: " + cause.Error(), Err: cause}
	}
	return Cancelled, &Error{Status: Cancelled, Msg: "run cancelled: " + cause.Error(), Err: cause}
}

func (r *attemptRun) workflowHook(where string, f func()) error {
	err := callHook("workflow "+where, f)
	if err != nil {
		r.log.Debug("panic in workflow hook", "where", where, "stack", string(err.(*PanicError).Stack))
	}
	return err
}

// schedule runs the nodes and returns the attempt's status and error, and
// how many nodes ran. Once it returns, no node's records change.
func (r *attemptRun) schedule(wctx context.Context) (Status, int, error) {
	g := r.g
	r.recs = make([]NodeExecution, len(g.nodes))
	r.sc = getScratch()
	r.wait = resize(r.sc.wait, len(g.nodes))
	r.ready, r.queue = r.sc.ready[:0], r.sc.queue[:0]
	r.layOut()
	r.groupsAlive = max(len(g.groups), 1)
	r.groupFailed = make([]bool, r.groupsAlive)

	r.mu.Lock()
	copy(r.wait, g.inDeg)
	if g.early {
		for _, e := range g.nodes {
			e.view.Store(viewSet)
		}
	}
	if len(g.ruled) > 0 || len(r.restored) > 0 {
		r.special()
	}
	for v, d := range g.inDeg {
		if d == 0 && r.wait[v] == 0 {
			r.enqueue(int32(v))
		}
	}
	r.pump()
	if r.final == len(g.nodes) && !r.finished { // every node restored or skipped
		r.finish(Completed, nil, Completed, nil)
	}
	more := r.wake()
	r.mu.Unlock()
	r.spawnIf(more)

	select {
	case <-r.done:
	case <-wctx.Done():
		r.mu.Lock()
		r.stopped(wctx) // wctx, not r.ctx: its children may not be cancelled yet
		r.mu.Unlock()
	}
	return r.exec.Status, r.ran, r.exec.err
}

// special sets up the nodes with a trigger rule and the restored nodes
// (see tally): ruled nodes without parents and nodes whose rule is
// Always are queued at once; restored nodes count as finished COMPLETED,
// in topological order, which may make their children ready or skipped
// (their conditions are evaluated now). Called by schedule with r.mu held.
func (r *attemptRun) special() {
	g := r.g
	r.tally = make([]tally, 0, len(g.ruled)+len(r.restored))
	for _, v := range g.ruled {
		r.wait[v] = ^int32(len(r.tally))
		r.tally = append(r.tally, tally{rule: g.nodes[v].rule, parents: g.inDeg[v]})
	}
	for _, rn := range r.restored {
		if r.wait[rn.v] >= 0 {
			r.wait[rn.v] = ^int32(len(r.tally))
			r.tally = append(r.tally, tally{})
		}
		r.tally[^r.wait[rn.v]].decided = true
	}
	for _, v := range g.ruled {
		if t := &r.tally[^r.wait[v]]; !t.decided && (t.parents == 0 || t.rule == Always) {
			t.decided = true
			r.enqueue(v)
		}
	}
	for i := range r.restored {
		rn := &r.restored[i]
		e := g.nodes[rn.v]
		r.ran++
		r.recs[r.ran-1] = rn.rec
		e.recs = r.recs[r.ran-1 : r.ran : r.ran]
		r.nodeDone(rn.v, Completed, nil)
		if r.finished {
			return
		}
	}
}

// count adds one parent outcome to the tally of the node whose wait entry
// is w (negative), and returns the verdict it newly reaches: Wait when
// none, or when the node was decided before.
func (r *attemptRun) count(w int32, o engine.Outcome) engine.Verdict {
	t := &r.tally[^w]
	if t.decided {
		return engine.Wait
	}
	t.counts[o]++
	v := engine.Decide(engine.Rule(t.rule), int(t.parents), int(t.counts[engine.Succeeded]),
		int(t.counts[engine.Failed]), int(t.counts[engine.Skipped]))
	t.decided = v != engine.Wait
	return v
}

func (r *attemptRun) enqueue(v int32) {
	r.ready = append(r.ready, v)
}

// pump starts ready nodes while the concurrency limit allows.
func (r *attemptRun) pump() {
	limit := r.g.maxConcurrency
	for r.readyHead < len(r.ready) && !r.finished && (limit == 0 || r.running < limit) {
		v := r.ready[r.readyHead]
		r.readyHead++
		r.launch(v)
	}
	if r.readyHead == len(r.ready) {
		r.ready, r.readyHead = r.ready[:0], 0
	}
}

// launch marks node v running and queues its next attempt. Every queued
// attempt is popped by a worker started for it if no other is free to (see
// wake), so none waits for a busy node's goroutine.
func (r *attemptRun) launch(v int32) {
	e := r.g.nodes[v]
	ns := &e.run
	ns.attempts++
	var a *nodeAttempt
	if ns.attempts == 1 && !r.reused {
		a = &ns.first
	} else {
		a = new(nodeAttempt)
	}
	*a = nodeAttempt{r: r, v: v, n: ns.attempts}
	ns.cur = a
	r.running++
	r.queue = append(r.queue, a)
}

// pop takes the next queued attempt and starts its clock at now and its
// deadline. Called with r.mu held; now is read before taking the lock, so
// the clock is not read in the scheduler's critical section. A worker that
// settles one attempt and takes the next in one critical section stamps
// the end of the first and the start of the second with one reading.
func (r *attemptRun) pop(now time.Time) *nodeAttempt {
	for r.qHead < len(r.queue) && !r.finished {
		a := r.queue[r.qHead]
		r.queue[r.qHead] = nil
		r.qHead++
		if r.qHead == len(r.queue) {
			r.queue, r.qHead = r.queue[:0], 0
		}
		if a.settled {
			continue
		}
		a.started, a.startOff = true, r.stamp(now).Sub(r.t0)
		e := r.g.nodes[a.v]
		if e.timeout > 0 {
			r.arm(a)
		}
		if r.g.early {
			e.view.Store(viewSet | viewRunning | uint32(a.n))
		}
		if r.cfg.observer != nil {
			r.nodeEvent(NodeStarted, a.v, int(a.n), InProgress, nil, a.start(), 0, 0)
		}
		return a
	}
	return nil
}

// arm gives attempt a its node deadline.
func (r *attemptRun) arm(a *nodeAttempt) {
	e := r.g.nodes[a.v]
	ctx, cancel := context.WithTimeoutCause(r.ctx, e.timeout, nodeTimeout{&Error{Status: TimedOut,
		Msg: fmt.Sprintf("node %q timed out after %v (attempt %d)", e.name, e.timeout, a.n)}})
	a.dl = &deadline{ctx: ctx, cancel: cancel}
	a.dl.stop = context.AfterFunc(ctx, func() { r.onDeadline(ctx, a) })
}

// wake reports whether a new worker must be started: attempts are queued
// and no started worker is on its way to pop them. Every worker that pops
// checks again, so a queue of any length is drained by a chain of workers
// each starting the next, none waiting for a busy node's goroutine, while
// quick nodes let the workers that finish them take the queue themselves.
// Called with r.mu held; the caller starts the worker after unlocking.
func (r *attemptRun) wake() bool {
	if r.finished || r.searching > 0 || r.qHead == len(r.queue) {
		return false
	}
	r.searching++
	return true
}

func (r *attemptRun) spawnIf(more bool) {
	if more {
		go r.worker()
	}
}

// onDeadline settles an attempt whose node timeout passed, without waiting
// for its logic to return.
func (r *attemptRun) onDeadline(ctx context.Context, a *nodeAttempt) {
	cause, ok := context.Cause(ctx).(nodeTimeout)
	if !ok {
		return // the workflow ended or was cancelled; finish handles it
	}
	now := time.Now()
	r.mu.Lock()
	rec := a.recordOf(cause.err, false, now)
	r.settle(a.v, a, &rec, cause.err)
	more := r.wake()
	r.mu.Unlock()
	r.spawnIf(more)
}

// worker runs queued attempts until the queue is empty. Node logic always
// runs on a worker, never on the scheduler's caller.
func (r *attemptRun) worker() {
	now := time.Now()
	r.mu.Lock()
	r.searching--
	a := r.pop(now)
	more := r.wake()
	r.mu.Unlock()
	r.spawnIf(more)
	r.work(a)
}

// work runs attempt a, then the queued attempts it pops. Logic, a hook or
// a middleware that calls runtime.Goexit (t.FailNow in a test helper)
// ends this goroutine in the middle of an attempt: the deferred call
// then settles that attempt FAILED and hands the queue to a new
// goroutine, so the run goes on. A panic never gets there (the attempt
// recovers it), and a loop that ends normally leaves a nil. One defer per
// goroutine, not per attempt: the loop is the scheduler's hot path
// (BenchmarkRun; see BENCHMARKS.md, "Round 2").
func (r *attemptRun) work(a *nodeAttempt) {
	defer func() {
		if a != nil {
			if next := r.settleRun(a, a.goexitError(), false); next != nil {
				go r.work(next)
			}
		}
	}()
	for a != nil {
		var err error
		if r.mw {
			err = a.callChain(a.ctx())
		} else {
			err = a.attempt(a.ctx())
		}
		if ctx := a.ctx(); ctx.Err() != nil {
			if cause, ok := context.Cause(ctx).(nodeTimeout); ok {
				err = cause.err // the deadline passed before the logic returned
			}
		}
		now := time.Now()
		rec := a.recordOf(err, true, now) // composed outside the lock
		r.mu.Lock()
		r.settle(a.v, a, &rec, err)
		a = r.pop(now)
		more := r.wake()
		r.mu.Unlock()
		r.spawnIf(more)
	}
}

// settleRun settles attempt a, ended by its worker with err, and pops the
// next queued attempt: work's loop body, for an attempt ended by
// runtime.Goexit. own says a's goroutine finished writing its output.
func (r *attemptRun) settleRun(a *nodeAttempt, err error, own bool) *nodeAttempt {
	if ctx := a.ctx(); ctx.Err() != nil {
		if cause, ok := context.Cause(ctx).(nodeTimeout); ok {
			err = cause.err // the deadline passed before the logic returned
		}
	}
	now := time.Now()
	rec := a.recordOf(err, own, now) // composed outside the lock
	r.mu.Lock()
	r.settle(a.v, a, &rec, err)
	next := r.pop(now)
	more := r.wake()
	r.mu.Unlock()
	r.spawnIf(more)
	return next
}

// goexitError is the error of an attempt whose goroutine called
// runtime.Goexit before the attempt ended.
func (a *nodeAttempt) goexitError() error {
	return &Error{Status: Failed, Msg: fmt.Sprintf("node %q attempt %d: runtime.Goexit was called (t.FailNow, t.SkipNow "+
		"or t.Fatal in a test helper?) before the attempt ended; its remaining hooks did not run", a.r.g.nodes[a.v].name, a.n)}
}

// callChain runs the attempt through the run's middleware.
func (a *nodeAttempt) callChain(ctx context.Context) (err error) {
	defer a.recover("middleware", &err)
	e := a.r.g.nodes[a.v]
	return a.r.chain(ctx, Attempt{RunID: a.r.cfg.runID, Workflow: a.r.g.name, Node: e.name, Number: int(a.n),
		MaxAttempts: e.retries + 1, Impl: e.node.impl(), a: a})
}

// attempt runs the node's hooks and logic: OnStart, Logic, OnSuccess or
// OnFailure, OnFinish. A panic in any of them becomes the attempt's error.
func (a *nodeAttempt) attempt(ctx context.Context) error {
	e := a.r.g.nodes[a.v]
	var h hookSet
	if e.run.hasHooks {
		h = hooksOf(e.node.impl())
	}
	var err error
	if h.start != nil {
		err = a.callStart(ctx, h.start)
	}
	if err == nil {
		err = a.callLogic(ctx, e)
		if err == nil && ctx.Err() != nil {
			if cause, ok := context.Cause(ctx).(nodeTimeout); ok {
				err = cause.err
			}
		}
	}
	if err == nil && h.success != nil {
		err = a.callSuccess(ctx, h.success)
	}
	if err != nil && h.failure != nil {
		if herr := a.callFailure(ctx, h.failure, err); herr != nil {
			err = herr
		}
	}
	if h.finish != nil {
		if herr := a.callFinish(ctx, h.finish); herr != nil {
			err = herr
		}
	}
	return err
}

func (a *nodeAttempt) callLogic(ctx context.Context, e *nodeEntry) (err error) {
	defer a.recover("Logic", &err)
	return e.node.run(ctx, a)
}

func (a *nodeAttempt) callStart(ctx context.Context, h startHook) (err error) {
	defer a.recover("OnStart hook", &err)
	h.OnStart(ctx)
	return nil
}

func (a *nodeAttempt) callSuccess(ctx context.Context, h successHook) (err error) {
	defer a.recover("OnSuccess hook", &err)
	h.OnSuccess(ctx)
	return nil
}

func (a *nodeAttempt) callFailure(ctx context.Context, h failureHook, failed error) (err error) {
	defer a.recover("OnFailure hook", &err)
	h.OnFailure(ctx, failed)
	return nil
}

func (a *nodeAttempt) callFinish(ctx context.Context, h finishHook) (err error) {
	defer a.recover("OnFinish hook", &err)
	h.OnFinish(ctx)
	return nil
}

// recover turns a panic into a *PanicError in *err. Deferred directly.
func (a *nodeAttempt) recover(where string, err *error) {
	if p := recover(); p != nil {
		pe := &PanicError{Where: where, Value: p, Stack: debug.Stack()}
		a.logger().Debug("recovered panic", "where", where, "panic", fmt.Sprint(p), "stack", string(pe.Stack))
		*err = pe
	}
}

// settle records the end of attempt a of node v. Called with r.mu held; the
// first caller wins and later ones (a late goroutine after a timeout) are
// ignored. rec is the attempt's record, composed by the caller.
func (r *attemptRun) settle(v int32, a *nodeAttempt, rec *NodeExecution, err error) {
	if a.settled || r.stopped(r.ctx) {
		return
	}
	e := r.g.nodes[v]
	ns := &e.run
	status := rec.Status
	r.record(e, a, rec, err)
	ns.cur = nil
	r.running--
	if status != Completed && int(a.n) <= e.retries && r.ctx.Err() == nil && e.retryable(status, err) {
		r.retry(v, a, status, err)
		return
	}
	r.nodeDone(v, status, err)
	if !r.finished {
		r.pump()
		if r.final == len(r.g.nodes) {
			r.finish(Completed, nil, Completed, nil)
		}
	}
}

// record appends the attempt's execution to the node and the workflow
// execution. Output is kept only when the attempt's goroutine has finished
// writing it, i.e. not for attempts ended by a deadline or a cancellation.
func (r *attemptRun) record(e *nodeEntry, a *nodeAttempt, rec *NodeExecution, err error) {
	if end := r.stamp(rec.End); end != rec.End {
		rec.End, rec.Duration = end, Duration(end.Sub(rec.Start))
	}
	a.settled = true
	if a.dl != nil {
		a.dl.stop()
		a.dl.cancel()
	}
	if len(e.recs) == 0 {
		r.ran++
		// First attempts' records fill one array in the order they end:
		// consecutive writes, not one cache miss per node.
		r.recs[r.ran-1] = *rec
		e.recs = r.recs[r.ran-1 : r.ran : r.ran]
	} else {
		e.recs = append(e.recs, *rec)
	}
	if err != nil {
		if e.errs == nil {
			e.errs = new([]error)
		}
		for len(*e.errs) < len(e.recs)-1 {
			*e.errs = append(*e.errs, nil)
		}
		*e.errs = append(*e.errs, err)
	}
}

// stamp returns t, a clock reading for an event of the run, or the run's
// latest stamp if that is later. Workers read the clock before taking the
// scheduler's lock, and may then wait for it; stamping every reading under
// the lock keeps the run's times in the order of its events: a child starts
// no earlier than its parents end, a retry no earlier than the attempt
// before it, and observer events never go back in time. A stamp is never
// later than the moment the lock was taken. Called with r.mu held.
func (r *attemptRun) stamp(t time.Time) time.Time {
	if d := t.Sub(r.t0); d > r.clock {
		r.clock = d
		return t
	}
	return r.t0.Add(r.clock)
}

// recordOf is attempt a's record if it ends at end with err. own says the
// caller is the attempt's goroutine, done with its output. It reads only
// what was fixed when the attempt started, so the worker composes it
// before taking the scheduler's lock.
func (a *nodeAttempt) recordOf(err error, own bool, end time.Time) NodeExecution {
	start := a.start()
	rec := NodeExecution{Attempt: int(a.n), Start: start, End: end, Duration: Duration(end.Sub(start)),
		Status: StatusOf(err), Error: errorInfo(err)}
	if own && !a.r.g.nodes[a.v].run.noOutput {
		rec.Output = a.out
	}
	return rec
}

// retry schedules node v's next attempt after its retry delay.
func (r *attemptRun) retry(v int32, a *nodeAttempt, status Status, err error) {
	e := r.g.nodes[v]
	delay := retryDelay(e.retryDelay, e.backoff, int(a.n))
	if e.jitter {
		delay = r.cfg.draw(delay)
	}
	if r.g.early {
		e.view.Store(viewSet | uint32(a.n)) // waiting for attempt a.n+1
	}
	if r.cfg.observer != nil {
		r.nodeEvent(NodeRetrying, v, int(a.n), status, err, r.stamp(time.Now()), 0, delay)
	}
	if delay <= 0 {
		r.enqueue(v)
		r.pump()
		return
	}
	r.pump() // the slot it held is free while it waits
	r.timers++
	e.timer = time.AfterFunc(delay, func() {
		r.mu.Lock()
		if !r.finished {
			e.timer = nil
			r.timers--
			r.stamp(time.Now()) // the retry starts no earlier than now
			r.enqueue(v)
			r.pump()
		}
		more := r.wake()
		r.mu.Unlock()
		r.spawnIf(more)
	})
}

// nodeDone handles a node's final status: group failure, then its edges.
func (r *attemptRun) nodeDone(v int32, status Status, err error) {
	e := r.g.nodes[v]
	r.final++
	if r.g.early {
		e.view.Store(viewSet | viewFinal) // before any condition reads e
	}
	if r.cfg.observer != nil {
		last := e.recs[len(e.recs)-1]
		r.nodeEvent(NodeFinished, v, last.Attempt, status, err, last.End, time.Duration(last.Duration), 0)
	}
	if status != Completed && !e.continueOnFailure {
		groups := r.g.groupsOf(v)
		if len(r.g.groups) == 0 {
			groups = []int32{0}
		}
		for _, gi := range groups {
			if !r.groupFailed[gi] {
				r.groupFailed[gi] = true
				r.groupsAlive--
			}
		}
		if len(groups) > 0 && r.groupsAlive == 0 {
			if err == nil {
				err = &Error{Status: status, Msg: fmt.Sprintf("node %q ended %s", e.name, status)}
			}
			r.finish(status, err, Cancelled, &Error{Status: Cancelled,
				Msg: fmt.Sprintf("cancelled: every execution group has failed (last: node %q)", e.name)})
			return
		}
	}
	var skipped []int32
	var condErr error
	for _, oe := range r.out[r.outStart[v]:r.outStart[v+1]] {
		allow := true
		switch oe.how {
		case plainEdge:
		case onSuccessEdge:
			allow = status == Completed
		default:
			var perr error
			if allow, perr = r.evalCond(v, oe); perr != nil && condErr == nil {
				condErr = perr
			}
		}
		w := r.wait[oe.to]
		if w < 0 { // a trigger rule, or a restored node
			switch r.count(w, engine.OutcomeOf(allow, status == Completed)) {
			case engine.Run:
				r.enqueue(oe.to)
			case engine.Skip:
				skipped = append(skipped, oe.to)
			}
			continue
		}
		w--
		if !allow {
			w |= blocked
		}
		r.wait[oe.to] = w
		switch w {
		case 0:
			r.enqueue(oe.to)
		case blocked:
			skipped = append(skipped, oe.to)
		}
	}
	if condErr != nil {
		r.finish(Failed, condErr, Cancelled, &Error{Status: Cancelled, Msg: "cancelled: an edge condition panicked"})
		return
	}
	r.skip(skipped)
}

// evalCond calls an edge's condition. A panic is a bug in the workflow: it
// fails the attempt (see nodeDone) rather than silently skipping.
func (r *attemptRun) evalCond(from int32, oe outEdge) (ok bool, err error) {
	return r.g.evalCond(from, oe.to, oe.how, r.input)
}

// evalCond calls the condition of the conditional edge from → to, whose
// edgeHow is how, with the run's input, turning a panic into a
// *PanicError.
func (g *graph) evalCond(from, to int32, how edgeHow, input any) (ok bool, err error) {
	c := &g.conds[how]
	defer func() {
		if p := recover(); p != nil {
			where := fmt.Sprintf("condition %q of edge %q → %q", c.label, g.nodes[from].name, g.nodes[to].name)
			ok, err = false, &PanicError{Where: where, Value: p, Stack: debug.Stack()}
		}
	}()
	return c.eval(input), nil
}

// skip marks nodes that can never start, and everything that then can't;
// a child whose trigger rule runs it whatever its parents (all_done,
// none_failed, …) may become ready instead.
func (r *attemptRun) skip(stack []int32) {
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		e := r.g.nodes[v]
		r.final++
		r.exec.Skipped = append(r.exec.Skipped, e.name)
		if r.cfg.observer != nil {
			r.nodeEvent(NodeSkipped, v, 0, Unknown, nil, r.stamp(time.Now()), 0, 0)
		}
		for _, oe := range r.out[r.outStart[v]:r.outStart[v+1]] {
			w := r.wait[oe.to]
			if w < 0 {
				switch r.count(w, engine.Skipped) {
				case engine.Run:
					r.enqueue(oe.to)
				case engine.Skip:
					stack = append(stack, oe.to)
				}
				continue
			}
			w = (w - 1) | blocked
			r.wait[oe.to] = w
			if w == blocked {
				stack = append(stack, oe.to)
			}
		}
	}
}

// stopped ends the attempt if its workflow context is done (timeout or
// cancellation), whoever notices first: the waiting caller, or a node that
// returned because of it — whose own error must not decide the status.
// Called with r.mu held; it reports whether the attempt is over.
func (r *attemptRun) stopped(ctx context.Context) bool {
	if r.finished {
		return true
	}
	if ctx.Err() == nil { // an atomic load; Cause takes the context's lock
		return false
	}
	cause := context.Cause(ctx)
	if cause == nil {
		return false
	}
	if _, own := cause.(nodeTimeout); own {
		return false
	}
	st, err := stopCause(ctx)
	r.finish(st, err, st, err)
	return true
}

// nodeEvent tells the observer about node v. Kept out of line: an Event is
// large, and the hot paths should not carry one in their stack frames.
//
//go:noinline
func (r *attemptRun) nodeEvent(kind EventKind, v int32, attempt int, status Status, err error, t time.Time, d, delay time.Duration) {
	r.cfg.observer(Event{Kind: kind, Time: t, RunID: r.cfg.runID, Workflow: r.g.name, WorkflowAttempt: r.number,
		Node: r.g.nodes[v].name, Attempt: attempt, Status: status, Err: err, Duration: d, Delay: delay})
}

// finish ends the attempt: running nodes are recorded with stopStatus and
// their contexts cancelled, pending retries dropped. Called with r.mu held.
func (r *attemptRun) finish(status Status, err error, stopStatus Status, stopErr error) {
	if r.finished {
		return
	}
	for v, e := range r.g.nodes {
		if r.running == 0 && r.timers == 0 {
			break // nothing left to stop: a run that completes skips the walk
		}
		if e.timer != nil {
			r.timers--
			e.timer.Stop()
			e.timer = nil
		}
		ns := &e.run
		if a := ns.cur; a != nil && !a.settled && !a.started {
			// Launched but never started: not an execution.
			a.settled = true
			ns.cur = nil
			r.running--
			continue
		}
		if a := ns.cur; a != nil && !a.settled {
			rec := a.recordOf(stopErr, false, time.Now())
			rec.Status = stopStatus
			r.record(e, a, &rec, stopErr)
			ns.cur = nil
			r.running--
			if r.cfg.observer != nil {
				last := e.recs[len(e.recs)-1]
				r.nodeEvent(NodeFinished, int32(v), int(a.n), stopStatus, stopErr, last.End, time.Duration(last.Duration), 0)
			}
		}
	}
	r.finished = true
	if r.g.early { // every record is written: Last reads them from now on
		for _, e := range r.g.nodes {
			e.view.Store(viewSet | viewFinal)
		}
	}
	r.exec.Status, r.exec.err = status, err
	r.cancel(stopErr)
	close(r.done)
}
