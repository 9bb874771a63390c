// Package runrec is a run's record as the HTTP API serves it and the run
// store keeps it: the one JSON form of a run, whether the server or the
// command line ran it.
package runrec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fluxly-go/fluxly/internal/store"
	"github.com/fluxly-go/fluxly/runtime"
)

// Record is a run as the API shows it. It is what POST /{endpoint}/run,
// GET /runs/{run_id} and GET /runs answer with; a client may decode it.
//
// Status is WAITING while the run is queued, IN_PROGRESS while it runs,
// then the runtime's final status (CANCELLED when cancelled,
// INFRASTRUCTURE_ERROR when the process running it stopped before it
// ended). Started and Finished are null until then. While the run goes
// on, Executions shows each node attempt as it ends (without outputs);
// once it has ended, every attempt with its output. Input is the decoded
// input with defaults applied and every secret field replaced by "***".
// Values too large to keep are replaced by a store.Marker.
type Record struct {
	RunID       string                       `json:"run_id"`
	Endpoint    string                       `json:"endpoint"`
	Workflow    string                       `json:"workflow"`
	Version     string                       `json:"version"`
	Status      runtime.Status               `json:"status"`
	StatusCode  int                          `json:"status_code"`
	Submitted   time.Time                    `json:"submitted"`
	Started     *time.Time                   `json:"started"`
	Finished    *time.Time                   `json:"finished"`
	ResumedFrom string                       `json:"resumed_from,omitempty"`
	Input       map[string]json.RawMessage   `json:"input"`
	Executions  []*runtime.WorkflowExecution `json:"executions"`
	Error       *runtime.ErrorInfo           `json:"error"`
}

// Terminal reports whether the run has ended.
func (r Record) Terminal() bool { return store.Terminal(r.Status) }

// Result is the record as a runtime.Result, for resuming it.
func (r *Record) Result() *runtime.Result {
	res := &runtime.Result{RunID: r.RunID, Workflow: r.Workflow, Version: r.Version, Status: r.Status,
		StatusCode: r.StatusCode, Error: r.Error, Executions: r.Executions}
	res.Start = r.Submitted
	if r.Started != nil {
		res.Start = *r.Started
	}
	if r.Finished != nil {
		res.End = *r.Finished
	}
	return res
}

// Wire is a Record as it is encoded: the same fields, with the redacted
// input encoded once.
type Wire struct {
	RunID       string                       `json:"run_id"`
	Endpoint    string                       `json:"endpoint"`
	Workflow    string                       `json:"workflow"`
	Version     string                       `json:"version"`
	Status      runtime.Status               `json:"status"`
	StatusCode  int                          `json:"status_code"`
	Submitted   time.Time                    `json:"submitted"`
	Started     *time.Time                   `json:"started"`
	Finished    *time.Time                   `json:"finished"`
	ResumedFrom string                       `json:"resumed_from,omitempty"`
	Input       json.RawMessage              `json:"input"`
	Executions  []*runtime.WorkflowExecution `json:"executions"`
	Error       *runtime.ErrorInfo           `json:"error"`
}

// Encode encodes w as compact JSON ending in a newline. Node outputs are
// user types: one that cannot be encoded must not make the record
// unreachable, so the record is then encoded without its executions and
// says why.
func Encode(w *Wire) []byte {
	b, err := safeEncode(w)
	if err == nil {
		return b
	}
	stripped := *w
	stripped.Executions = []*runtime.WorkflowExecution{}
	stripped.Error = &runtime.ErrorInfo{Type: "encoding", Message: "the executions cannot be encoded as JSON: " + err.Error()}
	if w.Error != nil {
		stripped.Error.Message += "; the run's error was: " + w.Error.Message
	}
	b, err = safeEncode(&stripped)
	if err != nil {
		panic("runrec: encoding a record without executions: " + err.Error()) // plain data
	}
	return b
}

func safeEncode(v any) (b []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			b, err = nil, fmt.Errorf("%v", p)
		}
	}()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode reads a stored record.
func Decode(body []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("a stored record cannot be read: %w", err)
	}
	return &r, nil
}

// ErrorInfo is an error as a record shows it.
func ErrorInfo(err error) *runtime.ErrorInfo {
	if err == nil {
		return nil
	}
	return &runtime.ErrorInfo{Type: fmt.Sprintf("%T", err), Message: err.Error()}
}

