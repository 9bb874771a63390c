package httpapi

import (
	"container/list"
	"errors"
	"sync"
)

// active holds the runs the server has not finished: the running ones and
// a FIFO queue of waiting ones. Finished runs live in the record store
// only. At most workers runs execute at once, at most perEndpoint of them
// for one endpoint (so a flood of long runs of one endpoint cannot pin
// every worker), and the queue holds at most capacity runs whose inputs
// take at most maxBytes together. Worker goroutines exist only while there
// is work: admitting a run starts one when a worker is free, and a worker
// that finds nothing it may start exits. An idle server has no goroutines
// of its own.
type active struct {
	mu          sync.Mutex
	runs        map[string]*run
	queue       *list.List // of *run, oldest first
	running     int
	byEndpoint  map[string]int // running runs per endpoint
	queuedBytes int64

	workers, capacity, perEndpoint int
	maxBytes                       int64

	draining bool          // no new runs are admitted
	drained  chan struct{} // closed once draining and nothing is active
}

var (
	errQueueFull = errors.New("queue full")
	errDraining  = errors.New("shutting down")
)

func newActive(workers, capacity, perEndpoint int, maxBytes int64) *active {
	return &active{runs: map[string]*run{}, queue: list.New(), byEndpoint: map[string]int{},
		workers: workers, capacity: capacity, perEndpoint: perEndpoint, maxBytes: maxBytes, drained: make(chan struct{})}
}

// admit adds a new run and either hands it to a new worker (start is
// true: the caller must run it) or queues it.
func (a *active) admit(r *run) (start bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.draining:
		return false, errDraining
	case a.running < a.workers && a.byEndpoint[r.endpoint] < a.perEndpoint:
		a.begin(r)
		start = true
	case a.queue.Len() < a.capacity && a.queuedBytes+r.size <= a.maxBytes:
		r.elem = a.queue.PushBack(r)
		r.state = stateQueued
		a.queuedBytes += r.size
	default:
		return false, errQueueFull
	}
	a.runs[r.id] = r
	return start, nil
}

func (a *active) begin(r *run) {
	a.running++
	a.byEndpoint[r.endpoint]++
	r.state = stateRunning
}

// next retires a finished run and returns the next one its worker may
// start — the oldest waiting run whose endpoint is under its limit — or
// nil when there is none (the worker then exits).
func (a *active) next(done *run) *run {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.retire(done)
	a.running--
	if a.byEndpoint[done.endpoint]--; a.byEndpoint[done.endpoint] == 0 {
		delete(a.byEndpoint, done.endpoint)
	}
	for e := a.queue.Front(); e != nil; e = e.Next() {
		r := e.Value.(*run)
		if a.byEndpoint[r.endpoint] < a.perEndpoint {
			a.unqueue(r)
			a.begin(r)
			return r
		}
	}
	a.checkDrained()
	return nil
}

func (a *active) unqueue(r *run) {
	a.queue.Remove(r.elem)
	r.elem = nil
	a.queuedBytes -= r.size
}

func (a *active) retire(r *run) {
	r.state = stateDone
	delete(a.runs, r.id)
}

// lookup returns the active run id, or nil.
func (a *active) lookup(id string) *run {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.runs[id]
}

// cancelResult is what asking to cancel a run did.
type cancelResult int

const (
	cancelDequeued  cancelResult = iota // it was waiting: the caller now owns it and ends it
	cancelSignalled                     // it is running: its context is cancelled
	cancelTooLate                       // it has already finished
)

// cancel takes a waiting run out of the queue or signals a running one.
func (a *active) cancel(r *run) cancelResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch r.state {
	case stateQueued:
		a.unqueue(r)
		r.state = stateEnding
		return cancelDequeued
	case stateRunning, stateEnding:
		r.cancel(errCancelRequested)
		return cancelSignalled
	}
	return cancelTooLate
}

// retireDequeued retires a run that cancel or takeQueued took out of the
// queue, once its owner has ended it.
func (a *active) retireDequeued(r *run) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.retire(r)
	a.checkDrained()
}

// beginDrain stops admitting runs. It returns the channel closed once
// nothing is active.
func (a *active) beginDrain() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.draining = true
	a.checkDrained()
	return a.drained
}

// takeQueued empties the queue, handing its runs to the caller to end.
func (a *active) takeQueued() []*run {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []*run
	for e := a.queue.Front(); e != nil; e = a.queue.Front() {
		r := e.Value.(*run)
		a.unqueue(r)
		r.state = stateEnding
		out = append(out, r)
	}
	return out
}

// list returns the runs not yet finished.
func (a *active) list() []*run {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]*run, 0, len(a.runs))
	for _, r := range a.runs {
		out = append(out, r)
	}
	return out
}

func (a *active) checkDrained() {
	if a.draining && len(a.runs) == 0 {
		select {
		case <-a.drained:
		default:
			close(a.drained)
		}
	}
}
