package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/runtime"
)

// TestShutdownCancelsAfterGrace: when the grace period is over, the waiting
// run ends CANCELLED at once and the running one as soon as the runtime
// stops it; every record is terminal when Shutdown returns.
func TestShutdownCancelsAfterGrace(t *testing.T) {
	f := newFixture(t, httpapi.Options{Workers: 1})
	running := submit(t, f, "gate", `{}`)
	waitRunning(t, f, running.RunID)
	waiting := submit(t, f, "gate", `{}`)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := f.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		id, message string
		started     bool
	}{
		{running.RunID, "run cancelled: the server shut down", true},
		{waiting.RunID, "run cancelled before it started: the server shut down", false},
	} {
		rec := getRecord(t, f, tt.id)
		if rec.Status != runtime.Cancelled || rec.StatusCode != 62 || rec.Error == nil || rec.Error.Message != tt.message ||
			(rec.Started != nil) != tt.started || rec.Finished == nil {
			t.Errorf("record after shutdown: %+v", rec)
		}
	}
}

// TestShutdownLetsRunsFinish: within the grace period, running and waiting
// runs go on to the end.
func TestShutdownLetsRunsFinish(t *testing.T) {
	f := newFixture(t, httpapi.Options{Workers: 1})
	running := submit(t, f, "gate", `{}`)
	waitRunning(t, f, running.RunID)
	waiting := submit(t, f, "gate", `{}`)
	done := make(chan error, 1)
	go func() { done <- f.Shutdown(context.Background()) }()
	// New runs are refused while draining...
	deadline := time.Now().Add(10 * time.Second)
	for do(t, f, request{method: "POST", path: "/echo-msg/run", body: `{}`}).Code != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("submissions still accepted while draining")
		}
		time.Sleep(time.Millisecond)
	}
	// ...and the accepted ones complete once released.
	f.open()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{running.RunID, waiting.RunID} {
		if rec := getRecord(t, f, id); rec.Status != runtime.Completed {
			t.Errorf("run %s: %s", id, rec.Status)
		}
	}
}

