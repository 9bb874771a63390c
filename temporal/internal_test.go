package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/spec/engine"
	"github.com/fluxly-go/fluxly/runtime"
)

// Every bad option is reported at once, naming the setting.
func TestOptionsCheck(t *testing.T) {
	bad := Options{TaskQueue: " q", HeartbeatTimeout: -time.Second, MaxPayloadBytes: 10,
		Client: client.Options{HostPort: "127.0.0.1:7233 ", Namespace: "ns\n"}}
	err := bad.check()
	for _, want := range []string{
		`temporal.Options.TaskQueue " q": leading or trailing spaces`,
		"temporal.Options.HeartbeatTimeout -1s: negative (0 means the default, 10s)",
		"temporal.Options.MaxPayloadBytes 10: under 65536",
		`temporal.Options.Client.HostPort "127.0.0.1:7233 "`,
		`temporal.Options.Client.Namespace "ns\n"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	for _, o := range []Options{{HeartbeatTimeout: time.Millisecond}, {MaxPayloadBytes: -1}, {TaskQueue: strings.Repeat("q", 1001)}, {TaskQueue: "\xff"}} {
		if o.check() == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if err := (&Options{}).check(); err != nil {
		t.Error(err)
	}

	// Through fluxly.New: the app reports it and does not start.
	app := fluxly.New(fluxly.Name("x"), Use(bad))
	if err := app.Err(); err == nil || !strings.Contains(err.Error(), "temporal.Options.HeartbeatTimeout") {
		t.Errorf("app: %v", err)
	}
}

func TestSettingsDefaults(t *testing.T) {
	s := (&Options{}).settings(&command.App{Name: "shop"})
	if s.client.HostPort != "127.0.0.1:7233" || s.client.Namespace != "default" || s.taskQueue != "fluxly-shop" ||
		s.heartbeatTimeout != 10*time.Second || s.maxPayload != 2_000_000 || s.progress != time.Second {
		t.Errorf("%+v", s)
	}
	s = (&Options{TaskQueue: "q", ProgressInterval: -1}).settings(&command.App{Name: "shop"})
	if s.taskQueue != "q" || s.progress >= 0 {
		t.Errorf("%+v", s)
	}
}

// A document decodes on a worker as it is; one written before the core fix
// (an absent optional field with a pattern zero-filled as "") is decoded
// once its zero-valued fields without defaults are taken out.
func TestDecodeDocument(t *testing.T) {
	app := fluxly.New(fluxly.Name("x"))
	examples.Register(app, "etl", "echo-msg")
	a, _, err := command.AppOf(app)
	if err != nil {
		t.Fatal(err)
	}
	etl := a.Endpoints.Get("etl")
	in, err := etl.DecodeJSON([]byte(`{"min_age": 0, "verbose": false}`))
	if err != nil {
		t.Fatal(err)
	}
	again, err := decodeDocument(etl, in.Document())
	if err != nil {
		t.Fatal(err)
	}
	if string(again.Document()) != string(in.Document()) {
		t.Errorf("document\n%s\nwas\n%s", again.Document(), in.Document())
	}
	if b := again.Base(); b.Verbose {
		t.Error("verbose came back true: a field with a default was dropped")
	}
	// A document from before the core fix: country zero-filled.
	old := []byte(`{"country": "", "min_age": 0, "verbose": false}`)
	if _, err := etl.DecodeJSON(old); err == nil {
		t.Fatal("the endpoint decodes an empty country: this test no longer exercises the fallback")
	}
	if got, err := decodeDocument(etl, old); err != nil {
		t.Errorf("an older document: %v", err)
	} else if string(got.Document()) != string(in.Document()) {
		t.Errorf("an older document decodes to\n%s\nwant\n%s", got.Document(), in.Document())
	}
	if _, err := decodeDocument(etl, []byte(`{"country": "germany"}`)); err == nil || !strings.Contains(err.Error(), "country") {
		t.Errorf("a bad value: %v", err)
	}
	if _, err := decodeDocument(etl, []byte(`not json`)); err == nil {
		t.Error("not JSON")
	}
	for v, want := range map[string]bool{`null`: true, `false`: true, `""`: true, `"0s"`: true, `0`: true, `0.0`: true, `[]`: true, `{}`: true,
		`"0001-01-01T00:00:00Z"`: true, `1`: false, `"x"`: false, `true`: false, `[1]`: false} {
		var x any
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			t.Fatal(err)
		}
		if isZero(x) != want {
			t.Errorf("isZero(%s) = %v", v, !want)
		}
	}
}

// Results over the payload limit lose their largest outputs first, to
// markers; the same result always shrinks the same way.
func TestShrink(t *testing.T) {
	out := func(n int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"data":%q}`, strings.Repeat("x", n)))
	}
	mk := func() *runtime.Result {
		return &runtime.Result{RunID: "r", Status: runtime.Completed, Executions: []*runtime.WorkflowExecution{{Attempt: 1,
			Nodes: map[string][]runtime.NodeExecution{
				"a": {{Attempt: 1, Status: runtime.Completed, Output: out(40000)}},
				"b": {{Attempt: 1, Status: runtime.Completed, Output: out(30000)}},
				"c": {{Attempt: 1, Status: runtime.Completed, Output: out(30000)}},
				"d": {{Attempt: 1, Status: runtime.Completed}},
			}}}}
	}
	res := mk()
	n, err := shrink(res, 80000)
	if err != nil || n != 1 {
		t.Fatalf("%d, %v", n, err)
	}
	nodes := res.Last().Nodes
	if !strings.Contains(string(nodes["a"][0].Output.(json.RawMessage)), `"truncated":true`) || len(nodes["b"][0].Output.(json.RawMessage)) < 30000 {
		t.Errorf("a %s", nodes["a"][0].Output)
	}
	res2 := mk()
	if n, _ := shrink(res2, 40000); n != 2 {
		t.Errorf("shrunk %d outputs", n)
	}
	// b and c are as large: b, first by name, goes.
	if !strings.Contains(string(res2.Last().Nodes["b"][0].Output.(json.RawMessage)), "truncated") ||
		strings.Contains(string(res2.Last().Nodes["c"][0].Output.(json.RawMessage)), "truncated") {
		t.Error("ties are broken by node name")
	}
	if _, err := shrink(mk(), 100); err == nil || !strings.Contains(err.Error(), "without its outputs") {
		t.Errorf("too large without outputs: %v", err)
	}
	if n, err := shrink(mk(), 1<<20); n != 0 || err != nil {
		t.Errorf("%d %v", n, err)
	}
}

