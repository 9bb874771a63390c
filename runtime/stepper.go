package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fluxly-go/fluxly/internal/spec/engine"
)

// An engine that runs nodes elsewhere (the Temporal integration) reaches
// a workflow through internal/spec/engine, which this package fills: see
// that package's documentation for the contract.
func init() {
	engine.Register(func(wf, input any, cfg engine.Config) (engine.Stepper, bool, error) {
		b, ok := wf.(stepperMaker)
		if !ok {
			return nil, false, nil
		}
		s, err := b.stepper(input, cfg)
		return s, true, err
	})
}

// stepperMaker is implemented by every *Workflow[I].
type stepperMaker interface {
	stepper(input any, cfg engine.Config) (engine.Stepper, error)
}

var _ stepperMaker = (*Workflow[struct{}])(nil)

// stepper runs one workflow's conditions and node attempts one at a time,
// for an engine.
type stepper struct {
	g      *graph
	input  any // the *I
	cfg    runConfig
	number int
	graph  *engine.Graph
}

func (w *Workflow[I]) stepper(input any, ecfg engine.Config) (engine.Stepper, error) {
	if w == nil || w.g == nil {
		return nil, errors.New("nil *runtime.Workflow")
	}
	if err := w.Err(); err != nil {
		return nil, err
	}
	in := new(I)
	switch v := input.(type) {
	case nil:
	case *I:
		if v != nil {
			*in = *v
		}
	case I:
		*in = v
	case []byte:
		if err := json.Unmarshal(v, in); err != nil {
			return nil, fmt.Errorf("engine input: decoding it as %T: %w", *in, err)
		}
	case json.RawMessage:
		if err := json.Unmarshal(v, in); err != nil {
			return nil, fmt.Errorf("engine input: decoding it as %T: %w", *in, err)
		}
	default:
		return nil, fmt.Errorf("engine input: a %T, not a *%T or JSON", input, *in)
	}
	s := &stepper{g: w.g, input: in, number: max(ecfg.WorkflowAttempt, 1)}
	for _, o := range ecfg.Options {
		opt, ok := o.(RunOption)
		if !ok {
			return nil, fmt.Errorf("engine option: a %T, not a runtime.RunOption", o)
		}
		if opt != nil {
			opt(&s.cfg)
		}
	}
	if ecfg.RunID != "" {
		s.cfg.runID = ecfg.RunID
	}
	w.g.seal()
	s.graph = w.g.engineGraph()
	return s, nil
}

// engineGraph describes g for the walker.
func (g *graph) engineGraph() *engine.Graph {
	eg := &engine.Graph{Workflow: g.name, Version: g.version, MaxConcurrency: g.maxConcurrency,
		Nodes: make([]engine.Node, len(g.nodes)), Edges: make([]engine.Edge, g.edges.n)}
	for i, e := range g.nodes {
		p := engine.RetryPolicy{MaximumAttempts: e.retries + 1, InitialInterval: e.retryDelay, BackoffCoefficient: 1, Jitter: e.jitter}
		if b := e.backoff; b != nil {
			p.BackoffCoefficient, p.MaximumInterval = b.factor, b.max
		}
		if e.nonRetryable != nil {
			p.NonRetryableStatuses = e.nonRetryable.names()
		}
		eg.Nodes[i] = engine.Node{Name: e.name, Rule: engine.Rule(e.rule), ContinueOnFailure: e.continueOnFailure,
			Timeout: e.timeout, Retry: p}
	}
	for i := range int32(g.edges.n) {
		ed := g.edges.at(i)
		eg.Edges[i] = engine.Edge{From: int(ed.from), To: int(ed.to), Kind: engine.EdgeKind(ed.how.kind()), Label: g.edgeLabel(ed.how)}
	}
	for _, grp := range g.groups {
		members := make([]int, len(grp))
		for i, v := range grp {
			members[i] = int(v)
		}
		eg.Groups = append(eg.Groups, members)
	}
	return eg
}

func (s *stepper) Graph() *engine.Graph { return s.graph }

func (s *stepper) node(i int) (*nodeEntry, error) {
	if i < 0 || i >= len(s.g.nodes) {
		return nil, fmt.Errorf("engine: node %d out of range (the workflow has %d)", i, len(s.g.nodes))
	}
	return s.g.nodes[i], nil
}

func (s *stepper) Restore(node int, records []json.RawMessage) error {
	e, err := s.node(node)
	if err != nil {
		return err
	}
	recs, errs, err := e.restore(records)
	if err != nil {
		return fmt.Errorf("engine: restoring node %q: %w", e.name, err)
	}
	e.recs, e.errs = recs, errs
	return nil
}