// InterruptedType is the error type of a run whose process stopped (a
// crash, a kill, a restart) before it ended.
const InterruptedType = "interrupted"

// Interrupt records every run st holds as waiting or running, and for
// which stale says so (nil: all of them), as INFRASTRUCTURE_ERROR with the
// reason, finished at now. It returns how many it recorded.
func Interrupt(st store.Store, now time.Time, reason string, stale func(store.Run) bool) (int, error) {
	n := 0
	cursor := ""
	for {
		p, err := st.List(store.Filter{Active: true}, cursor, 1000, 64<<20)
		if err != nil {
			return n, err
		}
		for _, sr := range p.Runs {
			if stale != nil && !stale(sr) {
				continue
			}
			var w Wire
			if err := json.Unmarshal(sr.Body, &w); err != nil {
				return n, fmt.Errorf("run %s: %w", sr.ID, err)
			}
			w.Status, w.StatusCode = runtime.InfrastructureError, runtime.InfrastructureError.Code()
			w.Finished = &now
			w.Error = &runtime.ErrorInfo{Type: InterruptedType, Message: "interrupted: " + reason}
			for _, we := range w.Executions {
				if we != nil && !store.Terminal(we.Status) {
					we.Status, we.End = runtime.InfrastructureError, now
				}
			}
			sr.Status, sr.Body = w.Status, Encode(&w)
			if err := st.Put(sr); err != nil {
				return n, err
			}
			n++
		}
		if p.Next == "" {
			return n, nil
		}
		cursor = p.Next
	}
}

// Progress keeps a run's record up to date with the runtime's events:
// each node attempt as it ends (its output comes with the final record).
// Its zero value is ready; it is not safe for concurrent use.
type Progress struct {
	started map[string]time.Time // node → start of its current attempt
}

// Observe records event e in w. It reports whether w changed.
func (p *Progress) Observe(w *Wire, e runtime.Event) bool {
	ex := w.Executions
	var cur *runtime.WorkflowExecution
	if n := len(ex); n > 0 {
		cur = ex[n-1]
	}
	switch e.Kind {
	case runtime.WorkflowStarted:
		w.Executions = append(ex, &runtime.WorkflowExecution{Attempt: e.WorkflowAttempt, Start: e.Time,
			Status: runtime.InProgress, Nodes: map[string][]runtime.NodeExecution{}})
		p.started = map[string]time.Time{}
	case runtime.NodeStarted:
		if p.started == nil {
			p.started = map[string]time.Time{}
		}
		p.started[e.Node] = e.Time
		return false // nothing ended
	case runtime.NodeRetrying, runtime.NodeFinished:
		if cur == nil {
			return false
		}
		start, ok := p.started[e.Node]
		if !ok {
			start = e.Time
		}
		rec := runtime.NodeExecution{Attempt: e.Attempt, Start: start, End: e.Time,
			Duration: runtime.Duration(e.Time.Sub(start)), Status: e.Status, Error: ErrorInfo(e.Err)}
		cur.Nodes[e.Node] = append(cur.Nodes[e.Node], rec)
	case runtime.NodeSkipped:
		if cur == nil {
			return false
		}
		cur.Skipped = append(cur.Skipped, e.Node)
	case runtime.WorkflowFinished:
		if cur == nil {
			return false
		}
		cur.End, cur.Duration, cur.Status, cur.Error = e.Time, runtime.Duration(e.Duration), e.Status, ErrorInfo(e.Err)
	default:
		return false
	}
	return true
}

// Finish records a run's end in w: the runtime's result, or the error that
// kept it from running. Outputs too large to keep are replaced by markers.
func Finish(w *Wire, res *runtime.Result, err error, now time.Time, l store.Limits) {
	w.Finished = &now
	switch {
	case err != nil:
		st := runtime.StatusOf(err)
		if st == runtime.Completed || !store.Terminal(st) {
			st = runtime.Failed
		}
		w.Status, w.Error = st, ErrorInfo(err)
	case res == nil:
		w.Status, w.Error = runtime.Failed, &runtime.ErrorInfo{Type: "result", Message: "the run returned no result"}
	default:
		w.Status, w.Error = res.Status, res.Error
		w.Workflow, w.Version = res.Workflow, res.Version
		_, w.Executions = store.Shrink(nil, res.Executions, l)
	}
	w.StatusCode = w.Status.Code()
	if w.Executions == nil {
		w.Executions = []*runtime.WorkflowExecution{}
	}
}