// The status and error of a cancelled run are the local runtime's.
func TestStopOf(t *testing.T) {
	for _, c := range []struct {
		cause  error
		status runtime.Status
		msg    string
	}{
		{nil, runtime.Cancelled, "run cancelled: context canceled"},
		{context.Canceled, runtime.Cancelled, "run cancelled: context canceled"},
		{errors.New("cancelled by request"), runtime.Cancelled, "run cancelled: cancelled by request"},
		{context.DeadlineExceeded, runtime.TimedOut, "run deadline exceeded: context deadline exceeded"},
		{runtime.Errorf(runtime.TimedOut, "over the server's limit"), runtime.TimedOut, "over the server's limit"},
	} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(c.cause)
		local, err := runtime.Run(ctx, func() *runtime.Workflow[runtime.Input] {
			wf := runtime.NewWorkflow[runtime.Input]("stop")
			runtime.AddFunc(wf, "a", func(context.Context, *runtime.Exec[runtime.Input, runtime.NoOutput]) error { return nil })
			return wf
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := stopOf(context.Cause(ctx))
		if got.Status != c.status || got.Error.Message != c.msg || local.Status != got.Status || *local.Error != got.Error {
			t.Errorf("%v: %+v, local %v %+v", c.cause, got, local.Status, local.Error)
		}
	}
}

func TestExecutionTimeout(t *testing.T) {
	for _, c := range []struct {
		in   runtime.Input
		want time.Duration
	}{
		{runtime.Input{}, 0},
		{runtime.Input{TimeoutSeconds: 2}, 2*time.Second + time.Minute},
		{runtime.Input{TimeoutSeconds: 2, MaxRetries: 2, RetryDelaySeconds: 1}, 3*(2*time.Second+time.Minute) + 2*time.Second},
		{runtime.Input{TimeoutSeconds: 1e9}, noTimeout},
		// Past a Duration's range: no timeout, as locally.
		{runtime.Input{TimeoutSeconds: 1e12}, 0},
	} {
		if got := executionTimeout(c.in); got != c.want {
			t.Errorf("%+v: %v, want %v", c.in, got, c.want)
		}
	}
}

func TestAncestors(t *testing.T) {
	if got := ancestors(&engine.Graph{Nodes: make([]engine.Node, 4), Edges: []engine.Edge{{From: 2, To: 1}, {From: 1, To: 0}, {From: 3, To: 0}}}); fmt.Sprint(got) != "[[1 2 3] [2] [] []]" {
		t.Errorf("ancestors %v", got)
	}
}
