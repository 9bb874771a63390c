package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/runrec"
	"github.com/fluxly-go/fluxly/internal/store"
	"github.com/fluxly-go/fluxly/runtime"
)

// A command-line run is recorded in the data directory's cli.db, in the
// same form as the HTTP API's records, so `runs list/show/resume` read
// both. Several runs may go on at once in several processes, and a file
// store has one writer at a time: the recorder opens the store for each
// write and closes it at once. It writes the record (IN_PROGRESS) before
// the run starts, the progress in the background as node attempts end
// (coalesced, at most every flushEvery), and the final record when the run
// ends. A run left IN_PROGRESS by a process that is gone (killed, crashed)
// is found by the next command that opens the store and recorded
// INFRASTRUCTURE_ERROR, interrupted.

const (
	flushEvery  = 200 * time.Millisecond
	cancelEvery = time.Second
	lockWait    = 10 * time.Second
)

// recorder records one run; a nil recorder records nothing.
type recorder struct {
	path   string
	limits store.Limits
	run    store.Run

	mu       sync.Mutex
	rec      runrec.Wire
	progress runrec.Progress
	version  uint64
	stored   uint64
	cancel   context.CancelCauseFunc
	stop     chan struct{}
	done     chan struct{}
	flushErr error
}

// dataDir is where the command line keeps its run store: the --data-dir
// flag (or FLUXLY_DATA_DIR), else the user's state directory; "" when
// recording is off.
func dataDir(flag, app string) (string, error) {
	switch v := strings.TrimSpace(flag); {
	case strings.EqualFold(v, "off"):
		return "", nil
	case v != "":
		return v, nil
	}
	d, err := store.DefaultDir(app)
	if err != nil {
		return "", fmt.Errorf("no data directory for the run store (set --data-dir or FLUXLY_DATA_DIR, or \"off\"): %w", err)
	}
	return d, nil
}

// openRecorder records the run about to start. Runs interrupted earlier
// on this host are marked so on the way.
func (r *runner) openRecorder(id string, input *endpoint.Input, prev *runtime.Result) (*recorder, error) {
	dir, err := dataDir(r.control("data-dir"), r.app.Name)
	if err != nil || dir == "" {
		return nil, err
	}
	now := time.Now().UTC()
	in, _ := store.Shrink(encode(input.Redacted()), nil, store.Limits{})
	rc := &recorder{path: filepath.Join(dir, store.CLIFile)}
	rc.rec = runrec.Wire{RunID: id, Endpoint: r.w.Endpoint, Workflow: r.w.Name, Version: r.w.Version,
		Status: runtime.InProgress, StatusCode: runtime.InProgress.Code(), Submitted: now, Started: &now,
		Input: in, Executions: []*runtime.WorkflowExecution{}}
	if prev != nil {
		rc.rec.ResumedFrom = prev.RunID
	}
	rc.run = store.Run{ID: id, Endpoint: r.w.Endpoint, Submitted: now, ResumedFrom: rc.rec.ResumedFrom, Owner: owner()}
	err = withStore(rc.path, func(st store.Store) error {
		rc.limits = st.Limits()
		if _, err := runrec.Interrupt(st, now, "the process running it ended first", staleOwner); err != nil {
			return err
		}
		return st.Put(rc.snapshot())
	})
	if err != nil {
		return nil, fmt.Errorf("recording the run in %s: %w (--data-dir off records nothing)", rc.path, err)
	}
	rc.stored = rc.version
	return rc, nil
}

// withStore opens the store at path for fn, then closes it.
func withStore(path string, fn func(store.Store) error) error {
	st, err := store.OpenFile(path, store.Limits{}, lockWait)
	if err != nil {
		return err
	}
	err = fn(st)
	return errors.Join(err, st.Close())
}

// encode encodes plain data compactly, without HTML escaping.
func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// snapshot is the record as stored now. Called with mu held (or before the
// run starts).
func (rc *recorder) snapshot() store.Run {
	sr := rc.run
	sr.Status = rc.rec.Status
	if store.Terminal(sr.Status) {
		sr.Owner = ""
	}
	sr.Body = runrec.Encode(&rc.rec)
	return sr
}

// begin starts the background writer; cancel cancels the run when
// another process asks (runs cancel).
func (rc *recorder) begin(cancel context.CancelCauseFunc) {
	if rc == nil {
		return
	}
	rc.cancel, rc.stop, rc.done = cancel, make(chan struct{}), make(chan struct{})
	go rc.loop()
}

func (rc *recorder) observe(e runtime.Event) {
	if rc == nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.progress.Observe(&rc.rec, e) {
		rc.version++
	}
}

func (rc *recorder) loop() {
	defer close(rc.done)
	flush := time.NewTicker(flushEvery)
	defer flush.Stop()
	lastCheck := time.Now()
	for {
		select {
		case <-rc.stop:
			return
		case <-flush.C:
		}
		checkCancel := time.Since(lastCheck) >= cancelEvery
		rc.mu.Lock()
		dirty := rc.version > rc.stored
		var sr store.Run
		if dirty {
			sr = rc.snapshot()
		}
		version := rc.version
		rc.mu.Unlock()
		if !dirty && !checkCancel {
			continue
		}
		if checkCancel {
			lastCheck = time.Now()
		}
		var asked bool
		err := withStore(rc.path, func(st store.Store) error {
			// Read before writing: a cancellation asked since the last
			// write must survive this one.
			if cur, err := st.Get(rc.run.ID); err == nil && cur.CancelRequested {
				asked = true
				sr.CancelRequested = true
			}
			if dirty {
				return st.Put(sr)
			}
			return nil
		})
		rc.mu.Lock()
		if err != nil {
			rc.flushErr = err
		} else if dirty && version > rc.stored {
			rc.stored = version
		}
		rc.mu.Unlock()
		if asked {
			rc.cancel(errors.New("cancelled by request (runs cancel)"))
		}
	}
}

// end stops the background writer and writes the final record.
func (rc *recorder) end(res *runtime.Result, err error) error {
	if rc == nil {
		return nil
	}
	close(rc.stop)
	<-rc.done
	rc.mu.Lock()
	runrec.Finish(&rc.rec, res, err, time.Now().UTC(), rc.limits)
	sr := rc.snapshot()
	rc.mu.Unlock()
	return withStore(rc.path, func(st store.Store) error { return st.Put(sr) })
}

// owner names this process as host:pid.
func owner() string {
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid())
}

// staleOwner reports whether the process that owns an active run on this
// host is gone.
func staleOwner(r store.Run) bool {
	host, pid, ok := strings.Cut(r.Owner, ":")
	me, _ := os.Hostname()
	if !ok || host != me {
		return false // another host's: its process cannot be checked from here
	}
	n, err := strconv.Atoi(pid)
	if err != nil {
		return false
	}
	return !alive(n)
}

// alive reports whether the process pid exists (or may: on systems where
// that cannot be asked, it says yes and the run stays as it is).
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	if goruntime.GOOS == "windows" || goruntime.GOOS == "plan9" {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, os.ErrPermission)
}
