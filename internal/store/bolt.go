package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The file store is a bbolt database: pure Go, one file, ACID
// transactions that fsync on commit. Buckets:
//
//	meta     id → Run metadata (JSON)
//	body     id → the record's JSON
//	order    8-byte big-endian sequence → id, in submission order
//	seq      id → its sequence (8 bytes)
//	gone     id → endpoint, for evicted runs (tombstones)
//	goneseq  8-byte sequence → id, the tombstones' order
//	stats    "bytes", "finished", "gone": totals kept up to date by every write
var (
	bMeta    = []byte("meta")
	bBody    = []byte("body")
	bOrder   = []byte("order")
	bSeq     = []byte("seq")
	bGone    = []byte("gone")
	bGoneSeq = []byte("goneseq")
	bStats   = []byte("stats")
	kBytes   = []byte("bytes")
	kDone    = []byte("finished")
	kGone    = []byte("gone") // the number of tombstones
)

type fileStore struct {
	db     *bolt.DB
	limits Limits

	// Group commit: Put queues its write; one committer goroutine, alive
	// while writes are queued, commits everything queued in one
	// transaction (one fsync pair), so a write waits at most for the
	// commit in flight and the next, and a burst of writers shares one.
	mu         sync.Mutex
	pending    []*putReq
	committing bool

	// recent holds the finished runs written last, so that polling a
	// run that just ended reads no transaction; filled only by commits,
	// in commit order, never by reads.
	recent recentRuns
}

type putReq struct {
	r       *Run
	meta    []byte
	done    chan error
	evicted []string // the runs this write evicted, once committed
}

// OpenFile opens (creating it if needed) the store in the file at path.
// A file has one writer process at a time: Open waits up to timeout for
// another process to close it, then fails with ErrLocked.
func OpenFile(path string, l Limits, timeout time.Duration) (Store, error) {
	l, err := l.fill(false)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// NoFreelistSync: the free list is rebuilt when the file is opened
	// instead of written on every commit.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, FreelistType: bolt.FreelistMapType, NoFreelistSync: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s is held by another process (a server, or another run)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the run store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bMeta, bBody, bOrder, bSeq, bGone, bGoneSeq, bStats} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening the run store %s: %w", path, err)
	}
	return &fileStore{db: db, limits: l}, nil
}

// ErrLocked is returned by OpenFile when another process holds the file.
var ErrLocked = errors.New("the run store is in use")

func (s *fileStore) Limits() Limits { return s.limits }

