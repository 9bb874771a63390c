package httpapi

import (
	"context"
	"log/slog"
	"sync"

	"github.com/fluxly-go/fluxly/internal/store"
)

// persister writes runs' records to the store: synchronously when a run
// is admitted (before the 202) and when it ends (before it leaves the
// active runs), and in between, in the background, the latest state of
// every run that changed (each node attempt that ended), coalesced so a
// burst of events costs one write per run. A writer goroutine exists only
// while there are records to write.
type persister struct {
	st  store.Store
	log *slog.Logger

	mu    sync.Mutex
	dirty map[*run]struct{}
	busy  bool
	idle  sync.WaitGroup // the writer goroutine, while busy
}

func newPersister(st store.Store, log *slog.Logger) *persister {
	return &persister{st: st, log: log, dirty: map[*run]struct{}{}}
}

// write stores r's latest published state, unless a later or equal one
// already is. A run's writes are serialised and never go back in time.
func (p *persister) write(r *run) error {
	r.storeMu.Lock()
	defer r.storeMu.Unlock()
	s := r.current()
	if s.version <= r.stored {
		return nil
	}
	if err := p.st.Put(r.storedRun(s)); err != nil {
		return err
	}
	r.stored = s.version
	return nil
}

// mark asks for r's latest state to be written in the background.
func (p *persister) mark(r *run) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dirty[r] = struct{}{}
	if !p.busy {
		p.busy = true
		p.idle.Add(1)
		go p.loop()
	}
}

func (p *persister) loop() {
	defer p.idle.Done()
	for {
		p.mu.Lock()
		if len(p.dirty) == 0 {
			p.busy = false
			p.mu.Unlock()
			return
		}
		batch := make([]*run, 0, len(p.dirty))
		for r := range p.dirty {
			batch = append(batch, r)
		}
		clear(p.dirty)
		p.mu.Unlock()
		var wg sync.WaitGroup
		for _, r := range batch {
			wg.Go(func() { // the store batches concurrent writes into one commit
				if err := p.write(r); err != nil {
					p.log.LogAttrs(context.Background(), slog.LevelError, "cannot store a run's progress",
						slog.String("run_id", r.id), slog.String("error", err.Error()))
				}
			})
		}
		wg.Wait()
	}
}

// flush waits until the background writes are done.
func (p *persister) flush() { p.idle.Wait() }
