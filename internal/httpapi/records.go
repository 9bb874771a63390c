package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/runtime"
)

// Record is a run as the API shows it. It is what POST /{endpoint}/run,
// GET /runs/{run_id} and GET /runs answer with; a client may decode it.
//
// Status is WAITING while the run is queued, IN_PROGRESS while it runs,
// then the runtime's final status (CANCELLED when cancelled). Started and
// Finished are null until then; Executions is empty until the run ends.
// Input is the decoded input with defaults applied and every secret field
// replaced by "***".
type Record struct {
	RunID      string                       `json:"run_id"`
	Endpoint   string                       `json:"endpoint"`
	Workflow   string                       `json:"workflow"`
	Version    string                       `json:"version"`
	Status     runtime.Status               `json:"status"`
	StatusCode int                          `json:"status_code"`
	Submitted  time.Time                    `json:"submitted"`
	Started    *time.Time                   `json:"started"`
	Finished   *time.Time                   `json:"finished"`
	Input      map[string]any               `json:"input"`
	Executions []*runtime.WorkflowExecution `json:"executions"`
	Error      *runtime.ErrorInfo           `json:"error"`
}

// Terminal reports whether the run has ended.
func (r Record) Terminal() bool { return terminal(r.Status) }

func terminal(s runtime.Status) bool { return s != runtime.Waiting && s != runtime.InProgress }

// Causes of a run's cancellation, as they appear in its error message.
var (
	errCancelRequested = errors.New("cancelled by request")
	errShutdown        = errors.New("the server shut down")
)

// wireRecord is a Record as it is encoded: the same fields, with the
// redacted input encoded once at submission.
type wireRecord struct {
	RunID      string                       `json:"run_id"`
	Endpoint   string                       `json:"endpoint"`
	Workflow   string                       `json:"workflow"`
	Version    string                       `json:"version"`
	Status     runtime.Status               `json:"status"`
	StatusCode int                          `json:"status_code"`
	Submitted  time.Time                    `json:"submitted"`
	Started    *time.Time                   `json:"started"`
	Finished   *time.Time                   `json:"finished"`
	Input      json.RawMessage              `json:"input"`
	Executions []*runtime.WorkflowExecution `json:"executions"`
	Error      *runtime.ErrorInfo           `json:"error"`
}

// run is one submitted run. Its fields before snap are set at submission
// and never change; whoever owns the run (the worker running it, or the
// one who took it out of the queue) changes rec and publishes each state
// as an immutable snapshot.
type run struct {
	id       string
	endpoint string
	input    *endpoint.Input // dropped once the run starts
	rec      wireRecord
	ctx      context.Context
	cancel   context.CancelCauseFunc
	done     chan struct{} // closed once the record is terminal

	snap atomic.Pointer[snapshot]

	// Guarded by the store's mutex.
	state        runState
	older, newer *run // submission order, for listing and eviction
	qnext, qprev *run // the queue of waiting runs
}

type runState uint8

const (
	stateQueued runState = iota
	stateRunning
	stateEnding // taken out of the queue by a cancellation; its taker ends it
	stateDone
)

// snapshot is one published state of a run: its status (for filtering)
// and its record's JSON. A snapshot that is soon replaced (IN_PROGRESS)
// is encoded only if someone reads it.
type snapshot struct {
	status runtime.Status
	once   sync.Once
	rec    *wireRecord // until encoded
	json   []byte      // compact JSON record ending in a newline
}

func (s *snapshot) body() []byte {
	s.once.Do(func() { s.json, s.rec = encodeRecord(s.rec), nil })
	return s.json
}

func (r *run) current() *snapshot { return r.snap.Load() }

// publish makes the record's current state visible, encoded now or, if
// lazy, on first read.
func (r *run) publish(lazy bool) {
	rec := r.rec
	s := &snapshot{status: rec.Status, rec: &rec}
	if !lazy {
		s.body()
	}
	r.snap.Store(s)
}

// encodeRecord encodes rec. Node outputs are user types: one that cannot be
// encoded must not make the record unreachable, so the record is then
// served without its executions and says why.
func encodeRecord(rec *wireRecord) []byte {
	b, err := safeEncode(rec)
	if err == nil {
		return b
	}
	stripped := *rec
	stripped.Executions = []*runtime.WorkflowExecution{}
	stripped.Error = &runtime.ErrorInfo{Type: "encoding", Message: "the executions cannot be encoded as JSON: " + err.Error()}
	if rec.Error != nil {
		stripped.Error.Message += "; the run's error was: " + rec.Error.Message
	}
	return encodeJSON(&stripped)
}

func safeEncode(rec *wireRecord) (b []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			b, err = nil, fmt.Errorf("%v", p)
		}
	}()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// start marks the run IN_PROGRESS.
func (r *run) start(now time.Time) {
	r.rec.Status, r.rec.StatusCode = runtime.InProgress, runtime.InProgress.Code()
	r.rec.Started = &now
	r.input = nil
	r.publish(true)
}

// finish records the runtime's result (or the reason there is none).
func (r *run) finish(res *runtime.Result, err error, now time.Time) {
	r.input = nil
	r.rec.Finished = &now
	switch {
	case err != nil:
		st := runtime.StatusOf(err)
		if st == runtime.Completed || !terminal(st) {
			st = runtime.Failed
		}
		r.rec.Status, r.rec.Error = st, errorInfo(err)
	case res == nil:
		r.rec.Status, r.rec.Error = runtime.Failed, &runtime.ErrorInfo{Type: "result", Message: "the run returned no result"}
	default:
		r.rec.Status, r.rec.Error = res.Status, res.Error
		r.rec.Workflow, r.rec.Version = res.Workflow, res.Version
		r.rec.Executions = res.Executions
	}
	r.rec.StatusCode = r.rec.Status.Code()
	if r.rec.Executions == nil {
		r.rec.Executions = []*runtime.WorkflowExecution{}
	}
	// Encoded now: the JSON is all a finished run keeps, so a full history
	// costs little more than its records' JSON.
	r.publish(false)
	r.rec.Input, r.rec.Executions = nil, nil
	r.cancel(nil) // release the context's resources
	close(r.done)
}

// cancelQueued ends a run that never started as CANCELLED.
func (r *run) cancelQueued(cause error, now time.Time) {
	r.finish(nil, runtime.Errorf(runtime.Cancelled, "run cancelled before it started: %w", cause), now)
}

func errorInfo(err error) *runtime.ErrorInfo {
	return &runtime.ErrorInfo{Type: fmt.Sprintf("%T", err), Message: err.Error()}
}