func (s *fileStore) Close() error { return s.db.Close() }

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func key(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func (s *fileStore) Put(r Run) error {
	meta, err := json.Marshal(&r)
	if err != nil {
		return err
	}
	q := &putReq{r: &r, meta: meta, done: make(chan error, 1)}
	s.mu.Lock()
	s.pending = append(s.pending, q)
	if !s.committing {
		s.committing = true
		go s.commit()
	}
	s.mu.Unlock()
	return <-q.done
}

// commit writes the queued writes, a transaction per round, until none
// are left. When a round's transaction fails, its writes are retried one
// transaction each, so one bad write fails alone.
func (s *fileStore) commit() {
	for {
		s.mu.Lock()
		batch := s.pending
		s.pending = nil
		if len(batch) == 0 {
			s.committing = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		err := s.db.Update(func(tx *bolt.Tx) error {
			for _, q := range batch {
				if err := s.put(tx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil && len(batch) > 1 {
			for _, q := range batch {
				q.evicted = q.evicted[:0]
				err := s.db.Update(func(tx *bolt.Tx) error { return s.put(tx, q) })
				if err == nil {
					s.recent.committed(q)
				}
				q.done <- err
			}
			continue
		}
		for _, q := range batch {
			if err == nil {
				s.recent.committed(q)
			}
			q.done <- err
		}
	}
}

func (s *fileStore) put(tx *bolt.Tx, q *putReq) error {
	r, meta := q.r, q.meta
	metaB, bodyB, orderB, seqB, stats := tx.Bucket(bMeta), tx.Bucket(bBody), tx.Bucket(bOrder), tx.Bucket(bSeq), tx.Bucket(bStats)
	id := []byte(r.ID)
	total, finished := int64(u64(stats.Get(kBytes))), int64(u64(stats.Get(kDone)))
	if old := metaB.Get(id); old != nil {
		var prev Run
		_ = json.Unmarshal(old, &prev)
		total -= int64(len(bodyB.Get(id)))
		if prev.Terminal() {
			finished--
		}
	} else {
		n, _ := orderB.NextSequence()
		if err := orderB.Put(key(n), id); err != nil {
			return err
		}
		if err := seqB.Put(id, key(n)); err != nil {
			return err
		}
	}
	if err := metaB.Put(id, meta); err != nil {
		return err
	}
	if err := bodyB.Put(id, r.Body); err != nil {
		return err
	}
	total += int64(len(r.Body))
	if r.Terminal() {
		finished++
	}
	total, finished, err := s.evict(tx, total, finished, q)
	if err != nil {
		return err
	}
	if err := stats.Put(kBytes, key(uint64(total))); err != nil {
		return err
	}
	return stats.Put(kDone, key(uint64(finished)))
}

// evict removes the runs that were submitted first among the finished
// ones until the store is within its limits, leaving tombstones.
func (s *fileStore) evict(tx *bolt.Tx, total, finished int64, q *putReq) (int64, int64, error) {
	if total <= s.limits.MaxBytes && finished <= int64(s.limits.MaxRuns) {
		return total, finished, nil
	}
	metaB, bodyB, orderB, seqB := tx.Bucket(bMeta), tx.Bucket(bBody), tx.Bucket(bOrder), tx.Bucket(bSeq)
	c := orderB.Cursor()
	var drop [][]byte
	for k, id := c.First(); k != nil && (total > s.limits.MaxBytes || finished > int64(s.limits.MaxRuns)); k, id = c.Next() {
		var r Run
		if err := json.Unmarshal(metaB.Get(id), &r); err != nil || !r.Terminal() {
			continue // active runs are never evicted
		}
		total -= int64(len(bodyB.Get(id)))
		finished--
		drop = append(drop, append([]byte(nil), k...))
		q.evicted = append(q.evicted, string(id))
		if err := s.tombstone(tx, string(id), r.Endpoint); err != nil {
			return 0, 0, err
		}
		for _, b := range []*bolt.Bucket{metaB, bodyB, seqB} {
			if err := b.Delete(id); err != nil {
				return 0, 0, err
			}
		}
	}
	for _, k := range drop {
		if err := orderB.Delete(k); err != nil {
			return 0, 0, err
		}
	}
	return total, finished, nil
}

func (s *fileStore) tombstone(tx *bolt.Tx, id, endpoint string) error {
	gone, goneSeq, stats := tx.Bucket(bGone), tx.Bucket(bGoneSeq), tx.Bucket(bStats)
	n, _ := goneSeq.NextSequence()
	if err := goneSeq.Put(key(n), []byte(id)); err != nil {
		return err
	}
	if err := gone.Put([]byte(id), []byte(endpoint)); err != nil {
		return err
	}
	// The count of tombstones is kept in stats (counted once for a file
	// written before it was).
	count := int(u64(stats.Get(kGone))) + 1
	if stats.Get(kGone) == nil { // a cursor sees this transaction's writes; Stats does not
		count = 0
		c := goneSeq.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			count++
		}
	}
	// Keep as many tombstones as runs.
	if extra := count - s.limits.MaxRuns*tombstonesPerKeptRun; extra > 0 {
		c := goneSeq.Cursor()
		var drop [][]byte
		for k, old := c.First(); k != nil && extra > 0; k, old = c.Next() {
			drop = append(drop, append([]byte(nil), k...))
			if err := gone.Delete(old); err != nil {
				return err
			}
			extra--
			count--
		}
		for _, k := range drop {
			if err := goneSeq.Delete(k); err != nil {
				return err
			}
		}
	}
	return stats.Put(kGone, key(uint64(count)))
}

func (s *fileStore) Get(id string) (Run, error) {
	if r, ok := s.recent.get(id); ok {
		return r, nil
	}
	var r Run
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta).Get([]byte(id))
		if meta == nil {
			if ep := tx.Bucket(bGone).Get([]byte(id)); ep != nil {
				return &EvictedError{ID: id, Endpoint: string(ep)}
			}
			return ErrNotFound
		}
		if err := json.Unmarshal(meta, &r); err != nil {
			return fmt.Errorf("run %s: corrupt metadata: %w", id, err)
		}
		r.Body = append([]byte(nil), tx.Bucket(bBody).Get([]byte(id))...)
		return nil
	})
	return r, err
}

func (s *fileStore) List(f Filter, cursor string, limit int, maxBytes int) (Page, error) {
	var p Page
	err := s.db.View(func(tx *bolt.Tx) error {
		metaB, bodyB := tx.Bucket(bMeta), tx.Bucket(bBody)
		c := tx.Bucket(bOrder).Cursor()
		var k, id []byte
		if cursor == "" {
			k, id = c.Last()
		} else {
			n, err := strconv.ParseUint(cursor, 10, 64)
			if err != nil {
				return errBadCursor(cursor)
			}
			k, id = c.Seek(key(n))
			if k != nil && u64(k) > n {
				k, id = c.Prev()
			}
		}
		size := 0
		for ; k != nil; k, id = c.Prev() {
			var r Run
			if err := json.Unmarshal(metaB.Get(id), &r); err != nil || !f.match(&r) {
				continue
			}
			body := bodyB.Get(id)
			if len(p.Runs) >= limit || (len(p.Runs) > 0 && size+len(body) > maxBytes) {
				p.Next = strconv.FormatUint(u64(k), 10)
				return nil
			}
			r.Body = append([]byte(nil), body...)
			size += len(body)
			p.Runs = append(p.Runs, r)
		}
		return nil
	})
	return p, err
}

// recentRuns is a bounded cache of finished runs by id, oldest dropped
// first, bounded by count and by body bytes.
type recentRuns struct {
	mu    sync.RWMutex
	runs  map[string]Run
	order []string // ids in insertion order; may hold ids already dropped
	bytes int
}

const (
	recentMaxRuns  = 4096
	recentMaxBytes = 16 << 20
)

func (c *recentRuns) get(id string) (Run, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	r, ok := c.runs[id]
	return r, ok
}

// committed applies a committed write: a finished run is cached, a run
// still going is dropped (its record changes), evicted runs are dropped.
func (c *recentRuns) committed(q *putReq) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs == nil {
		c.runs = map[string]Run{}
	}
	for _, id := range q.evicted {
		c.drop(id)
	}
	c.drop(q.r.ID)
	if !q.r.Terminal() || len(q.r.Body) > recentMaxBytes/16 {
		return
	}
	c.runs[q.r.ID] = *q.r
	c.order = append(c.order, q.r.ID)
	c.bytes += len(q.r.Body)
	for len(c.runs) > recentMaxRuns || c.bytes > recentMaxBytes {
		id := c.order[0]
		c.order = c.order[1:]
		c.drop(id)
	}
	if len(c.order) > 4*recentMaxRuns { // ids dropped earlier pile up: compact
		kept := make([]string, 0, len(c.runs))
		for _, id := range c.order {
			if _, ok := c.runs[id]; ok {
				kept = append(kept, id)
			}
		}
		c.order = kept
	}
}

func (c *recentRuns) drop(id string) {
	if r, ok := c.runs[id]; ok {
		c.bytes -= len(r.Body)
		delete(c.runs, id)
	}
}