// TestListenAndServe runs a real listener on 127.0.0.1: the ready address
// answers, and cancelling the context shuts down within the grace period,
// cancelling the run still in flight.
func TestListenAndServe(t *testing.T) {
	logs := &syncBuffer{}
	release := make(chan struct{})
	defer close(release)
	s, err := httpapi.New(appOf(newApp(release)), httpapi.Options{
		GracePeriod: 100 * time.Millisecond,
		Logger:      newJSONLogger(logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() { served <- s.ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { addrs <- a }) }()
	var base string
	select {
	case a := <-addrs:
		base = "http://" + a.String()
	case err := <-served:
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()

	resp, err := client.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"status":"ok"}`+"\n" {
		t.Fatalf("GET /health: %d %q", resp.StatusCode, body)
	}
	resp, err = client.Post(base+"/gate/run", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var rec httpapi.Record
	err = json.NewDecoder(resp.Body).Decode(&rec)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") != "/runs/"+rec.RunID {
		t.Fatalf("POST /gate/run: %d %v %+v", resp.StatusCode, err, rec)
	}
	waitRunning(t, s, rec.RunID)

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("ListenAndServe: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ListenAndServe did not return")
	}
	if _, err := client.Get(base + "/health"); err == nil {
		t.Error("the listener is still open")
	}
	if got := getRecord(t, s, rec.RunID); got.Status != runtime.Cancelled {
		t.Errorf("run in flight ended %s, want CANCELLED", got.Status)
	}
	var finished, complete bool
	for _, l := range logs.logLines(t) {
		switch {
		case l["msg"] == "run finished" && l["run_id"] == rec.RunID && l["status"] == "CANCELLED":
			finished = true
		case l["msg"] == "shutdown complete" && fmt.Sprint(l["runs"]) == "map[CANCELLED:1]":
			complete = true
		}
	}
	if !finished || !complete {
		t.Errorf("missing shutdown logs:\n%s", logs)
	}
}

func TestListenAndServeBadAddress(t *testing.T) {
	s, err := httpapi.New(appOf(newApp(nil)), httpapi.Options{Logger: newJSONLogger(io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	err = s.ListenAndServe(context.Background(), "127.0.0.1:-1", func(net.Addr) { t.Error("ready called") })
	if err == nil {
		t.Fatal("listening on port -1 succeeded")
	}
}

// TestConcurrentSubmissions: 1,000 submissions at once all reach a
// terminal state; each record is retrievable or, past the history bound,
// reported evicted; no goroutine outlives the server (goleak, TestMain).
func TestConcurrentSubmissions(t *testing.T) {
	const n, history = 1000, 500
	f := newFixture(t, httpapi.Options{Workers: 8, QueueSize: n, HistorySize: history})
	srv := httptest.NewServer(f)
	defer srv.Close()
	tr := &http.Transport{MaxConnsPerHost: 128, MaxIdleConnsPerHost: 128}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			resp, err := client.Post(srv.URL+"/echo-msg/run", "application/json", strings.NewReader(fmt.Sprintf(`{"count":1,"message":"m%d"}`, i)))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				errs <- fmt.Errorf("submission %d: %d %s %v", i, resp.StatusCode, body, err)
				return
			}
			var rec httpapi.Record
			if err := json.Unmarshal(body, &rec); err != nil {
				errs <- err
				return
			}
			ids[i] = rec.RunID
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.Shutdown(ctx); err != nil { // waits for every run
		t.Fatal(err)
	}
	var kept, evicted int
	for _, id := range ids {
		w := do(t, f, request{method: "GET", path: "/runs/" + id})
		switch w.Code {
		case http.StatusOK:
			kept++
			if rec := decodeRecord(t, w.Body.Bytes()); rec.Status != runtime.Completed {
				t.Errorf("run %s: %s", id, rec.Status)
			}
		case http.StatusGone:
			evicted++
		default:
			t.Errorf("GET /runs/%s: %d %s", id, w.Code, w.Body)
		}
	}
	if kept != history || evicted != n-history {
		t.Errorf("%d kept and %d evicted, want %d and %d", kept, evicted, history, n-history)
	}
	finished := map[string]string{}
	for _, l := range f.logs.logLines(t) {
		if l["msg"] == "run finished" {
			finished[l["run_id"].(string)] = l["status"].(string)
		}
	}
	for _, id := range ids {
		if finished[id] != "COMPLETED" {
			t.Errorf("run %s finished %q", id, finished[id])
		}
	}
	w := do(t, f, request{method: "GET", path: "/runs?limit=1000"})
	var list struct{ Runs []httpapi.Record }
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Runs) != history {
		t.Errorf("GET /runs: %d runs, %v", len(list.Runs), err)
	}
}

// Workflows that misbehave in the ways a run can: a constructor that
// fails after describing, an output that cannot be encoded, and a
// workflow hook that ignores its cancelled context.
type misInput struct{ runtime.Input }

type chanOutput struct {
	Ch chan int `json:"ch"`
}

var stuckRelease = make(chan struct{})

type stuckHooks struct{}

func (stuckHooks) OnFinish(context.Context) { <-stuckRelease }

func misbehavingApp(t *testing.T) *httpapi.Server {
	t.Helper()
	app := fluxly.New(fluxly.Name("misbehaving"))
	var calls atomic.Int32
	fluxly.Register(app, "second-nil", func() *runtime.Workflow[misInput] {
		if calls.Add(1) > 1 {
			return nil
		}
		wf := runtime.NewWorkflow[misInput]("second-nil")
		runtime.AddFunc(wf, "n", func(context.Context, *runtime.Exec[misInput, runtime.NoOutput]) error { return nil })
		return wf
	})
	fluxly.Register(app, "bad-output", func() *runtime.Workflow[misInput] {
		wf := runtime.NewWorkflow[misInput]("bad-output")
		runtime.AddFunc(wf, "echo", func(context.Context, *runtime.Exec[misInput, chanOutput]) error { return nil })
		return wf
	})
	fluxly.Register(app, "stuck", func() *runtime.Workflow[misInput] {
		wf := runtime.NewWorkflow[misInput]("stuck", runtime.Hooks(stuckHooks{}))
		runtime.AddFunc(wf, "n", func(context.Context, *runtime.Exec[misInput, runtime.NoOutput]) error { return nil })
		return wf
	})
	s, err := httpapi.New(appOf(app), httpapi.Options{Logger: newJSONLogger(io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A run that cannot start fails with its reason, and a result that cannot
// be encoded still leaves a record to read.
func TestMisbehavingApp(t *testing.T) {
	tests := []struct {
		endpoint string
		want     string // the final record's error, as JSON
	}{
		{"second-nil", `{"type":"*errors.errorString","message":"workflow constructor returned nil"}`},
		{"bad-output", `{"type":"encoding","message":"the executions cannot be encoded as JSON: json: unsupported type: chan int"}`},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			s := misbehavingApp(t)
			rec := submit(t, s, tt.endpoint, `{}`)
			final := waitTerminal(t, s, rec.RunID)
			got, _ := json.Marshal(final.Error)
			if string(got) != tt.want {
				t.Errorf("error %s, want %s", got, tt.want)
			}
			if err := s.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A run whose workflow hook ignores its cancelled context cannot hold
// Shutdown forever: it gives up after a few seconds and names the run.
func TestShutdownGivesUpOnStuckRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the abandon timeout")
	}
	defer close(stuckRelease)
	s := misbehavingApp(t)
	rec := submit(t, s, "stuck", `{}`)
	waitRunning(t, s, rec.RunID)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Shutdown(ctx)
	if err == nil || !strings.Contains(err.Error(), "1 run(s) still running 5s after cancellation: "+rec.RunID) {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestServerLimits: ListenAndServe applies the header size limit and the
// header read timeout.
func TestServerLimits(t *testing.T) {
	s, err := httpapi.New(appOf(newApp(nil)), httpapi.Options{
		MaxHeaderBytes:    1 << 10,
		ReadHeaderTimeout: 100 * time.Millisecond,
		Logger:            newJSONLogger(io.Discard),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() { served <- s.ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { addrs <- a }) }()
	addr := (<-addrs).String()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()

	// Headers over the limit (net/http allows 4 KiB of slack) get 431.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 16<<10))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 431 ") {
		t.Errorf("oversized headers: %q %v", status, err)
	}

	// A client that never finishes its headers is cut off.
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprint(slow, "GET /health HTTP/1.1\r\nHost: x\r\n")
	_ = slow.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.ReadAll(slow); err != nil {
		t.Errorf("the connection was not closed by the server: %v", err)
	}
}
