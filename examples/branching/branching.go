// Package branching is the seed's DAG example: A (timeout 5 s) → B, a
// conditional edge B → C, and a parallel branch A → D, with execution
// groups {A, B, C} and {A, D}.
package branching

import (
	"context"
	"embed"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// Sources holds this package's Go files, for doc-comment descriptions.
//
//go:embed *.go
var Sources embed.FS

// Input is the branching workflow's input.
type Input struct {
	runtime.Input

	TakeC bool `json:"take_c" default:"true" help:"Whether B lets C run (the conditional edge B → C)."`
	FailB bool `json:"fail_b" default:"false" help:"Make B fail with NO_VERDICT, to watch the groups at work."`
	// Delay each node sleeps before finishing.
	Delay time.Duration `json:"delay" default:"10ms"`
}

// Step sleeps for the input's delay.
type Step struct {
	runtime.Node[Input, runtime.NoOutput]
}

// Logic waits for the configured delay.
func (s *Step) Logic(ctx context.Context, x *runtime.Exec[Input, runtime.NoOutput]) error {
	return sleep(ctx, x.Input.Delay)
}

// Decision is B's verdict, read by the condition on B → C.
type Decision struct {
	// TakeC says whether C should run.
	TakeC bool `json:"take_c"`
}

// Decide is B: it decides whether C runs, or fails when told to.
type Decide struct {
	runtime.Node[Input, Decision]
}

// Logic copies take_c to its output after the delay.
func (d *Decide) Logic(ctx context.Context, x *runtime.Exec[Input, Decision]) error {
	if err := sleep(ctx, x.Input.Delay); err != nil {
		return err
	}
	if x.Input.FailB {
		return runtime.Errorf(runtime.NoVerdict, "B was told to fail")
	}
	x.Output.TakeC = x.Input.TakeC
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// New builds the branching workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("branching",
		runtime.Description("The seed's DAG: A → B, B → C when B says so, and a parallel branch A → D."),
		runtime.Version("1.0.0"))
	a := runtime.Add(wf, &Step{}, runtime.Name("A"), runtime.Description("Starts everything."), runtime.Timeout(5*time.Second))
	b := runtime.Add(wf, &Decide{}, runtime.Name("B"), runtime.Description("Decides whether C runs; fails with NO_VERDICT when fail_b is set."))
	c := runtime.Add(wf, &Step{}, runtime.Name("C"), runtime.Description("Runs only when B says so."))
	d := runtime.Add(wf, &Step{}, runtime.Name("D"), runtime.Description("A branch parallel to B."))
	wf.AddEdge(a, b)
	wf.AddConditionalEdge(b, c, "B decided take_c", func() bool { return b.Last().Output.TakeC })
	wf.AddEdge(a, d)
	wf.AddExecutionGroup(a, b, c)
	wf.AddExecutionGroup(a, d)
	return wf
}
