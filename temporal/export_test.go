package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/runtime"
)

// Registry is where tests register endpoints: the SDK's test
// environment, a replayer.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// RegisterApp registers the endpoints of app as a worker does; reverse
// changes the workflow function (ready nodes launch in reverse order),
// as a code change that breaks replay would.
func RegisterApp(reg Registry, app *fluxly.App, opts Options, log *slog.Logger, reverse bool) error {
	a, _, err := command.AppOf(app)
	if err != nil {
		return err
	}
	set := opts.settings(a)
	for _, ep := range a.Endpoints.All() {
		f := newFlow(ep, set, log)
		f.reverse = reverse
		registerFlow(reg, f)
	}
	return nil
}

// StartArgs is the workflow argument of a run of doc; prev, when set, is
// the run it resumes.
func StartArgs(app *fluxly.App, endpoint, runID string, doc []byte, prev *runtime.Result) (any, error) {
	a, _, err := command.AppOf(app)
	if err != nil {
		return nil, err
	}
	ep := a.Endpoints.Get(endpoint)
	if ep == nil {
		return nil, errors.New("no endpoint " + endpoint)
	}
	in, err := ep.DecodeJSON(doc)
	if err != nil {
		return nil, err
	}
	win := workflowInput{RunID: runID, Input: json.RawMessage(in.Document())}
	if prev != nil {
		win.ResumedFrom = prev.RunID
		if win.Reused, err = reused(in, prev, runID); err != nil {
			return nil, err
		}
	}
	return win, nil
}

// ResultOf is the run's result from its workflow's end, as the runner
// reads it.
func ResultOf(res *runtime.Result, err error) (*runtime.Result, error) {
	w := &waiter{workflow: "test", runID: "test"}
	return w.outcome(res, err, stopRequest{})
}

// Stop is the signal a runner sends before cancelling a run whose context
// ended with cause.
func Stop(cause error) (string, any) { return stopSignal, stopOf(cause) }

// StopContext is a context cancelled with cause.
func StopContext(cause error) context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	return ctx
}
