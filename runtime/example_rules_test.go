package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

type ETLInput struct {
	runtime.Input
	Notify bool `json:"notify" help:"Notify the team when rows are rejected."`
}

type Checked struct {
	Rows     int `json:"rows"`
	Rejected int `json:"rejected"`
}

// A report that runs once its parents are done, if none failed and one
// succeeded: notify's condition is false, so notify is skipped, and the
// report runs after store alone. Without the rule, the skipped notify
// would skip the report too. audit may fail without failing the run.
func ExampleTrigger() {
	build := func() *runtime.Workflow[ETLInput] {
		wf := runtime.NewWorkflow[ETLInput]("etl")
		validate := runtime.AddFunc(wf, "validate", func(_ context.Context, x *runtime.Exec[ETLInput, Checked]) error {
			x.Output.Rows, x.Output.Rejected = 10, 0
			return nil
		})
		store := runtime.AddFunc(wf, "store", func(context.Context, *runtime.Exec[ETLInput, runtime.NoOutput]) error { return nil })
		notify := runtime.AddFunc(wf, "notify", func(context.Context, *runtime.Exec[ETLInput, runtime.NoOutput]) error { return nil })
		audit := runtime.AddFunc(wf, "audit", func(context.Context, *runtime.Exec[ETLInput, runtime.NoOutput]) error {
			return runtime.Errorf(runtime.DependencyUnavailable, "audit log is down")
		}, runtime.ContinueOnFailure())
		report := runtime.AddFunc(wf, "report", func(context.Context, *runtime.Exec[ETLInput, runtime.NoOutput]) error { return nil },
			runtime.Trigger(runtime.NoneFailedMinOneSuccess))
		wf.AddEdge(validate, store)
		wf.AddEdgeWhen(validate, notify, "rows were rejected and notify is set", func(in *ETLInput) bool {
			return in.Notify && validate.Last().Output.Rejected > 0
		})
		wf.AddEdge(validate, audit)
		wf.AddEdge(store, report)
		wf.AddEdge(notify, report)
		return wf
	}
	res, err := runtime.Run(context.Background(), build, &ETLInput{Notify: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	ex := res.Last()
	fmt.Println(res.Status, ex.Skipped)
	fmt.Println("audit:", ex.Nodes["audit"][0].Status, "report:", ex.Nodes["report"][0].Status)
	// Output:
	// COMPLETED [notify]
	// audit: DEPENDENCY_UNAVAILABLE report: COMPLETED
}

// A failed run resumed: the nodes that completed keep their records and
// outputs, and only the others run.
func ExampleResumeFrom() {
	up := false // the service the second node calls
	build := func() *runtime.Workflow[DemoInput] {
		wf := runtime.NewWorkflow[DemoInput]("resume")
		fetch := runtime.AddFunc(wf, "fetch", func(_ context.Context, x *runtime.Exec[DemoInput, ProducerOutput]) error {
			fmt.Println("fetching")
			x.Output.Value = 21
			return nil
		})
		send := runtime.AddFunc(wf, "send", func(_ context.Context, x *runtime.Exec[DemoInput, ProducerOutput]) error {
			if !up {
				return runtime.Errorf(runtime.NetworkFailure, "service unavailable")
			}
			x.Output.Value = 2 * fetch.Last().Output.Value
			return nil
		})
		wf.AddEdgeIfSourceCompleted(fetch, send)
		return wf
	}
	first, _ := runtime.Run(context.Background(), build, nil)
	fmt.Println(first.Status)

	b, _ := json.Marshal(first) // stored, then read back: JSON outputs are decoded again
	var stored runtime.Result
	_ = json.Unmarshal(b, &stored)

	up = true
	second, _ := runtime.Run(context.Background(), build, nil, runtime.ResumeFrom(&stored))
	out, _ := runtime.Output[ProducerOutput](second, "send")
	fmt.Println(second.Status, out.Value, second.Last().Nodes["fetch"][0].Reused, second.ResumedFrom == first.RunID)
	// Output:
	// fetching
	// NETWORK_FAILURE
	// COMPLETED 42 true true
}

type LoginInput struct {
	runtime.Input
	User  string         `json:"user"`
	Token runtime.Secret `json:"token" help:"API token; never printed."`
}

// A Secret input field prints, logs and encodes as ***; Reveal gives its
// value where it is used.
func ExampleSecret() {
	var in LoginInput
	_ = json.Unmarshal([]byte(`{"user":"ann","token":"s3cr3t"}`), &in)

	fmt.Printf("%v %q\n", in.Token, in.Token)
	b, _ := json.Marshal(map[string]any{"user": in.User, "token": in.Token})
	fmt.Println(string(b))
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	log.Info("login", "user", in.User, "token", in.Token)
	fmt.Println(len(in.Token.Reveal()))
	// Output:
	// *** "***"
	// {"token":"***","user":"ann"}
	// level=INFO msg=login user=ann token=***
	// 6
}

// An error retrying cannot fix ends the node's attempts at once, and so
// does a status declared non-retryable.
func ExamplePermanent() {
	build := func() *runtime.Workflow[DemoInput] {
		wf := runtime.NewWorkflow[DemoInput]("permanent")
		runtime.AddFunc(wf, "load", func(_ context.Context, x *runtime.Exec[DemoInput, runtime.NoOutput]) error {
			if x.Attempt == 1 {
				return runtime.Errorf(runtime.NetworkFailure, "timeout") // retried
			}
			return runtime.Permanent(runtime.Errorf(runtime.DataError, "column %q is missing", "id"))
		}, runtime.Retries(5, 10*time.Millisecond), runtime.NonRetryable(runtime.PrerequisiteFail))
		return wf
	}
	res, _ := runtime.Run(context.Background(), build, nil)
	for _, rec := range res.Last().Nodes["load"] {
		fmt.Println(rec.Attempt, rec.Status, rec.Error.Message)
	}
	// Output:
	// 1 NETWORK_FAILURE timeout
	// 2 DATA_ERROR column "id" is missing
}
