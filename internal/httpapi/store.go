package httpapi

import (
	"sync"

	"github.com/fluxly-go/fluxly/runtime"
)

// store holds every run the API knows: the active ones (queued or running)
// and a bounded history of finished ones. When more than historySize runs
// have finished, the one that finished first is evicted; the ids of the
// last historySize evicted runs are kept (as tombstones) so that asking for
// one answers 410 Gone rather than 404. Memory is therefore bounded by
// workers + queue + 2 × history entries, whatever the number of runs.
//
// The queue of waiting runs lives here too (see queue.go), under the same
// mutex, so that a run's state, its queue position and its place in the
// history always change together.
type store struct {
	mu   sync.RWMutex
	byID map[string]*run
	// Submission order: newest first for listing.
	newest, oldest *run

	finished ring[*run]      // finished runs, oldest first: the eviction order
	evicted  ring[tombstone] // the ids most recently evicted
	tombs    map[string]string

	queue queue
}

// tombstone remembers an evicted run's id and endpoint.
type tombstone struct{ id, endpoint string }

func newStore(historySize, workers, queueSize int) *store {
	return &store{
		byID:     make(map[string]*run),
		finished: newRing[*run](historySize),
		evicted:  newRing[tombstone](historySize),
		tombs:    make(map[string]string),
		queue:    queue{workers: workers, capacity: queueSize, drained: make(chan struct{})},
	}
}

// lookup finds a run by id; evicted reports a run that was evicted, with
// the endpoint it belonged to.
func (s *store) lookup(id string) (r *run, evictedFrom string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r := s.byID[id]; r != nil {
		return r, ""
	}
	return nil, s.tombs[id]
}

// link adds a newly admitted run to the history. The caller holds mu.
func (s *store) link(r *run) {
	s.byID[r.id] = r
	r.older = s.newest
	if s.newest != nil {
		s.newest.newer = r
	}
	s.newest = r
	if s.oldest == nil {
		s.oldest = r
	}
}

func (s *store) unlink(r *run) {
	delete(s.byID, r.id)
	if r.newer != nil {
		r.newer.older = r.older
	} else {
		s.newest = r.older
	}
	if r.older != nil {
		r.older.newer = r.newer
	} else {
		s.oldest = r.newer
	}
	r.older, r.newer = nil, nil
}

// retire records that r has finished, evicting the run that finished
// longest ago once the history is over its size. The caller holds mu.
func (s *store) retire(r *run) {
	r.state = stateDone
	old, full := s.finished.push(r)
	if !full {
		return
	}
	s.unlink(old)
	gone, dropped := s.evicted.push(tombstone{old.id, old.endpoint})
	if dropped {
		delete(s.tombs, gone.id)
	}
	s.tombs[old.id] = old.endpoint
}

// list returns the records of up to limit runs, newest first,
// that match endpoint and status (when given).
func (s *store) list(endpoint string, status *runtime.Status, limit int) [][]byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out [][]byte
	for r := s.newest; r != nil && len(out) < limit; r = r.older {
		if endpoint != "" && r.endpoint != endpoint {
			continue
		}
		snap := r.current()
		if status != nil && snap.status != *status {
			continue
		}
		out = append(out, snap.body())
	}
	return out
}

// ring is a fixed-capacity FIFO.
type ring[T any] struct {
	items      []T
	head, size int
}

func newRing[T any](capacity int) ring[T] { return ring[T]{items: make([]T, capacity)} }

// push appends v; when the ring was full it drops and returns the oldest
// item. With capacity 0 it returns v itself.
func (q *ring[T]) push(v T) (old T, dropped bool) {
	if len(q.items) == 0 {
		return v, true
	}
	if q.size < len(q.items) {
		q.items[(q.head+q.size)%len(q.items)] = v
		q.size++
		return old, false
	}
	old = q.items[q.head]
	q.items[q.head] = v
	q.head = (q.head + 1) % len(q.items)
	return old, true
}
