package fluxly_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/examples"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/runtime"
)

// countingRunner runs elsewhere — here, locally — and counts the runs.
type countingRunner struct {
	runs atomic.Int32
	docs atomic.Value
}

func (c *countingRunner) Run(ctx context.Context, in *endpoint.Input, req command.RunRequest) (*runtime.Result, error) {
	c.runs.Add(1)
	c.docs.Store(string(in.Document()))
	// What another process would do: decode the document again.
	again, err := in.Endpoint().DecodeJSON(in.Document())
	if err != nil {
		return nil, err
	}
	return again.Run(ctx, runtime.WithRunID(req.RunID))
}

type runnerExt struct{ r *countingRunner }

func (runnerExt) Commands() []fluxly.Command     { return nil }
func (x runnerExt) FluxlyRunner() command.Runner { return x.r }

// An extension's runner runs the runs of the CLI and of the HTTP API,
// with the whole input, secrets included, in its document.
func TestRunnerExtension(t *testing.T) {
	r := &countingRunner{}
	app := fluxly.New(fluxly.Name("fluxly"), fluxly.Use(runnerExt{r}))
	examples.Register(app, "echo-msg")
	o := run(t, app, []string{"FLUXLY_TOKEN=s3cret"}, "echo-msg", "--count", "2", "--no-verbose")
	if o.code != 0 || r.runs.Load() != 1 {
		t.Fatalf("CLI: exit %d, %d runs\n%s", o.code, r.runs.Load(), o.stderr)
	}
	if doc := r.docs.Load().(string); doc == "" || !strings.Contains(doc, `"token":"s3cret"`) || !strings.Contains(doc, `"count":2`) {
		t.Errorf("the runner's document: %s", doc)
	}
	httpRun(t, app, "echo-msg", `{"count": 1}`)
	if r.runs.Load() != 2 {
		t.Errorf("HTTP: %d runs through the runner", r.runs.Load())
	}
}
