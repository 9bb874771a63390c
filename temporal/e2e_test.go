package temporal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"

	"github.com/fluxly-go/fluxly/runtime"
	"github.com/fluxly-go/fluxly/temporal/internal/testflows"
)

var update = flag.Bool("update", false, "write the histories TestReplay replays (testdata/histories) from the end-to-end runs")

// histories names the cases whose histories TestReplay keeps.
var histories = map[string]string{
	`echo-msg{"count": 2, "token": "s3cret", "verbose": false}`: "echo-msg",
	`producer-consumer{"value": 0}`:                             "producer-consumer-zero",
	`etl{"dry_run": true}`:                                      "etl-dry-run",
	`branching{"fail_b": true}`:                                 "branching-fail-b",
	`flaky{}`:                                                   "flaky",
	`fail-with{"status": "DATA_ERROR", "max_retries": 2, "retry_delay_seconds": 0.05}`: "fail-with-retries",
	`orders{"fail_notify": true}`:                 "orders-fail-notify",
	`slow{"sleep": "3s", "timeout_seconds": 0.4}`: "slow-timeout",
	`pipeline{"token": "abc"}`:                    "pipeline",
	`hooks{"fail_node": true}`:                    "hooks-fail-node",
	`limited{}`:                                   "limited",
	`chain{}`:                                     "chain",
}