// restore decodes records, each a NodeExecution's JSON, with typed
// outputs, and the error values Last gives for them: a *Error with the
// recorded status and message.
func (e *nodeEntry) restore(records []json.RawMessage) ([]NodeExecution, *[]error, error) {
	if len(records) == 0 {
		return nil, nil, nil
	}
	recs := make([]NodeExecution, len(records))
	var errs *[]error
	for i, raw := range records {
		rec := &recs[i]
		if err := json.Unmarshal(raw, rec); err != nil {
			return nil, nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		out, err := e.node.typedOutput(rec.Output)
		if err != nil {
			return nil, nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		rec.Output = out
		if rec.Status != Completed {
			if errs == nil {
				all := make([]error, len(records))
				errs = &all
			}
			msg := rec.Status.String()
			if rec.Error != nil {
				msg = rec.Error.Message
			}
			(*errs)[i] = &Error{Status: rec.Status, Msg: msg}
		}
	}
	return recs, errs, nil
}

func (s *stepper) Condition(edge int) (bool, error) {
	if edge < 0 || edge >= s.g.edges.n {
		return false, fmt.Errorf("engine: edge %d out of range (the workflow has %d)", edge, s.g.edges.n)
	}
	ed := s.g.edges.at(int32(edge))
	if ed.how.kind() != Conditional {
		return false, fmt.Errorf("engine: edge %d (%q → %q) is not conditional", edge, s.g.nodes[ed.from].name, s.g.nodes[ed.to].name)
	}
	return s.g.evalCond(ed.from, ed.to, ed.how, s.input)
}

// attemptEnd is how a stepper's attempt ended: its error, and whether its
// goroutine finished (and its output may be read).
type attemptEnd struct {
	err error
	own bool
}

func (s *stepper) Attempt(ctx context.Context, node, attempt int) (engine.AttemptResult, error) {
	e, err := s.node(node)
	if err != nil {
		return engine.AttemptResult{}, err
	}
	if attempt < 1 {
		return engine.AttemptResult{}, fmt.Errorf("engine: attempt %d of node %q: attempts are numbered from 1", attempt, e.name)
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r := &attemptRun{g: s.g, cfg: &s.cfg, input: s.input, number: s.number, t0: time.Now(), log: discardLogger, ctx: actx, cancel: cancel}
	if s.cfg.logger != nil {
		r.log = s.cfg.logger.With("workflow", s.g.name, "run_id", s.cfg.runID)
	}
	r.chain, r.mw = chain(s.cfg.middleware)
	a := &nodeAttempt{r: r, v: e.idx, n: int32(attempt), started: true}
	if e.timeout > 0 {
		dctx, dcancel := context.WithTimeoutCause(actx, e.timeout, nodeTimeout{&Error{Status: TimedOut,
			Msg: fmt.Sprintf("node %q timed out after %v (attempt %d)", e.name, e.timeout, attempt)}})
		defer dcancel()
		a.dl = &deadline{ctx: dctx, cancel: dcancel}
	}
	done := make(chan attemptEnd, 1)
	go func() {
		exited := true
		defer func() {
			if exited {
				done <- attemptEnd{a.goexitError(), false}
			}
		}()
		var err error
		if r.mw {
			err = a.callChain(a.ctx())
		} else {
			err = a.attempt(a.ctx())
		}
		exited = false
		done <- attemptEnd{err, true}
	}()
	var end attemptEnd
	select {
	case end = <-done:
		if c := a.ctx(); c.Err() != nil {
			if cause, ok := context.Cause(c).(nodeTimeout); ok {
				end.err = cause.err // the deadline passed before the logic returned
			}
		}
	case <-a.ctx().Done():
		// The goroutine is abandoned, as the local scheduler abandons it.
		switch cause := context.Cause(a.ctx()).(type) {
		case nodeTimeout:
			end = attemptEnd{cause.err, false}
		default:
			end = attemptEnd{&Error{Status: Cancelled, Msg: "cancelled: " + cause.Error(), Err: cause}, false}
		}
	}
	rec := a.recordOf(end.err, end.own, time.Now())
	b, err := json.Marshal(&rec)
	if err != nil {
		return engine.AttemptResult{}, fmt.Errorf("engine: encoding the record of node %q: %w", e.name, err)
	}
	return engine.AttemptResult{Record: b, Status: int(rec.Status),
		NonRetryable: rec.Status != Completed && !e.retryable(rec.Status, end.err)}, nil
}

func (s *stepper) WorkflowHook(ctx context.Context, hook string, failure error) error {
	h := s.g.hooks
	var f func()
	switch hook {
	case "OnStart":
		if h.start != nil {
			f = func() { h.start.OnStart(ctx) }
		}
	case "OnSuccess":
		if h.success != nil {
			f = func() { h.success.OnSuccess(ctx) }
		}
	case "OnFailure":
		if h.failure != nil {
			f = func() { h.failure.OnFailure(ctx, failure) }
		}
	case "OnFinish":
		if h.finish != nil {
			f = func() { h.finish.OnFinish(ctx) }
		}
	default:
		return fmt.Errorf("engine: no workflow hook is named %q (OnStart, OnSuccess, OnFailure, OnFinish)", hook)
	}
	if f == nil {
		return nil
	}
	return callHook("workflow "+hook+" hook", f)
}
