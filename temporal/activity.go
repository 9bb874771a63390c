package temporal

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/spec/engine"
	"github.com/fluxly-go/fluxly/runtime"
)

// nodeActivity returns the activity running attempts of the node named
// name: on any worker, a fresh stepper from the input document, the
// node's upstream records restored, one attempt — hooks, middleware,
// logic, node timeout — exactly as the local runtime makes it.
func (f *flow) nodeActivity(name string) func(context.Context, nodeInput) (nodeResult, error) {
	return func(ctx context.Context, in nodeInput) (nodeResult, error) {
		defer heartbeat(ctx, f.set.heartbeatTimeout)()
		out, err := f.attemptNode(ctx, name, in)
		if stopped(ctx) {
			// The worker is stopping and cancelled the attempt: another
			// worker makes the next one, if the node's retries allow.
			return nodeResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("node %q attempt %d: the worker running it stopped before the attempt ended", name, in.Attempt), errWorkerLost, nil)
		}
		if err != nil {
			return nodeResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("node %q attempt %d cannot run on this worker: %v", name, in.Attempt, err), errTemporal, nil)
		}
		h, err := headOf(out.Record)
		if err != nil {
			return nodeResult{}, err
		}
		if h.Status == runtime.Completed {
			return out, nil
		}
		msg := h.Status.String()
		if h.Error != nil {
			msg = h.Error.Message
		}
		// A failed attempt is an application error typed by its status,
		// non-retryable when its error is permanent or its status is
		// (Temporal shows which); the workflow decides about retries, so
		// Temporal never retries it (the activity's retry policy allows
		// one attempt).
		return nodeResult{}, temporal.NewApplicationErrorWithOptions(msg, h.Status.String(), temporal.ApplicationErrorOptions{
			NonRetryable: out.NonRetryable, Details: []any{out}, Category: temporal.ApplicationErrorCategoryBenign})
	}
}

func (f *flow) attemptNode(ctx context.Context, name string, in nodeInput) (nodeResult, error) {
	s, err := f.stepper(in.Input, in.RunID, in.WorkflowAttempt)
	if err != nil {
		return nodeResult{}, err
	}
	index := nodeIndex(s.Graph())
	v, ok := index[name]
	if !ok {
		return nodeResult{}, fmt.Errorf("the workflow of endpoint %q has no node %q here (workers of another version?)", f.ep.Name(), name)
	}
	if err := restore(s, index, in.Upstream); err != nil {
		return nodeResult{}, err
	}
	res, err := s.Attempt(ctx, v, in.Attempt)
	if err != nil {
		return nodeResult{}, err
	}
	out := nodeResult{Record: res.Record, NonRetryable: res.NonRetryable}
	if len(out.Record) > f.set.maxPayload {
		out = nodeResult{Record: tooLarge(name, out.Record, f.set.maxPayload), NonRetryable: true}
	}
	return out, nil
}

// tooLarge is the record of an attempt whose record is over the payload
// limit: its output dropped, INFRASTRUCTURE_ERROR with an error naming
// the node.
func tooLarge(node string, rec json.RawMessage, limit int) json.RawMessage {
	var r runtime.NodeExecution
	_ = json.Unmarshal(rec, &r)
	out := 0
	if raw, ok := r.Output.(json.RawMessage); ok {
		out = len(raw)
	}
	r.Output, r.Status = nil, runtime.InfrastructureError
	r.Error = &runtime.ErrorInfo{Type: errPayloadTooLarge, Message: fmt.Sprintf("node %q attempt %d: its record is %d bytes as JSON "+
		"(its output %d), over temporal.Options.MaxPayloadBytes (%d), the most Temporal carries in one payload; keep large data out of "+
		"node outputs (store it and pass a reference)", node, r.Attempt, len(rec), out, limit)}
	b, err := json.Marshal(&r)
	if err != nil {
		panic(err) // a NodeExecution without output always encodes
	}
	return b
}

