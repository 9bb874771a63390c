// Package echomsg is the seed's entrypoint example: one node that logs a
// message a number of times. Its input shows every kind of field
// declaration: a default, bounds, an enum, a repeatable list and a secret.
package echomsg

import (
	"context"
	"embed"
	"strings"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// Sources lets introspection read the doc comments below (used as field
// descriptions where a field has no help tag).
//
//go:embed *.go
var Sources embed.FS

// Input is the echo-msg workflow's input.
type Input struct {
	runtime.Input

	// Text to print on every line.
	Message string   `json:"message" default:"hello" jsonschema:"minLength=1,maxLength=200"`
	Count   int      `json:"count" default:"5" help:"How many times to print the message." jsonschema:"minimum=1,maximum=100"`
	Mode    string   `json:"mode" default:"fast" enum:"fast,slow" help:"fast prints every line at once; slow waits 100ms between lines."`
	Tags    []string `json:"tags" help:"Labels added to every line; repeat the flag for several."`
	Token   string   `json:"token" help:"API token for the echo service; accepted but never printed." fluxly:"secret,nocli"`
}

// Output is what the echo node reports.
type Output struct {
	// Lines is how many lines were printed.
	Lines int `json:"lines"`
}

// Echo logs the message Count times.
type Echo struct {
	runtime.Node[Input, Output]
}

// Logic prints the lines, honouring cancellation in slow mode.
func (e *Echo) Logic(ctx context.Context, x *runtime.Exec[Input, Output]) error {
	for i := range x.Input.Count {
		if x.Input.Mode == "slow" && i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		x.Log.Info("echo", "step", i+1, "message", x.Input.Message, "tags", strings.Join(x.Input.Tags, ","))
		x.Output.Lines++
	}
	return nil
}

// New builds the echo-msg workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("echo-msg",
		runtime.Description("Prints a message a number of times: the smallest Fluxly workflow."),
		runtime.Version("1.0.0"))
	runtime.Add(wf, &Echo{}, runtime.Name("echo"),
		runtime.Description("Logs the message count times, with its tags."),
		runtime.Timeout(30*time.Second))
	return wf
}
