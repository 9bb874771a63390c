// Package store keeps run records: durably in a file (bbolt, the
// default for the HTTP API and CLI runs) or in memory (tests, embedding).
// Both bound what they keep by bytes as well as by count: a record's
// large values are replaced by a marker (their size and SHA-256) before
// they are stored, and once the store is over its size or count, the runs
// that finished first are evicted; their ids are remembered (tombstones),
// so asking for one says it was evicted rather than that it never existed.
//
// A record is the run's JSON as the API serves it, with a little metadata
// beside it (endpoint, status, submission time) for listing and eviction.
package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// Run is one stored record.
type Run struct {
	ID          string         `json:"id"`
	Endpoint    string         `json:"endpoint"`
	Status      runtime.Status `json:"status"`
	Submitted   time.Time      `json:"submitted"`
	ResumedFrom string         `json:"resumed_from,omitempty"`
	// Owner names the process running the run, as host:pid, while it is
	// not terminal: a run left active by a process that is gone was
	// interrupted.
	Owner string `json:"owner,omitempty"`
	// CancelRequested asks the process running the run to cancel it (the
	// command line's runs cancel, for runs of another process).
	CancelRequested bool `json:"cancel_requested,omitempty"`
	// Body is the record's JSON as the API serves it.
	Body []byte `json:"-"`
}

// Terminal reports whether the run has ended.
func (r *Run) Terminal() bool { return Terminal(r.Status) }

// Terminal reports whether a run with status s has ended.
func Terminal(s runtime.Status) bool { return s != runtime.Waiting && s != runtime.InProgress }

// Filter selects runs in List; zero fields select everything.
type Filter struct {
	Endpoint string
	Status   *runtime.Status
	Since    time.Time // submitted at or after
	Active   bool      // only runs not yet terminal
}

func (f Filter) match(r *Run) bool {
	switch {
	case f.Endpoint != "" && r.Endpoint != f.Endpoint:
		return false
	case f.Status != nil && r.Status != *f.Status:
		return false
	case !f.Since.IsZero() && r.Submitted.Before(f.Since):
		return false
	case f.Active && r.Terminal():
		return false
	}
	return true
}

// Page is one page of List.
type Page struct {
	Runs []Run
	// Next is the cursor of the following page, or "" at the end.
	Next string
}

// Limits bound a store. The zero value of a field means its default.
type Limits struct {
	// MaxRuns is how many finished runs are kept (default 10,000).
	MaxRuns int
	// MaxBytes bounds the records' bytes together (default 512 MiB in a
	// file, 64 MiB in memory); finished runs are evicted oldest first.
	MaxBytes int64
	// MaxRecordBytes bounds one record (default 1 MiB): past it, node
	// outputs and then input values are replaced by markers, largest
	// first.
	MaxRecordBytes int
	// MaxValueBytes bounds one input value or node output in a record
	// (default 64 KiB); a larger one is replaced by a marker.
	MaxValueBytes int
}

// Default limits.
const (
	DefaultMaxRuns         = 10_000
	DefaultMaxFileBytes    = 512 << 20
	DefaultMaxMemoryBytes  = 64 << 20
	DefaultMaxRecordBytes  = 1 << 20
	DefaultMaxValueBytes   = 64 << 10
	tombstonesPerKeptRun   = 1 // tombstones kept: as many as MaxRuns
	minRecordBytesForLimit = 4 << 10
)

func (l Limits) fill(memory bool) (Limits, error) {
	if l.MaxRuns < 0 || l.MaxBytes < 0 || l.MaxRecordBytes < 0 || l.MaxValueBytes < 0 {
		return l, errors.New("store: limits must not be negative")
	}
	if l.MaxRuns == 0 {
		l.MaxRuns = DefaultMaxRuns
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultMaxFileBytes
		if memory {
			l.MaxBytes = DefaultMaxMemoryBytes
		}
	}
	if l.MaxRecordBytes == 0 {
		l.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if l.MaxValueBytes == 0 {
		l.MaxValueBytes = DefaultMaxValueBytes
	}
	if l.MaxRecordBytes < minRecordBytesForLimit {
		return l, fmt.Errorf("store: MaxRecordBytes %d is under %d", l.MaxRecordBytes, minRecordBytesForLimit)
	}
	if l.MaxValueBytes > l.MaxRecordBytes {
		l.MaxValueBytes = l.MaxRecordBytes
	}
	return l, nil
}

// Store keeps run records.
type Store interface {
	// Put stores r (replacing an earlier record of the same id); when it
	// returns nil the record is as durable as the store is.
	Put(r Run) error
	// Get returns the run with id, ErrNotFound, or an *EvictedError.
	Get(id string) (Run, error)
	// List returns up to limit runs matching f, newest first, their
	// bodies together at most maxBytes (but at least one run), starting
	// after cursor ("" for the newest).
	List(f Filter, cursor string, limit int, maxBytes int) (Page, error)
	// Limits returns the store's limits, defaults filled in.
	Limits() Limits
	// Close releases the store.
	Close() error
}

// ErrNotFound is returned by Get for an id the store never had.
var ErrNotFound = errors.New("no such run")

// EvictedError is returned by Get for a run that was evicted.
type EvictedError struct {
	ID, Endpoint string
}

func (e *EvictedError) Error() string { return fmt.Sprintf("run %s was evicted from the store", e.ID) }

// Marker is what a value too large to keep is replaced with in a record.
type Marker struct {
	Truncated bool   `json:"truncated"`
	Bytes     int    `json:"bytes"`
	SHA256    string `json:"sha256"`
}

// IsMarker reports whether a JSON value is a Marker.
func IsMarker(raw json.RawMessage) bool {
	var m Marker
	return json.Unmarshal(raw, &m) == nil && m.Truncated && m.SHA256 != ""
}

func markerOf(raw []byte) json.RawMessage {
	sum := sha256.Sum256(raw)
	b, _ := json.Marshal(Marker{Truncated: true, Bytes: len(raw), SHA256: hex.EncodeToString(sum[:])})
	return b
}

func errBadCursor(c string) error { return fmt.Errorf("bad cursor %q", c) }

// DefaultDir is the per-user directory of app's run stores:
// $XDG_STATE_HOME/fluxly/<app> (else ~/.local/state/fluxly/<app>) on
// Linux and other Unix systems, <user config dir>/fluxly/<app> on macOS
// and Windows.
func DefaultDir(app string) (string, error) {
	app = filepath.Base(filepath.Clean(app))
	if app == "." || app == string(filepath.Separator) || app == "" {
		app = "app"
	}
	switch goruntime.GOOS {
	case "darwin", "windows", "ios", "plan9":
		base, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(base, "fluxly", app), nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "fluxly", app), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state", "fluxly", app), nil
}

// Files of a data directory: the server's store and the command line's.
const (
	ServerFile = "server.db"
	CLIFile    = "cli.db"
)
