package fluxly_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/runtime"
)

// everyInput has a field of every kind an input may hold.
type everyInput struct {
	runtime.Input
	Text     string            `json:"text" default:"plain"`
	Count    int               `json:"count" default:"1" jsonschema:"minimum=0"`
	Small    int8              `json:"small"`
	Big      uint64            `json:"big"`
	Ratio    float64           `json:"ratio"`
	Flag     bool              `json:"flag"`
	Tags     []string          `json:"tags"`
	Nums     []int             `json:"nums"`
	Wait     time.Duration     `json:"wait" default:"1s"`
	Waits    []time.Duration   `json:"waits"`
	At       time.Time         `json:"at"`
	Limit    *int              `json:"limit"`
	Mode     string            `json:"mode" default:"fast" enum:"fast,slow"`
	Labels   map[string]string `json:"labels"`
	Password string            `json:"password" fluxly:"secret"`
	DB       struct {
		Host string `json:"host" default:"localhost"`
		Port int    `json:"port" default:"5432"`
	} `json:"db"`
	Untouched string `json:"untouched" default:"left alone"`
}

func newEvery() *runtime.Workflow[everyInput] {
	wf := runtime.NewWorkflow[everyInput]("every")
	runtime.AddFunc(wf, "echo", func(_ context.Context, x *runtime.Exec[everyInput, everyInput]) error {
		*x.Output = *x.Input
		return nil
	})
	return wf
}

// TestOneDecodingForEveryEntrypoint gives the same values through command
// line flags, the environment trigger, an input file and the HTTP API, and
// checks that the node sees identical structs.
func TestOneDecodingForEveryEntrypoint(t *testing.T) {
	app := fluxly.New(fluxly.Name("every"))
	fluxly.Register(app, "every", newEvery)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	doc := `{"text":"héllo, <world>","count":7,"small":-3,"big":18446744073709551615,"ratio":0.25,"flag":true,` +
		`"tags":["a","b c"],"nums":[1,2],"wait":"1m30s","waits":["1s","250ms"],"at":"2026-12-01T10:00:00Z",` +
		`"limit":5,"mode":"slow","labels":{"k":"v"},"password":"hunter2","db":{"host":"db.local","port":6000},` +
		`"verbose":false,"max_retries":0}`
	flags := []string{"--text", "héllo, <world>", "--count", "7", "--small=-3", "--big", "18446744073709551615",
		"--ratio", "0.25", "--flag", "--tags", "a", "--tags", "b c", "--nums", "1,2", "--wait", "1m30s",
		"--waits", "1s", "--waits", "250ms", "--at", "2026-12-01T10:00:00Z", "--limit", "5", "--mode", "slow",
		"--password", "hunter2", "--db-host", "db.local", "--db-port", "6000", "--no-verbose"}
	env := []string{"FLUXLY_TEXT=héllo, <world>", "FLUXLY_COUNT=7", "FLUXLY_SMALL=-3", "FLUXLY_BIG=18446744073709551615",
		"FLUXLY_RATIO=0.25", "FLUXLY_FLAG=true", `FLUXLY_TAGS=["a","b c"]`, "FLUXLY_NUMS=1,2", "FLUXLY_WAIT=1m30s",
		"FLUXLY_WAITS=1s,250ms", "FLUXLY_AT=2026-12-01T10:00:00Z", "FLUXLY_LIMIT=5", "FLUXLY_MODE=slow",
		`FLUXLY_LABELS={"k":"v"}`, "FLUXLY_PASSWORD=hunter2", "FLUXLY_DB_HOST=db.local", "FLUXLY_DB_PORT=6000",
		"FLUXLY_VERBOSE=false"}
	dir := t.TempDir()
	inFile := filepath.Join(dir, "in.json")
	if err := os.WriteFile(inFile, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}

	cli := func(t *testing.T, env []string, args ...string) everyInput {
		t.Helper()
		out := filepath.Join(t.TempDir(), "result.json")
		o := run(t, app, append(env, "FLUXLY_RESULT_FILE="+out), args...)
		if o.code != 0 {
			t.Fatalf("exit %d\n%s", o.code, o.stderr)
		}
		return echoed(t, readResult(t, out))
	}
	got := map[string]everyInput{
		// Maps are JSON-only: they come from the environment beside the flags.
		"flags":       cli(t, []string{`FLUXLY_LABELS={"k":"v"}`}, append([]string{"every"}, flags...)...),
		"environment": cli(t, append([]string{"FLUXLY_ENDPOINT=every"}, env...)),
		"input file":  cli(t, nil, "every", "--input-file", inFile),
		"http":        viaHTTP(t, app, doc),
	}
	want := got["http"]
	if want.Text != "héllo, <world>" || want.Big != 18446744073709551615 || want.Wait != 90*time.Second ||
		want.Limit == nil || *want.Limit != 5 || want.DB.Host != "db.local" || want.Untouched != "left alone" ||
		want.Labels["k"] != "v" || want.Password != "hunter2" || want.Verbose {
		t.Fatalf("the HTTP input was not decoded as sent: %+v", want)
	}
	for name, in := range got {
		if !reflect.DeepEqual(in, want) {
			t.Errorf("%s gave\n%+v\nhttp gave\n%+v", name, in, want)
		}
	}
}

func echoed(t *testing.T, res *runtime.Result) everyInput {
	t.Helper()
	if res.Status != runtime.Completed {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	in, err := runtime.Output[everyInput](res, "echo")
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func viaHTTP(t *testing.T, app *fluxly.App, doc string) everyInput {
	t.Helper()
	var got struct {
		Status     runtime.Status               `json:"status"`
		Executions []*runtime.WorkflowExecution `json:"executions"`
	}
	if err := json.Unmarshal(httpRun(t, app, "every", doc), &got); err != nil {
		t.Fatal(err)
	}
	return echoed(t, &runtime.Result{Status: got.Status, Executions: got.Executions})
}

// httpRun submits doc to endpoint over the HTTP API and returns the
// run's final record.
func httpRun(t *testing.T, app *fluxly.App, endpoint, doc string) []byte {
	t.Helper()
	capp, _, err := command.AppOf(app)
	if err != nil {
		t.Fatal(err)
	}
	s, err := httpapi.New(capp, httpapi.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	req := httptest.NewRequest("POST", "/"+endpoint+"/run", strings.NewReader(doc))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusAccepted {
		t.Fatalf("POST: %d %s", w.Code, w.Body)
	}
	var rec struct {
		RunID string `json:"run_id"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &rec)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", "/runs/"+rec.RunID, nil))
		var got struct {
			Status runtime.Status `json:"status"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Status != runtime.Waiting && got.Status != runtime.InProgress {
			return w.Body.Bytes()
		}
	}
	t.Fatal("the HTTP run did not finish")
	return nil
}

// viaHTTPRecord is the final record of an orders run over the HTTP API.
func viaHTTPRecord(t *testing.T, app *fluxly.App, doc string) []byte {
	t.Helper()
	return httpRun(t, app, "orders", doc)
}