// The done-when test of the integration: the dev server, two worker
// processes of the test binary, and every case submitted through the
// app's command line. Each run exits with the local run's code and
// records the local run's statuses, per-node records and outputs
// (compared field by field but for times and ids); hooks journal the
// same lines in the same order; and each run's history replays without
// a non-determinism error.
func TestEndToEnd(t *testing.T) {
	dir := workDir(t)
	remoteJournal, localJournal := filepath.Join(dir, "journal-remote"), filepath.Join(dir, "journal-local")
	t.Setenv(testflows.JournalEnv, localJournal)
	c := newCluster(t, dir, testflows.JournalEnv+"="+remoteJournal)
	c.startWorkers(2)
	cl := c.client()
	app := newApp(t)
	for i, tc := range cases {
		t.Run(tc.endpoint+tc.input, func(t *testing.T) {
			_ = os.Remove(localJournal)
			local := localRun(t, app, tc)
			_ = os.Remove(remoteJournal)
			in, out := filepath.Join(dir, fmt.Sprintf("in-%d.json", i)), filepath.Join(dir, fmt.Sprintf("out-%d.json", i))
			if err := os.WriteFile(in, []byte(tc.input), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			code, _, stderr := c.run(ctx, nil, tc.endpoint, "--input-file", in, "--result-file", out, "--log-level", "warn")
			if code != local.StatusCode {
				t.Fatalf("exit %d, local %d\n%s", code, local.StatusCode, stderr)
			}
			remote := readResult(t, out)
			sameResult(t, tc.endpoint+" "+tc.input, local, remote)
			if l, r := readJournal(t, localJournal), readJournal(t, remoteJournal); l != r {
				t.Errorf("journal:\n%s\nlocal:\n%s", r, l)
			}
			h := history(ctx, t, cl, remote.RunID)
			if err := replay(app, h, false); err != nil {
				t.Errorf("replaying the run's history: %v", err)
			}
			if name := histories[tc.endpoint+tc.input]; name != "" && *update {
				writeHistory(t, name, h)
			}
		})
	}
	// The runs' logs and progress came through the observer: a failed
	// node's line is on the app's stderr, as in a local run.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, _, stderr := c.run(ctx, nil, "flaky", "--succeed-on", "2", "--log-format", "json")
	if code != 0 || !strings.Contains(stderr, `"msg":"node attempt failed; retrying"`) || !strings.Contains(stderr, `"msg":"workflow finished"`) {
		t.Errorf("exit %d, logs:\n%s", code, stderr)
	}
	// The run report is written from the records, as after a local run.
	code, _, stderr = c.run(ctx, nil, "orders", "--auto-generate-md", "--md-file-path", "report.md", "--diagram-file-path", "report.dot", "--log-level", "warn")
	report, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if code != 0 || err != nil || !strings.Contains(string(report), "COMPLETED") {
		t.Errorf("report: exit %d, %v\n%s\n%s", code, err, stderr, report)
	}
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	_ = json.Compact(&b, raw)
	return b.String()
}

func readResult(t *testing.T, path string) *runtime.Result {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res runtime.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return &res
}

// history fetches a run's history from the server.
func history(ctx context.Context, t *testing.T, cl client.Client, runID string) *historypb.History {
	t.Helper()
	it := cl.GetWorkflowHistory(ctx, runID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	return h
}

func writeHistory(t *testing.T, name string, h *historypb.History) {
	t.Helper()
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(moduleDir, "testdata", "histories", name+".json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The HTTP API with Temporal behind it: 202 and a record that polls to
// the local run's outcome, cancellation (62), and resumption.
func TestEndToEndHTTP(t *testing.T) {
	dir := workDir(t)
	c := newCluster(t, dir)
	c.startWorkers(2)
	app := newApp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := c.command(ctx, nil, "serve", "--port", "0", "--data-dir", "off", "--log-format", "json")
	logs := &lockedBuffer{b: new(bytes.Buffer)}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(cmd, 15*time.Second) })
	base := waitLog(ctx, t, logs, regexp.MustCompile(`"url":"(http://127\.0\.0\.1:\d+)"`))

	// A run compares with the local one.
	tc := testCase{"orders", `{"orders": [-1, 0]}`}
	local := localRun(t, app, tc)
	id := submit(t, base, tc.endpoint, tc.input)
	rec := poll(ctx, t, base, id)
	if rec.Status != local.Status || rec.StatusCode != local.StatusCode {
		t.Fatalf("status %v (%d), local %v", rec.Status, rec.StatusCode, local.Status)
	}
	sameResult(t, "over HTTP", &runtime.Result{Status: local.Status, StatusCode: local.StatusCode, Workflow: local.Workflow, Version: local.Version,
		Error: local.Error, Executions: local.Executions}, &runtime.Result{Status: rec.Status, StatusCode: rec.StatusCode, Workflow: rec.Workflow,
		Version: rec.Version, Error: rec.Error, Executions: rec.Executions})

	// Resuming it keeps fetch, which completed, and runs the rest.
	resumed := poll(ctx, t, base, post(t, base+"/runs/"+id+"/resume", `{"threshold": 0}`, http.StatusAccepted))
	ex := resumed.Executions[0]
	if resumed.Status != runtime.DataValidationFailure || resumed.ResumedFrom != id || len(ex.Nodes["fetch"]) != 1 || !ex.Nodes["fetch"][0].Reused ||
		len(ex.Nodes["validate"]) != 1 || ex.Nodes["validate"][0].Reused {
		t.Fatalf("resumed: %+v", resumed)
	}

	// While a run is in flight its record shows the node attempts that
	// have ended (the workflow's progress query); cancelling it ends it
	// CANCELLED, the node in flight too.
	id = submit(t, base, "fault", fmt.Sprintf(`{"dir": %q}`, dir))
	waitFile(ctx, t, filepath.Join(dir, "work-started"))
	for {
		rec := get(t, base, id)
		if rec.Status != runtime.InProgress {
			t.Fatalf("the run is %v before it was cancelled", rec.Status)
		}
		if len(rec.Executions) == 1 && len(rec.Executions[0].Nodes["a"]) == 1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("node a never showed up in the record of the run in flight: %+v", rec)
		case <-time.After(50 * time.Millisecond):
		}
	}
	post(t, base+"/runs/"+id+"/cancel", "", http.StatusOK)
	rec = poll(ctx, t, base, id)
	ex = rec.Executions[0]
	if rec.StatusCode != 62 || len(ex.Nodes["work"]) != 1 || ex.Nodes["work"][0].Status != runtime.Cancelled || ex.Nodes["a"][0].Status != runtime.Completed {
		t.Fatalf("cancelled: %+v", rec)
	}
}

// runRecord is what GET /runs/{id} answers, in part.
type runRecord struct{ runtime.Result }

func submit(t *testing.T, base, endpoint, body string) string {
	t.Helper()
	var rec struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal([]byte(postBody(t, base+"/"+endpoint+"/run", body, http.StatusAccepted)), &rec); err != nil {
		t.Fatal(err)
	}
	return rec.RunID
}

func post(t *testing.T, url, body string, want int) string {
	t.Helper()
	b := postBody(t, url, body, want)
	var rec struct {
		RunID string `json:"run_id"`
	}
	_ = json.Unmarshal([]byte(b), &rec)
	return rec.RunID
}

func postBody(t *testing.T, url, body string, want int) string {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	resp, err := http.Post(url, "application/json", r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %d, want %d: %s", url, resp.StatusCode, want, b)
	}
	return string(b)
}

func get(t *testing.T, base, id string) runRecord {
	t.Helper()
	resp, err := http.Get(base + "/runs/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rec runRecord
	if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// poll reads a run's record until it is terminal.
func poll(ctx context.Context, t *testing.T, base, id string) runRecord {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		rec := get(t, base, id)
		if rec.Status != runtime.Waiting && rec.Status != runtime.InProgress {
			return rec
		}
		select {
		case <-ctx.Done():
			t.Fatalf("run %s did not end: %+v", id, rec)
		case <-tick.C:
		}
	}
}

// waitLog waits for a log line matching re and returns its first group.
func waitLog(ctx context.Context, t *testing.T, logs *lockedBuffer, re *regexp.Regexp) string {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no log line matching %s:\n%s", re, logs.String())
		case <-tick.C:
		}
	}
}

