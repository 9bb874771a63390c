package store

import (
	"container/list"
	"strconv"
	"sync"
)

// memStore keeps records in memory, with the same limits as a file.
type memStore struct {
	limits Limits

	mu       sync.RWMutex
	runs     map[string]*list.Element // of *memRun, in submission order
	order    *list.List
	seq      uint64
	bytes    int64
	finished int
	gone     map[string]string // tombstones: id → endpoint
	goneList *list.List        // of string ids, oldest first
}

type memRun struct {
	Run
	seq uint64
}

// OpenMemory returns a store in memory.
func OpenMemory(l Limits) (Store, error) {
	l, err := l.fill(true)
	if err != nil {
		return nil, err
	}
	return &memStore{limits: l, runs: map[string]*list.Element{}, order: list.New(), gone: map[string]string{}, goneList: list.New()}, nil
}

func (s *memStore) Limits() Limits { return s.limits }

func (s *memStore) Close() error { return nil }

func (s *memStore) Put(r Run) error {
	r.Body = append([]byte(nil), r.Body...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.runs[r.ID]; ok {
		old := e.Value.(*memRun)
		s.bytes -= int64(len(old.Body))
		if old.Terminal() {
			s.finished--
		}
		old.Run = r
	} else {
		s.seq++
		s.runs[r.ID] = s.order.PushBack(&memRun{Run: r, seq: s.seq})
	}
	s.bytes += int64(len(r.Body))
	if r.Terminal() {
		s.finished++
	}
	for e := s.order.Front(); e != nil && (s.bytes > s.limits.MaxBytes || s.finished > s.limits.MaxRuns); {
		next := e.Next()
		if old := e.Value.(*memRun); old.Terminal() {
			s.bytes -= int64(len(old.Body))
			s.finished--
			delete(s.runs, old.ID)
			s.order.Remove(e)
			s.gone[old.ID] = old.Endpoint
			s.goneList.PushBack(old.ID)
			if s.goneList.Len() > s.limits.MaxRuns*tombstonesPerKeptRun {
				delete(s.gone, s.goneList.Remove(s.goneList.Front()).(string))
			}
		}
		e = next
	}
	return nil
}

func (s *memStore) Get(id string) (Run, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e, ok := s.runs[id]; ok {
		return e.Value.(*memRun).Run, nil
	}
	if ep, ok := s.gone[id]; ok {
		return Run{}, &EvictedError{ID: id, Endpoint: ep}
	}
	return Run{}, ErrNotFound
}

func (s *memStore) List(f Filter, cursor string, limit int, maxBytes int) (Page, error) {
	var before uint64 = 1<<64 - 1
	if cursor != "" {
		n, err := strconv.ParseUint(cursor, 10, 64)
		if err != nil {
			return Page{}, errBadCursor(cursor)
		}
		before = n + 1
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var p Page
	size := 0
	for e := s.order.Back(); e != nil; e = e.Prev() {
		r := e.Value.(*memRun)
		if r.seq >= before || !f.match(&r.Run) {
			continue
		}
		if len(p.Runs) >= limit || (len(p.Runs) > 0 && size+len(r.Body) > maxBytes) {
			p.Next = strconv.FormatUint(r.seq, 10)
			break
		}
		size += len(r.Body)
		p.Runs = append(p.Runs, r.Run)
	}
	return p, nil
}
