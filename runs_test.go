package fluxly_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/runtime"
)

// A workflow whose typed outputs feed later nodes, to resume: extract
// hands rows to transform, which fails when told to; load reads both.
type resumeInput struct {
	runtime.Input
	Rows  int    `json:"rows" default:"3"`
	Fail  bool   `json:"fail"`
	Token string `json:"token" fluxly:"secret"`
	// Region has no default and its zero value breaks its pattern: the
	// recorded input must leave it out, or the resume's decode refuses it.
	Region string `json:"region" jsonschema:"pattern=^[A-Z]{2}$"`
}

type rowsOut struct {
	Rows []int `json:"rows"`
}

type sumOut struct {
	Sum int `json:"sum"`
}

// Calls of each node's logic, across runs.
var extractCalls, transformCalls, loadCalls atomic.Int32

type extract struct {
	runtime.Node[resumeInput, rowsOut]
}

func (extract) Logic(_ context.Context, x *runtime.Exec[resumeInput, rowsOut]) error {
	extractCalls.Add(1)
	for i := range x.Input.Rows {
		x.Output.Rows = append(x.Output.Rows, i+1)
	}
	return nil
}

type transform struct {
	runtime.Node[resumeInput, sumOut]
	Extract *extract
}

func (t *transform) Logic(_ context.Context, x *runtime.Exec[resumeInput, sumOut]) error {
	transformCalls.Add(1)
	if x.Input.Fail {
		return runtime.Errorf(runtime.DataError, "told to fail")
	}
	for _, r := range t.Extract.Last().Output.Rows {
		x.Output.Sum += r
	}
	return nil
}

type load struct {
	runtime.Node[resumeInput, sumOut]
	Extract   *extract
	Transform *transform
}

func (l *load) Logic(_ context.Context, x *runtime.Exec[resumeInput, sumOut]) error {
	loadCalls.Add(1)
	x.Output.Sum = l.Transform.Last().Output.Sum * len(l.Extract.Last().Output.Rows)
	return nil
}

func newResumable() *runtime.Workflow[resumeInput] {
	wf := runtime.NewWorkflow[resumeInput]("resumable")
	e := runtime.Add(wf, &extract{}, runtime.Name("extract"))
	t := runtime.Add(wf, &transform{Extract: e}, runtime.Name("transform"))
	l := runtime.Add(wf, &load{Extract: e, Transform: t}, runtime.Name("load"))
	wf.AddEdge(e, t)
	wf.AddEdgeIfSourceCompleted(t, l)
	return wf
}

func resumeApp(t *testing.T) *fluxly.App {
	t.Helper()
	app := fluxly.New(fluxly.Name("fluxly"))
	fluxly.Register(app, "resumable", newResumable)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	return app
}

func calls() [3]int32 { return [3]int32{extractCalls.Load(), transformCalls.Load(), loadCalls.Load()} }

