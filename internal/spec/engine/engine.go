// Package engine is the bridge between package runtime and an engine that
// runs a workflow's nodes somewhere else than the local scheduler — the
// Temporal integration, which runs each node as an activity on any worker
// while a deterministic workflow function walks the graph. Package runtime
// registers its implementation in its init, as it does for internal/spec,
// so users never see these types.
//
// # Contract
//
// The engine gets the same statuses, per-node records and outputs as a
// local run of the same workflow with the same input, by splitting the
// local scheduler in two:
//
//   - A [Walker] decides which nodes are ready, which are skipped, and
//     when the workflow ends with which status: edges, conditional edges,
//     on-success edges, trigger rules, execution groups (the workflow
//     stops, and the nodes in flight are cancelled, once every group has
//     failed), ContinueOnFailure, and skip propagation, exactly like the
//     local scheduler. It is a pure state machine (no goroutines, clocks
//     or randomness): run it in the workflow function. Feed it each
//     node's final status with [Walker.Finish], in the order the engine
//     learns them; each conditional edge is evaluated, through the
//     [CondFunc] given, at the moment its source finishes.
//   - A [Stepper], built by [New] from a workflow constructor's result,
//     gives the [Graph] the walker needs, evaluates a conditional edge
//     ([Stepper.Condition]), restores a node's records from JSON
//     ([Stepper.Restore]), and runs ONE attempt of one node
//     ([Stepper.Attempt]) — hooks, middleware, logic, node timeout, panic
//     and runtime.Goexit recovery — returning its record as JSON, the
//     encoding of runtime.NodeExecution, which Restore takes back.
//
// A typical engine: the workflow function calls New with the input and
// the constructor's workflow, makes a walker of its Graph, calls Start,
// and for every ready node schedules an activity. The activity, on any
// worker, calls New again (fresh node instances), restores the records of
// every node that has finished so far (at least the node's ancestors:
// node logic reads them through Last), and calls Attempt. Back in the
// workflow function, the returned record is restored into the workflow's
// stepper (conditions read upstream outputs from it) and, once the node's
// last attempt is known, reported to the walker with Finish. The
// workflow's own hooks run through [Stepper.WorkflowHook], in activities,
// before Start and once the walker is over. Resuming a run is the same
// mechanism: restore the earlier run's COMPLETED records and pass their
// nodes to Start.
//
// Two pieces of user code run in the workflow function: the constructor
// (through New) and the edge conditions (through Condition). Both must be
// deterministic — a constructor that only builds the graph, conditions
// that read only the input and upstream outputs — which is what the
// local runtime asks of them too (conditions quick, never blocking).
//
// The walker reports the end (Step.Over) with the workflow's status; the
// workflow's timeout and cancellation, and the concurrency limit
// (Graph.MaxConcurrency), are the engine's to enforce, as the local
// scheduler enforces them.
//
// # Retries
//
// Retries are the caller's. [Node.Retry] maps onto a Temporal retry
// policy field by field: MaximumAttempts = 1 + retries, InitialInterval =
// the retry delay, BackoffCoefficient = the backoff factor (1 without
// backoff), MaximumInterval = the backoff cap (0: none). An attempt whose
// error is permanent (runtime.Permanent) or whose status is in
// NonRetryableStatuses must not be retried: [AttemptResult.NonRetryable]
// says so (return a non-retryable application error), and listing the
// status names as NonRetryableErrorTypes covers application errors typed
// by status name. Temporal retry policies have no jitter: a node with
// Jitter either accepts Temporal's fixed schedule or is retried by the
// workflow function itself, waiting a delay drawn in [0, [RetryPolicy.Delay]]
// from a deterministic source between attempts.
//
// # Records and inputs
//
// Records are the JSON of runtime.NodeExecution. Restore decodes outputs
// into the node's typed *O and errors into a *runtime.Error with the
// recorded status and message (the original error value does not cross
// the boundary).
//
// A runtime.Secret encodes as "***", so json.Marshal of a decoded input
// loses its secrets: give New the typed input, decoded on the worker (the
// app's input codec decodes the checked input document, with its defaults
// and durations such as "30s"), or JSON that is Go's encoding of the input
// with the real values (New decodes it with encoding/json alone). An
// output holding a Secret likewise crosses the boundary as "***". Keep
// secrets out of outputs, and out of an engine's history (Temporal: a
// payload codec that encrypts).
//
// Nodes, edges and groups are identified by their index in Graph's
// slices: nodes and edges in the order the workflow added them.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Graph is what the walker needs of a workflow, and what an engine needs
// to schedule its nodes.
type Graph struct {
	Workflow       string
	Version        string
	MaxConcurrency int // 0: no limit; an engine may honour it by delaying Ready nodes
	Nodes          []Node
	Edges          []Edge
	Groups         [][]int // execution groups: node indexes; none means all nodes form one
}

