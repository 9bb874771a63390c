package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/internal/store"
	"github.com/fluxly-go/fluxly/runtime"
)

// TestCrashAndRestart accepts runs on a server process that is killed
// with SIGKILL while submissions are in flight, and restarted, several
// times over the same data directory. Every id the server answered 202
// for must then resolve to a terminal status — never 404 — and the store
// must open cleanly.
func TestCrashAndRestart(t *testing.T) {
	const rounds, perRound = 5, 200
	dir := t.TempDir()
	env := []string{serveEnv + "=1", "FLUXLY_DATA_DIR=" + dir}
	var accepted []string
	started := time.Now()
	for round := range rounds {
		p := startProcess(t, os.Args[0], env, "--workers", "4")
		ids := submitUntil(t, p.base, perRound, round)
		accepted = append(accepted, ids...)
		// Kill while the submitters are still at it and runs are going on.
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-p.exited
	}
	p := startProcess(t, os.Args[0], env)
	statuses := map[runtime.Status]int{}
	for _, id := range accepted {
		code, body := get(t, p.base+"/runs/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("run %s, accepted before a crash: GET %d %s", id, code, body)
		}
		var rec httpapi.Record
		if err := json.Unmarshal([]byte(body), &rec); err != nil {
			t.Fatal(err)
		}
		if !rec.Terminal() {
			// The restarted server finishes nothing it did not start: a
			// run from before the crash must already be terminal.
			t.Fatalf("run %s is %s after the restart", id, rec.Status)
		}
		if rec.Status == runtime.InfrastructureError && (rec.Error == nil || rec.Error.Type != "interrupted") {
			t.Errorf("run %s: INFRASTRUCTURE_ERROR without the interrupted reason: %+v", id, rec.Error)
		}
		statuses[rec.Status]++
	}
	p.terminate(t)
	st, err := store.OpenFile(filepath.Join(dir, store.ServerFile), store.Limits{}, time.Second)
	if err != nil {
		t.Fatalf("the store does not open after the crashes: %v", err)
	}
	defer st.Close()
	if page, err := st.List(store.Filter{Active: true}, "", 10, 1<<20); err != nil || len(page.Runs) != 0 {
		t.Errorf("active runs left in the store: %d, %v", len(page.Runs), err)
	}
	fi, _ := os.Stat(filepath.Join(dir, store.ServerFile))
	t.Logf("%d runs accepted over %d kills and restarts in %v; after the last restart: %v; store %d KiB",
		len(accepted), rounds, time.Since(started).Round(time.Millisecond), statuses, fi.Size()>>10)
	if statuses[runtime.InfrastructureError] == 0 {
		t.Error("no run was caught by a kill: the test did not crash anything mid-run")
	}
}

// submitUntil posts runs from several goroutines until n were accepted,
// and returns their ids; the submitters stop once n are in. Some runs take
// a second, so kills catch them running or waiting.
func submitUntil(t *testing.T, base string, n, round int) []string {
	t.Helper()
	var (
		mu   sync.Mutex
		ids  []string
		done atomic.Bool
		wg   sync.WaitGroup
	)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()
	for g := range 8 {
		wg.Go(func() {
			for i := 0; !done.Load(); i++ {
				path, body := "/echo-msg/run", `{"count": 1, "message": "round `+fmt.Sprint(round)+`"}`
				if (g+i)%10 == 0 {
					path, body = "/slow/run", `{"sleep": "3s"}`
				}
				resp, err := client.Post(base+path, "application/json", strings.NewReader(body))
				if err != nil {
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					continue // 429: the queue is full for now
				}
				var rec httpapi.Record
				if json.Unmarshal(b, &rec) != nil {
					continue // cut off mid-answer: not an acceptance the client saw
				}
				mu.Lock()
				ids = append(ids, rec.RunID)
				if len(ids) >= n {
					done.Store(true)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return ids
}
