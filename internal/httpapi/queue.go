package httpapi

import (
	"errors"
)

// queue admits runs: up to workers run at once and up to capacity wait in
// FIFO order. Worker goroutines exist only while there is work: admitting a
// run starts one when fewer than workers are busy, and a worker that finds
// the queue empty exits. An idle server has no goroutines of its own.
//
// Its fields are guarded by the store's mutex.
type queue struct {
	workers, capacity int

	head, tail *run // waiting runs, oldest first
	waiting    int
	running    int
	active     int // waiting + running

	draining bool          // no new runs are admitted
	drained  chan struct{} // closed once draining and nothing is active
}

var (
	errQueueFull = errors.New("queue full")
	errDraining  = errors.New("shutting down")
)

// admit adds a new run to the history and either hands it to a new worker
// (start is true: the caller must run it) or queues it.
func (s *store) admit(r *run) (start bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := &s.queue
	switch {
	case q.draining:
		return false, errDraining
	case q.running < q.workers:
		q.running++
		r.state = stateRunning
		start = true
	case q.waiting < q.capacity:
		q.push(r)
	default:
		return false, errQueueFull
	}
	q.active++
	s.link(r)
	return start, nil
}

// next retires a finished run and returns the next one for the worker that
// ran it, or nil when the queue is empty (the worker then exits).
func (s *store) next(done *run) *run {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := &s.queue
	s.retire(done)
	q.active--
	r := q.pop()
	if r == nil {
		q.running--
		q.checkDrained()
		return nil
	}
	r.state = stateRunning
	return r
}

// cancelResult is what asking to cancel a run did.
type cancelResult int

const (
	cancelDequeued  cancelResult = iota // it was waiting: the caller now owns it and ends it
	cancelSignalled                     // it is running: its context is cancelled
	cancelTooLate                       // it has already finished
)

// cancel takes a waiting run out of the queue or signals a running one.
func (s *store) cancel(r *run) cancelResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.state {
	case stateQueued:
		s.queue.remove(r)
		r.state = stateEnding
		return cancelDequeued
	case stateRunning, stateEnding:
		r.cancel(errCancelRequested)
		return cancelSignalled
	}
	return cancelTooLate
}

// retireDequeued retires a run that cancel or drainQueue took out of the
// queue, once its owner has ended it.
func (s *store) retireDequeued(r *run) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retire(r)
	s.queue.active--
	s.queue.checkDrained()
}

// beginDrain stops admitting runs. It returns the channel closed once
// nothing is active.
func (s *store) beginDrain() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue.draining = true
	s.queue.checkDrained()
	return s.queue.drained
}

// takeQueued empties the queue, handing its runs to the caller to end.
func (s *store) takeQueued() []*run {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*run
	for r := s.queue.pop(); r != nil; r = s.queue.pop() {
		r.state = stateEnding
		out = append(out, r)
	}
	return out
}

// activeRuns returns the runs not yet finished.
func (s *store) activeRuns() []*run {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*run
	for r := s.newest; r != nil; r = r.older {
		if r.state != stateDone {
			out = append(out, r)
		}
	}
	return out
}

func (q *queue) checkDrained() {
	if q.draining && q.active == 0 {
		select {
		case <-q.drained:
		default:
			close(q.drained)
		}
	}
}

func (q *queue) push(r *run) {
	r.state = stateQueued
	r.qprev, r.qnext = q.tail, nil
	if q.tail != nil {
		q.tail.qnext = r
	} else {
		q.head = r
	}
	q.tail = r
	q.waiting++
}

func (q *queue) pop() *run {
	r := q.head
	if r != nil {
		q.remove(r)
	}
	return r
}

func (q *queue) remove(r *run) {
	if r.qprev != nil {
		r.qprev.qnext = r.qnext
	} else {
		q.head = r.qnext
	}
	if r.qnext != nil {
		r.qnext.qprev = r.qprev
	} else {
		q.tail = r.qprev
	}
	r.qprev, r.qnext = nil, nil
	q.waiting--
}