// hooksActivity runs the workflow's own hooks for one attempt: OnStart,
// or OnSuccess, OnFailure and OnFinish in the local runtime's order.
func (f *flow) hooksActivity() func(context.Context, hookInput) (hookResult, error) {
	return func(ctx context.Context, in hookInput) (hookResult, error) {
		defer heartbeat(ctx, f.set.heartbeatTimeout)()
		s, err := f.stepper(in.Input, in.RunID, in.WorkflowAttempt)
		if err != nil {
			return hookResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("the workflow hooks cannot run on this worker: %v", err), errCannotRun, nil)
		}
		if err := restore(s, nodeIndex(s.Graph()), in.Records); err != nil {
			return hookResult{}, temporal.NewNonRetryableApplicationError(err.Error(), errCannotRun, nil)
		}
		wf := s.Graph().Workflow
		call := func(hook string, failure error) error {
			return guard(fmt.Sprintf("workflow %q %s hook", wf, hook), func() error { return s.WorkflowHook(ctx, hook, failure) })
		}
		switch in.Phase {
		case hooksStart:
			if err := call("OnStart", nil); err != nil {
				return hookResult{Status: runtime.Failed, Error: errorInfo(err)}, nil
			}
			return hookResult{Status: runtime.Completed}, nil
		case hooksEnd:
			out := hookResult{Status: in.Status, Error: in.Error}
			failed := failure(in.Status, in.Error)
			if failed == nil {
				if err := call("OnSuccess", nil); err != nil {
					out, failed = hookResult{Status: runtime.Failed, Error: errorInfo(err)}, err
				}
			}
			if failed != nil {
				if err := call("OnFailure", failed); err != nil {
					out = hookResult{Status: runtime.Failed, Error: errorInfo(err)}
				}
			}
			if err := call("OnFinish", nil); err != nil {
				out = hookResult{Status: runtime.Failed, Error: errorInfo(err)}
			}
			return out, nil
		}
		return hookResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("unknown hook phase %q", in.Phase), errCannotRun, nil)
	}
}

// stepper decodes the input document again and builds a fresh stepper:
// one constructor call, the endpoint's middleware, node logs to the
// worker's logger.
func (f *flow) stepper(doc json.RawMessage, runID string, workflowAttempt int) (engine.Stepper, error) {
	in, err := decodeDocument(f.ep, doc)
	if err != nil {
		return nil, fmt.Errorf("decoding the input of endpoint %q: %w", f.ep.Name(), err)
	}
	return stepperOf(in, runID, workflowAttempt, f.log)
}

func stepperOf(in *endpoint.Input, runID string, workflowAttempt int, log *slog.Logger) (engine.Stepper, error) {
	cfg := engine.Config{RunID: runID, WorkflowAttempt: workflowAttempt}
	if log != nil {
		cfg.Options = []any{runtime.WithLogger(log)}
	}
	return in.Stepper(cfg)
}

func nodeIndex(g *engine.Graph) map[string]int {
	index := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n.Name] = i
	}
	return index
}

// restore restores records by node name.
func restore(s engine.Stepper, index map[string]int, recs map[string][]json.RawMessage) error {
	for name, rs := range recs {
		u, ok := index[name]
		if !ok {
			return fmt.Errorf("records of node %q, which the workflow %q has not here (workers of another version?)", name, s.Graph().Workflow)
		}
		if err := s.Restore(u, rs); err != nil {
			return err
		}
	}
	return nil
}

// guard runs a hook on a goroutine of its own, so that runtime.Goexit in
// it (t.FailNow in a test helper) fails the hook instead of the activity.
func guard(what string, fn func() error) error {
	done := make(chan error, 1)
	go func() {
		exited := true
		defer func() {
			if exited {
				done <- &runtime.Error{Status: runtime.Failed, Msg: what + ": runtime.Goexit was called before it returned"}
			}
		}()
		err := fn()
		exited = false
		done <- err
	}()
	return <-done
}

// heartbeat records the activity's heartbeat four times per timeout
// until the returned function is called; the SDK sends at most one per
// 80% of the timeout. A worker that stops (SIGKILL) stops them, and
// Temporal gives the attempt up after the timeout. The first beat waits
// a quarter of the timeout: an attempt shorter than that (most) costs no
// heartbeat round trip at all.
func heartbeat(ctx context.Context, timeout time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(max(timeout/4, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
