package temporal_test

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/runtime"
	"github.com/fluxly-go/fluxly/temporal"
	"github.com/fluxly-go/fluxly/temporal/internal/testflows"
)

// suiteRun runs a case in the SDK's test environment: the workflow
// function and the activities in this process, timers skipped.
func suiteRun(t *testing.T, app *fluxly.App, c testCase, prev *runtime.Result, opts temporal.Options) *runtime.Result {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetDisableRegistrationAliasing(true)
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(time.Minute)
	if err := temporal.RegisterApp(env, app, opts, nil, false); err != nil {
		t.Fatal(err)
	}
	args, err := temporal.StartArgs(app, c.endpoint, "suite", []byte(c.input), prev)
	if err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow(c.endpoint, args)
	if !env.IsWorkflowCompleted() {
		t.Fatalf("%s %s: the workflow did not complete", c.endpoint, c.input)
	}
	var res runtime.Result
	err = env.GetWorkflowError()
	if err == nil {
		if err := env.GetWorkflowResult(&res); err != nil {
			t.Fatal(err)
		}
	}
	out, err := temporal.ResultOf(&res, err)
	if err != nil {
		t.Fatalf("%s %s: %v", c.endpoint, c.input, err)
	}
	return out
}

// The workflow function and the activities give the local runtime's
// records for every case, in the SDK's test environment.
func TestWorkflowMatchesLocalRuns(t *testing.T) {
	dir := workDir(t)
	journal := filepath.Join(dir, "journal")
	t.Setenv(testflows.JournalEnv, journal)
	app := newApp(t)
	for _, c := range cases {
		t.Run(c.endpoint+c.input, func(t *testing.T) {
			_ = os.Remove(journal)
			local := localRun(t, app, c)
			localJournal := readJournal(t, journal)
			_ = os.Remove(journal)
			remote := suiteRun(t, app, c, nil, temporal.Options{})
			sameResult(t, c.endpoint+" "+c.input, local, remote)
			if j := readJournal(t, journal); j != localJournal {
				t.Errorf("journal:\n%s\nlocal:\n%s", j, localJournal)
			}
		})
	}
}

func readJournal(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Resuming a failed run keeps the COMPLETED nodes' records and runs the
// rest, as runtime.ResumeFrom does.
func TestWorkflowResumes(t *testing.T) {
	workDir(t)
	app := newApp(t)
	first := testCase{"orders", `{"fail_notify": true, "threshold": 10}`}
	failed := localRun(t, app, first)
	again := testCase{"orders", `{"threshold": 10}`}
	local := localRun(t, app, again, runtime.ResumeFrom(failed))
	remote := suiteRun(t, app, again, failed, temporal.Options{})
	sameResult(t, "resumed", local, remote)
	if recs := remote.Last().Nodes["fetch"]; len(recs) != 1 || !recs[0].Reused {
		t.Errorf("fetch: %+v", recs)
	}
	if remote.ResumedFrom != failed.RunID {
		t.Errorf("resumed_from %q", remote.ResumedFrom)
	}

	// A record whose output no longer decodes is refused, naming the node.
	bad := *failed
	bad.Executions = []*runtime.WorkflowExecution{{Attempt: 1, Nodes: map[string][]runtime.NodeExecution{
		"fetch": {{Attempt: 1, Status: runtime.Completed, Output: json.RawMessage(`{"amounts": "many"}`)}}}}}
	if _, err := temporal.StartArgs(app, "orders", "x", []byte(`{}`), &bad); err == nil || !strings.Contains(err.Error(), `node "fetch"`) {
		t.Errorf("undecodable output: %v", err)
	}
}

// An output over the payload limit fails its node with an error naming
// it, and the nodes downstream see the failure.
func TestPayloadTooLarge(t *testing.T) {
	app := newApp(t)
	res := suiteRun(t, app, testCase{"big", `{"bytes": 100000}`}, nil, temporal.Options{MaxPayloadBytes: 65536})
	recs := res.Last().Nodes["make"]
	if res.Status != runtime.InfrastructureError || len(recs) != 1 || recs[0].Error == nil || recs[0].Error.Type != "payload_too_large" ||
		!strings.Contains(recs[0].Error.Message, `node "make" attempt 1: its record is 100`) || recs[0].Output != nil {
		t.Fatalf("status %v, make %+v", res.Status, recs)
	}
	// Under the limit it runs as locally.
	res = suiteRun(t, app, testCase{"big", `{"bytes": 30000}`}, nil, temporal.Options{MaxPayloadBytes: 65536})
	if res.Status != runtime.Completed {
		t.Fatalf("30000 bytes: %v %+v", res.Status, res.Error)
	}
	// An input too large for the activity: the upstream record, here.
	res = suiteRun(t, app, testCase{"big", `{"bytes": 65250}`}, nil, temporal.Options{MaxPayloadBytes: 65536})
	sink := res.Last().Nodes["sink"]
	if len(sink) != 1 || sink[0].Error == nil || sink[0].Error.Type != "payload_too_large" ||
		!strings.Contains(sink[0].Error.Message, `node "sink" attempt 1: its activity input is about`) {
		t.Fatalf("sink %+v", sink)
	}
}
