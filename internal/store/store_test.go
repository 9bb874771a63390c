package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/internal/store"
	"github.com/fluxly-go/fluxly/runtime"
)

func stores(t *testing.T, l store.Limits) map[string]store.Store {
	t.Helper()
	f, err := store.OpenFile(filepath.Join(t.TempDir(), "runs.db"), l, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m, err := store.OpenMemory(l)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(); m.Close() })
	return map[string]store.Store{"file": f, "memory": m}
}

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func run(i int, st runtime.Status, body string) store.Run {
	ep := "even"
	if i%2 == 1 {
		ep = "odd"
	}
	return store.Run{ID: fmt.Sprintf("run-%03d", i), Endpoint: ep, Status: st, Submitted: t0.Add(time.Duration(i) * time.Minute), Body: []byte(body)}
}

func ids(p store.Page) string {
	var s []string
	for _, r := range p.Runs {
		s = append(s, r.ID)
	}
	return strings.Join(s, " ")
}

func TestPutGetList(t *testing.T) {
	for name, s := range stores(t, store.Limits{}) {
		t.Run(name, func(t *testing.T) {
			for i := range 6 {
				if err := s.Put(run(i, runtime.Waiting, `{"n":`+fmt.Sprint(i)+`}`)); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Put(run(2, runtime.Completed, `{"n":2,"done":true}`)); err != nil {
				t.Fatal(err)
			}
			r, err := s.Get("run-002")
			if err != nil || r.Status != runtime.Completed || string(r.Body) != `{"n":2,"done":true}` || r.Endpoint != "even" {
				t.Fatalf("Get = %+v, %v", r, err)
			}
			if _, err := s.Get("nope"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("missing: %v", err)
			}
			p, _ := s.List(store.Filter{}, "", 100, 1<<20)
			if got := ids(p); got != "run-005 run-004 run-003 run-002 run-001 run-000" || p.Next != "" {
				t.Errorf("list %q next %q", got, p.Next)
			}
			p, _ = s.List(store.Filter{Endpoint: "odd"}, "", 100, 1<<20)
			if got := ids(p); got != "run-005 run-003 run-001" {
				t.Errorf("odd: %q", got)
			}
			done := runtime.Completed
			p, _ = s.List(store.Filter{Status: &done}, "", 100, 1<<20)
			if got := ids(p); got != "run-002" {
				t.Errorf("completed: %q", got)
			}
			p, _ = s.List(store.Filter{Since: t0.Add(4 * time.Minute)}, "", 100, 1<<20)
			if got := ids(p); got != "run-005 run-004" {
				t.Errorf("since: %q", got)
			}
			p, _ = s.List(store.Filter{Active: true}, "", 100, 1<<20)
			if got := ids(p); got != "run-005 run-004 run-003 run-001 run-000" {
				t.Errorf("active: %q", got)
			}
			// Paging by count, then by bytes (a page always has one run).
			var all []string
			cursor := ""
			for {
				p, err := s.List(store.Filter{}, cursor, 4, 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, ids(p))
				if cursor = p.Next; cursor == "" {
					break
				}
			}
			if got := strings.Join(all, " | "); got != "run-005 run-004 run-003 run-002 | run-001 run-000" {
				t.Errorf("pages by count: %q", got)
			}
			p, _ = s.List(store.Filter{}, "", 100, 1)
			if got := ids(p); got != "run-005" || p.Next == "" {
				t.Errorf("pages by bytes: %q next %q", got, p.Next)
			}
		})
	}
}

func TestEviction(t *testing.T) {
	for name, s := range stores(t, store.Limits{MaxRuns: 3, MaxBytes: 1 << 20}) {
		t.Run(name+"/count", func(t *testing.T) {
			_ = s.Put(run(100, runtime.InProgress, `{}`)) // active runs are never evicted
			for i := range 6 {
				if err := s.Put(run(i, runtime.Completed, `{}`)); err != nil {
					t.Fatal(err)
				}
			}
			p, _ := s.List(store.Filter{}, "", 100, 1<<20)
			if got := ids(p); got != "run-005 run-004 run-003 run-100" {
				t.Errorf("kept %q", got)
			}
			var ev *store.EvictedError
			if _, err := s.Get("run-000"); !errors.As(err, &ev) || ev.Endpoint != "even" {
				t.Errorf("evicted run: %v", err)
			}
		})
	}
	body := strings.Repeat("x", 10<<10)
	for name, s := range stores(t, store.Limits{MaxBytes: 35 << 10}) {
		t.Run(name+"/bytes", func(t *testing.T) {
			for i := range 6 {
				if err := s.Put(run(i, runtime.Failed, body)); err != nil {
					t.Fatal(err)
				}
			}
			p, _ := s.List(store.Filter{}, "", 100, 1<<30)
			if got := ids(p); got != "run-005 run-004 run-003" {
				t.Errorf("kept %q", got)
			}
		})
	}
}

func TestFileSurvivesReopenAndIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	s, err := store.OpenFile(path, store.Limits{}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(run(1, runtime.Completed, `{"x":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenFile(path, store.Limits{}, 50*time.Millisecond); !errors.Is(err, store.ErrLocked) {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = store.OpenFile(path, store.Limits{}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r, err := s.Get("run-001"); err != nil || string(r.Body) != `{"x":1}` {
		t.Errorf("after reopen: %+v, %v", r, err)
	}
}

func TestShrink(t *testing.T) {
	l := store.Limits{MaxValueBytes: 100, MaxRecordBytes: 4 << 10}
	input := json.RawMessage(`{"small":"ok","big":"` + strings.Repeat("a", 200) + `","html":"<b>"}`)
	big := map[string]string{"blob": strings.Repeat("b", 300)}
	mid := map[string]string{"blob": strings.Repeat("c", 80)}
	execs := []*runtime.WorkflowExecution{{Attempt: 1, Nodes: map[string][]runtime.NodeExecution{
		"big": {{Attempt: 1, Output: &big}},
		"mid": {{Attempt: 1, Output: &mid}},
	}}}
	in, out := store.Shrink(input, execs, l)
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(in, &fields); err != nil {
		t.Fatal(err)
	}
	if !store.IsMarker(fields["big"]) || string(fields["small"]) != `"ok"` || !strings.Contains(string(in), `"<b>"`) {
		t.Errorf("input %s", in)
	}
	if !strings.Contains(string(fields["big"]), `"bytes":202`) {
		t.Errorf("marker %s", fields["big"])
	}
	if raw, _ := out[0].Nodes["big"][0].Output.(json.RawMessage); !store.IsMarker(raw) {
		t.Errorf("big output kept: %v", out[0].Nodes["big"][0].Output)
	}
	if _, ok := out[0].Nodes["mid"][0].Output.(*map[string]string); !ok {
		t.Errorf("mid output replaced: %v", out[0].Nodes["mid"][0].Output)
	}
	if _, ok := execs[0].Nodes["big"][0].Output.(*map[string]string); !ok {
		t.Error("Shrink changed its argument")
	}
}

// TestConcurrentPuts: concurrent writers share commits (the file store's
// group commit), every write lands, and a write that cannot be stored
// fails alone.
func TestConcurrentPuts(t *testing.T) {
	for name, s := range stores(t, store.Limits{}) {
		t.Run(name, func(t *testing.T) {
			const n = 200
			errs := make(chan error, n+1)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					if err := s.Put(run(i, runtime.Waiting, `{}`)); err != nil {
						errs <- err
						return
					}
					errs <- s.Put(run(i, runtime.Completed, fmt.Sprintf(`{"n":%d}`, i)))
				})
			}
			if name == "file" {
				wg.Go(func() {
					bad := run(0, runtime.Waiting, `{}`)
					bad.ID = "" // bbolt refuses an empty key
					if err := s.Put(bad); err == nil {
						errs <- errors.New("a run without an id was stored")
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			for i := range n {
				r, err := s.Get(fmt.Sprintf("run-%03d", i))
				if err != nil || r.Status != runtime.Completed || string(r.Body) != fmt.Sprintf(`{"n":%d}`, i) {
					t.Fatalf("run %d: %+v, %v", i, r, err)
				}
			}
			p, err := s.List(store.Filter{}, "", 1000, 1<<20)
			if err != nil || len(p.Runs) != n {
				t.Fatalf("list: %d runs, %v", len(p.Runs), err)
			}
		})
	}
}

// TestTombstonesBounded: a store keeps as many tombstones as runs, the
// newest, across a reopen of the file.
func TestTombstonesBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	l := store.Limits{MaxRuns: 3, MaxBytes: 1 << 20}
	s, err := store.OpenFile(path, l, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	put := func(from, to int) {
		for i := from; i < to; i++ {
			if err := s.Put(run(i, runtime.Completed, `{}`)); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(0, 8) // runs 5–7 kept; tombstones of 2–4; 0 and 1 forgotten
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = store.OpenFile(path, l, time.Second); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put(8, 10) // kept 7–9; tombstones of 4–6
	var ev *store.EvictedError
	for i := range 10 {
		_, err := s.Get(fmt.Sprintf("run-%03d", i))
		switch {
		case i < 4 && !errors.Is(err, store.ErrNotFound),
			i >= 4 && i < 7 && !errors.As(err, &ev),
			i >= 7 && err != nil:
			t.Errorf("run %d: %v", i, err)
		}
	}
}