func TestRunsLocal(t *testing.T) {
	app := resumeApp(t)
	env := []string{"FLUXLY_DATA_DIR=" + t.TempDir(), "FLUXLY_TOKEN=s3cret"}
	before := calls()
	o := run(t, app, env, "resumable", "--rows", "4", "--fail", "--no-verbose")
	if o.code != 64 {
		t.Fatalf("first run: exit %d\n%s", o.code, o.stderr)
	}
	// list, JSON and table
	o = run(t, app, env, "runs", "list", "--format", "json")
	var page struct{ Runs []httpapi.Record }
	if err := json.Unmarshal([]byte(o.stdout), &page); err != nil || len(page.Runs) != 1 {
		t.Fatalf("runs list: exit %d %v\n%s%s", o.code, err, o.stdout, o.stderr)
	}
	failed := page.Runs[0]
	if failed.Status != runtime.DataError || string(failed.Input["token"]) != `"***"` || failed.Endpoint != "resumable" {
		t.Fatalf("recorded run: %+v", failed)
	}
	o = run(t, app, env, "runs", "list", "--status", "DATA_ERROR", "--endpoint", "resumable")
	if o.code != 0 || !strings.Contains(o.stdout, failed.RunID) || !strings.Contains(o.stdout, "DATA_ERROR") {
		t.Errorf("runs list table: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o = run(t, app, env, "runs", "list", "--status", "COMPLETED")
	if strings.Contains(o.stdout, failed.RunID) {
		t.Errorf("--status COMPLETED lists the failed run:\n%s", o.stdout)
	}
	o = run(t, app, env, "runs", "show", failed.RunID)
	for _, want := range []string{"DATA_ERROR (code 64)", "extract", "COMPLETED", "transform", "told to fail"} {
		if !strings.Contains(o.stdout, want) {
			t.Errorf("runs show lacks %q:\n%s%s", want, o.stdout, o.stderr)
		}
	}
	// The endpoint is its workflow and has no version: the first line
	// names it once.
	if first, _, _ := strings.Cut(o.stdout, "\n"); first != "Run "+failed.RunID+" of resumable" {
		t.Errorf("runs show's first line %q", first)
	}
	// Resume without the secret: refused, naming it.
	noSecret := []string{env[0]}
	o = run(t, app, noSecret, "runs", "resume", failed.RunID)
	if o.code != 2 || !strings.Contains(o.stderr, "token") || !strings.Contains(o.stderr, "give it again") {
		t.Fatalf("resume without the secret: exit %d\n%s", o.code, o.stderr)
	}
	// Resume with the failure switched off: extract does not run again.
	overrides := filepath.Join(t.TempDir(), "over.json")
	if err := os.WriteFile(overrides, []byte(`{"fail": false}`), 0o644); err != nil {
		t.Fatal(err)
	}
	mid := calls()
	result := filepath.Join(t.TempDir(), "resumed.json")
	o = run(t, app, env, "runs", "resume", failed.RunID, "--input-file", overrides, "--result-file", result, "--log-level", "warn")
	if o.code != 0 {
		t.Fatalf("resume: exit %d\n%s", o.code, o.stderr)
	}
	after := calls()
	if after[0] != mid[0] || after[1] != mid[1]+1 || after[2] != mid[2]+1 {
		t.Errorf("logic calls before %v, after the first run %v, after the resume %v: extract must not run again", before, mid, after)
	}
	res := readResult(t, result)
	if res.ResumedFrom != failed.RunID {
		t.Errorf("resumed_from %q", res.ResumedFrom)
	}
	if got, err := runtime.Output[sumOut](res, "load"); err != nil || got.Sum != 40 {
		t.Errorf("load saw %+v, %v: want (1+2+3+4)×4 = 40 from the recorded rows", got, err)
	}
	if !res.Last().Nodes["extract"][0].Reused {
		t.Error("extract's record is not marked reused")
	}
	// The resumed run is recorded too, linked to the first.
	o = run(t, app, env, "runs", "list", "--format", "json")
	_ = json.Unmarshal([]byte(o.stdout), &page)
	if len(page.Runs) != 2 || page.Runs[0].ResumedFrom != failed.RunID || page.Runs[0].Status != runtime.Completed {
		t.Errorf("after the resume: %+v", page.Runs)
	}
	// Errors: unknown run, finished run cancelled, completed run resumed.
	if o := run(t, app, env, "runs", "show", "no-such-run"); o.code != 1 || !strings.Contains(o.stderr, "no run no-such-run") {
		t.Errorf("unknown run: exit %d\n%s", o.code, o.stderr)
	}
	if o := run(t, app, env, "runs", "cancel", failed.RunID); o.code != 1 || !strings.Contains(o.stderr, "already finished") {
		t.Errorf("cancel a finished run: exit %d\n%s", o.code, o.stderr)
	}
	if o := run(t, app, env, "runs", "resume", page.Runs[0].RunID); o.code != 2 || !strings.Contains(o.stderr, "nothing to resume") {
		t.Errorf("resume a completed run: exit %d\n%s", o.code, o.stderr)
	}
	if o := run(t, app, env, "runs", "list", "--since", "yesterday"); o.code != 2 {
		t.Errorf("bad --since: exit %d\n%s", o.code, o.stderr)
	}
}

func TestRunsAgainstServer(t *testing.T) {
	app := resumeApp(t)
	capp, _, err := command.AppOf(app)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.New(capp, httpapi.Options{Token: "t0k", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Shutdown(context.Background())
	env := []string{"FLUXLY_API_BASE_URL=" + hs.URL, "FLUXLY_API_TOKEN=t0k", "FLUXLY_TOKEN=s3cret"}

	post := func(path, body string) (int, httpapi.Record) {
		req, _ := http.NewRequest("POST", hs.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer t0k")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var rec httpapi.Record
		b, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(b, &rec)
		return resp.StatusCode, rec
	}
	wait := func(id string) httpapi.Record {
		deadline := time.Now().Add(10 * time.Second)
		for {
			o := run(t, app, env, "runs", "show", id, "--format", "json")
			var rec httpapi.Record
			if err := json.Unmarshal([]byte(o.stdout), &rec); err != nil {
				t.Fatalf("runs show --url: exit %d %v\n%s%s", o.code, err, o.stdout, o.stderr)
			}
			if rec.Terminal() || time.Now().After(deadline) {
				return rec
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	code, first := post("/resumable/run", `{"rows": 2, "fail": true, "token": "s3cret"}`)
	if code != 202 {
		t.Fatalf("POST: %d", code)
	}
	if rec := wait(first.RunID); rec.Status != runtime.DataError {
		t.Fatalf("first run: %+v", rec)
	}
	o := run(t, app, env, "runs", "list", "--endpoint", "resumable")
	if o.code != 0 || !strings.Contains(o.stdout, first.RunID) {
		t.Errorf("runs list --url: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	// Over the API: without the secret, 422 names it; with it, 202.
	if code, _ := post("/runs/"+first.RunID+"/resume", `{"fail": false}`); code != 422 {
		t.Errorf("resume without the secret: %d, want 422", code)
	}
	mid := calls()
	code, resumed := post("/runs/"+first.RunID+"/resume", `{"fail": false, "token": "s3cret"}`)
	if code != 202 || resumed.ResumedFrom != first.RunID {
		t.Fatalf("resume: %d %+v", code, resumed)
	}
	rec := wait(resumed.RunID)
	res := &runtime.Result{Status: rec.Status, Executions: rec.Executions}
	if got, err := runtime.Output[sumOut](res, "load"); err != nil || got.Sum != 6 {
		t.Errorf("load: %+v %v (want (1+2)×2)", got, err)
	}
	if c := calls(); c[0] != mid[0] {
		t.Errorf("extract ran again: %v → %v", mid, c)
	}
	if code, _ := post("/runs/"+resumed.RunID+"/resume", ``); code != 409 {
		t.Errorf("resume a completed run: %d, want 409", code)
	}
	// The CLI resumes on the server, the secret from the environment.
	o = run(t, app, env, "runs", "resume", first.RunID)
	if o.code != 0 || !strings.Contains(o.stdout, "resumes "+first.RunID) {
		t.Errorf("runs resume --url: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	if o := run(t, app, env, "runs", "cancel", first.RunID); o.code != 1 || !strings.Contains(o.stderr, "409") {
		t.Errorf("cancel a finished run --url: exit %d\n%s", o.code, o.stderr)
	}
	if o := run(t, app, env, "runs", "show", "nope"); o.code != 1 || !strings.Contains(o.stderr, "404") {
		t.Errorf("unknown run --url: exit %d\n%s", o.code, o.stderr)
	}
}
