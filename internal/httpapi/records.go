package httpapi

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/runrec"
	"github.com/fluxly-go/fluxly/internal/store"
	"github.com/fluxly-go/fluxly/runtime"
)

// Record is a run as the API shows it (see runrec.Record).
type Record = runrec.Record

// Causes of a run's end other than its workflow's, as they appear in its
// error message.
var (
	errCancelRequested = errors.New("cancelled by request")
	errShutdown        = errors.New("the server shut down")
)

// wireRecord is a Record as it is encoded.
type wireRecord = runrec.Wire

// run is one submitted run, from its admission until its final record is
// stored. Its fields before mu are set at submission and never change.
type run struct {
	id       string
	endpoint string
	size     int64 // the input's bytes, as counted against the queue's limit
	ctx      context.Context
	cancel   context.CancelCauseFunc
	done     chan struct{} // closed once the final record is stored

	// mu guards what follows, which whoever owns the run (the worker
	// running it, the one who took it out of the queue) and the runtime's
	// observer change.
	mu       sync.Mutex
	input    *endpoint.Input // dropped once the run starts
	prev     *runtime.Result // the run it resumes, if any; dropped once it starts
	rec      wireRecord      // the record's current state
	progress runrec.Progress
	version  uint64                   // bumped by every change of rec
	stored   uint64                   // the version last written to the store
	ended    bool                     // rec is final
	snap     atomic.Pointer[snapshot] // rec as last published, for readers
	storeMu  sync.Mutex               // serialises this run's store writes, in version order
	limits   store.Limits

	// Guarded by active.mu.
	state runState
	elem  *list.Element // in active.queue while waiting
}

type runState uint8

const (
	stateQueued runState = iota
	stateRunning
	stateEnding // taken out of the queue by a cancellation; its taker ends it
	stateDone
)

// snapshot is one published state of a run: its status and its record's
// JSON, encoded on first read.
type snapshot struct {
	status  runtime.Status
	version uint64
	once    sync.Once
	rec     *wireRecord // until encoded
	json    []byte      // compact JSON record ending in a newline
}

func (s *snapshot) body() []byte {
	s.once.Do(func() { s.json, s.rec = encodeRecord(s.rec), nil })
	return s.json
}

func (r *run) current() *snapshot { return r.snap.Load() }

// publish makes the record's current state visible. Called with r.mu held.
func (r *run) publish() {
	r.version++
	rec := r.rec
	rec.Executions = cloneExecutions(r.rec.Executions)
	r.snap.Store(&snapshot{status: rec.Status, version: r.version, rec: &rec})
}

// cloneExecutions copies what the observer goes on changing.
func cloneExecutions(in []*runtime.WorkflowExecution) []*runtime.WorkflowExecution {
	out := make([]*runtime.WorkflowExecution, len(in))
	for i, we := range in {
		c := *we
		c.Nodes = make(map[string][]runtime.NodeExecution, len(we.Nodes))
		for k, v := range we.Nodes {
			c.Nodes[k] = v[:len(v):len(v)]
		}
		c.Skipped = c.Skipped[:len(c.Skipped):len(c.Skipped)]
		out[i] = &c
	}
	return out
}

// storedRun is the snapshot as the store keeps it.
func (r *run) storedRun(s *snapshot) store.Run {
	return store.Run{ID: r.id, Endpoint: r.endpoint, Status: s.status, Submitted: r.rec.Submitted,
		ResumedFrom: r.rec.ResumedFrom, Body: s.body()}
}

func encodeRecord(rec *wireRecord) []byte { return runrec.Encode(rec) }

// start marks the run IN_PROGRESS and hands over what it runs with.
func (r *run) start(now time.Time) (*endpoint.Input, *runtime.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rec.Status, r.rec.StatusCode = runtime.InProgress, runtime.InProgress.Code()
	r.rec.Started = &now
	in, prev := r.input, r.prev
	r.input, r.prev = nil, nil
	r.publish()
	return in, prev
}

// observe records a runtime event in the record. It is called while the
// scheduler holds its lock: it only updates memory.
func (r *run) observe(e runtime.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.ended && r.progress.Observe(&r.rec, e) {
		r.publish()
	}
}

// finish records the runtime's result (or the reason there is none).
func (r *run) finish(res *runtime.Result, err error, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.input, r.prev = nil, nil
	runrec.Finish(&r.rec, res, err, now, r.limits)
	r.ended = true
	r.publish()
	r.current().body() // encoded now: the JSON is all a finished run keeps
}

// cancelQueued ends a run that never started as CANCELLED.
func (r *run) cancelQueued(cause error, now time.Time) {
	r.finish(nil, runtime.Errorf(runtime.Cancelled, "run cancelled before it started: %w", cause), now)
}