// Node is one node of a Graph.
type Node struct {
	Name              string
	Rule              Rule
	ContinueOnFailure bool
	Timeout           time.Duration // each attempt's, enforced by Stepper.Attempt; 0: none
	Retry             RetryPolicy
}

// RetryPolicy is a node's retries, named after Temporal's retry policy.
type RetryPolicy struct {
	MaximumAttempts    int           // 1 + the node's retries
	InitialInterval    time.Duration // the wait before the first retry
	BackoffCoefficient float64       // the backoff factor, 1 without backoff
	MaximumInterval    time.Duration // the backoff cap; 0: none
	Jitter             bool          // each wait is drawn uniformly in [0, Delay(k)]
	// NonRetryableStatuses are the status names that end the node's
	// attempts at once.
	NonRetryableStatuses []string
}

// Delay is the wait before retry k (1-based), before any jitter.
func (p RetryPolicy) Delay(k int) time.Duration {
	return BackoffDelay(p.InitialInterval, p.BackoffCoefficient, p.MaximumInterval, k)
}

// EdgeKind is a runtime.EdgeKind.
type EdgeKind uint8

// Edge kinds, with runtime.EdgeKind's values.
const (
	Plain EdgeKind = iota
	Conditional
	OnSuccess
)

// Edge is one edge of a Graph.
type Edge struct {
	From, To int
	Kind     EdgeKind
	Label    string
}

// Config is what a stepper needs beyond the workflow and its input.
type Config struct {
	RunID           string // Exec.RunID and the logger's run_id
	WorkflowAttempt int    // 1-based; 0 means 1
	// Options are runtime.RunOption values: WithLogger and WithMiddleware
	// apply; options that only the local scheduler reads are ignored.
	Options []any
}

// AttemptResult is one attempt of one node.
type AttemptResult struct {
	// Record is the attempt's runtime.NodeExecution as JSON.
	Record json.RawMessage
	// Status is the attempt's status, a runtime.Status value.
	Status int
	// NonRetryable says no further attempt may follow whatever the retry
	// budget: the error is permanent or the status non-retryable. It is
	// false for a COMPLETED attempt.
	NonRetryable bool
}

// Stepper runs one workflow's pieces one at a time. It is not safe for
// concurrent use.
type Stepper interface {
	// Graph describes the workflow; the walker takes it. Callers must not
	// change it.
	Graph() *Graph
	// Restore replaces node's records with records, each the JSON of one
	// runtime.NodeExecution, oldest first (nil: none). Outputs are decoded
	// into the node's typed *O; an output that does not decode is an error
	// naming the node.
	Restore(node int, records []json.RawMessage) error
	// Condition evaluates conditional edge edge now, against the input
	// and the restored records. A panic in the condition is returned as
	// an error (a *runtime.PanicError).
	Condition(edge int) (bool, error)
	// Attempt runs attempt number attempt (1-based) of node: its hooks,
	// the middleware, its logic, within its timeout, recovering panics and
	// runtime.Goexit. The context's cancellation ends the attempt
	// CANCELLED without waiting for logic that ignores it; the node
	// timeout ends it TIMED_OUT. The node's restored records are left as
	// they are: restore the returned record to make it visible.
	Attempt(ctx context.Context, node, attempt int) (AttemptResult, error)
	// WorkflowHook runs the workflow's hook named hook ("OnStart",
	// "OnSuccess", "OnFailure" with failure, "OnFinish") if the workflow
	// has it, and returns its failure: a panic, as a *runtime.PanicError.
	// The local scheduler runs OnStart before any node (its failure fails
	// the attempt and no node runs); once the attempt has ended, OnSuccess
	// if it completed; then OnFailure with the attempt's error if it has
	// one, including the failure of OnSuccess; then OnFinish. A hook's
	// failure makes the attempt FAILED with that error. Hooks are user
	// code: run them where node logic runs (an activity), not in a
	// deterministic workflow function.
	WorkflowHook(ctx context.Context, hook string, failure error) error
}

var build func(wf, input any, cfg Config) (Stepper, bool, error)

// Register is called once, by package runtime's init.
func Register(fn func(wf, input any, cfg Config) (s Stepper, ok bool, err error)) { build = fn }

// ErrNotWorkflow is returned by New for a value that is not a
// *runtime.Workflow[I].
var ErrNotWorkflow = errors.New("not a *runtime.Workflow")

// New builds a stepper for wf, a *runtime.Workflow[I] as its constructor
// returns it (one constructor call per stepper: the stepper owns its
// nodes). input is the workflow input: a *I or an I, used as is, or JSON
// ([]byte or json.RawMessage) decoded into an I; nil is the zero value.
// The error is the workflow's graph errors, ErrNotWorkflow, or a problem
// with input or cfg.
func New(wf, input any, cfg Config) (Stepper, error) {
	if build == nil {
		return nil, errors.New("engine: package runtime is not linked")
	}
	s, ok, err := build(wf, input, cfg)
	if !ok {
		return nil, ErrNotWorkflow
	}
	return s, err
}