// SIGINT stops a command-line run on Temporal as it stops a local one:
// exit 62, the node in flight recorded CANCELLED with the error the
// local runtime gives it (the signal context's cause).
func TestEndToEndInterrupt(t *testing.T) {
	dir := workDir(t)
	c := newCluster(t, dir)
	c.startWorkers(1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := filepath.Join(dir, "out.json")
	cmd := c.command(ctx, nil, "wait", "--sleep", "5m", "--dir", dir, "--result-file", out, "--log-level", "warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFile(ctx, t, filepath.Join(dir, "wait-started"))
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee, ok := err.(interface{ ExitCode() int }); !ok || ee.ExitCode() != 62 {
		t.Fatalf("exit: %v\n%s", err, &stderr)
	}
	res := readResult(t, out)
	w := res.Last().Nodes["wait"]
	if res.Status != runtime.Cancelled || len(w) != 1 || w[0].Status != runtime.Cancelled || w[0].Error == nil ||
		w[0].Error.Message != "run cancelled: interrupt signal received" || res.Error == nil || *res.Error != *w[0].Error || res.Last().NodeState("after") != runtime.NotReached {
		t.Fatalf("result: %+v %+v\nwait %+v %+v", res, res.Error, w, w[0].Error)
	}
}

// The environment trigger runs an endpoint on Temporal and exits with its
// status; a misconfigured app says which setting is wrong.
func TestEndToEndEnvTrigger(t *testing.T) {
	dir := workDir(t)
	c := newCluster(t, dir)
	c.startWorkers(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, _, stderr := c.run(ctx, []string{"FLUXLY_ENDPOINT=fail-with", "FLUXLY_STATUS=NETWORK_FAILURE", "FLUXLY_LOG_LEVEL=error"})
	if code != 83 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	code, _, stderr = c.run(ctx, []string{"FLUXLY_TEMPORAL_HEARTBEAT_TIMEOUT=-3s"}, "echo-msg")
	if code != 2 || !strings.Contains(stderr, "temporal.Options.HeartbeatTimeout -3s: negative") {
		t.Fatalf("bad option: exit %d\n%s", code, stderr)
	}
}

// The fault test: while a three-node run is in progress, the worker
// running its middle node is killed with SIGKILL. The run still completes
// on the other worker: the lost attempt is recorded (INFRASTRUCTURE_ERROR,
// worker_lost) and the node retried after its retry delay, as its retry
// policy says.
func TestWorkerKilled(t *testing.T) {
	dir := workDir(t)
	c := newCluster(t, dir, "FLUXLY_TEMPORAL_HEARTBEAT_TIMEOUT=2s")
	c.startWorkers(2)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := filepath.Join(dir, "out.json")
	cmd := c.command(ctx, nil, "fault", "--dir", dir, "--result-file", out, "--log-level", "warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(waitFile(ctx, t, filepath.Join(dir, "work-started")))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(c.workers, func(p *proc) bool { return p.cmd.Process.Pid == pid })
	if i < 0 {
		t.Fatalf("the node ran in process %d, not a worker", pid)
	}
	killed := time.Now()
	if err := c.workers[i].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = c.workers[i].cmd.Wait()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the run: %v\n%s", err, &stderr)
	}
	res := readResult(t, out)
	work := res.Last().Nodes["work"]
	if res.Status != runtime.Completed || len(work) != 2 {
		t.Fatalf("status %v, work %+v", res.Status, work)
	}
	lost, retry := work[0], work[1]
	if lost.Attempt != 1 || lost.Status != runtime.InfrastructureError || lost.Error == nil || lost.Error.Type != "worker_lost" ||
		!strings.Contains(lost.Error.Message, `node "work" attempt 1: the worker running it was lost`) {
		t.Errorf("the lost attempt: %+v %+v", lost, lost.Error)
	}
	if retry.Attempt != 2 || retry.Status != runtime.Completed || compact(retry.Output.(json.RawMessage)) != `{"n":21}` {
		t.Errorf("the retry: %+v", retry)
	}
	if gap := retry.Start.Sub(lost.End); gap < 200*time.Millisecond {
		t.Errorf("the retry started %v after the lost attempt was given up, under the retry delay of 200ms", gap)
	}
	// The heartbeat timeout (2s), plus the sticky queue's schedule-to-start
	// timeout (5s) when the killed worker held the workflow, plus load.
	if noticed := lost.End.Sub(killed); noticed > 30*time.Second {
		t.Errorf("the lost attempt was noticed %v after the kill, heartbeat timeout 2s", noticed)
	}
	if c := res.Last().Nodes["c"]; len(c) != 1 || c[0].Status != runtime.Completed {
		t.Errorf("c: %+v", c)
	}
	t.Logf("killed worker %d; the lost attempt recorded %v later; the retry ran %v after that", i+1,
		lost.End.Sub(killed).Round(time.Millisecond), retry.Start.Sub(lost.End).Round(time.Millisecond))
}

// A run nobody picks up says so after a while, naming the task queue.
func TestNoWorker(t *testing.T) {
	dir := workDir(t)
	c := newCluster(t, dir) // no workers
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := c.command(ctx, nil, "echo-msg", "--log-format", "json")
	logs := &lockedBuffer{b: new(bytes.Buffer)}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	queue := waitLog(ctx, t, logs, regexp.MustCompile(`"msg":"no worker polls the run's task queue[^"]*".*"task_queue":"([^"]+)"`))
	if queue != "test-TestNoWorker" {
		t.Errorf("task queue %q", queue)
	}
}
