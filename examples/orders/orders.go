// Package orders is a branch-and-join flow: fetch the day's orders,
// validate them, then store them and, when the total is over a threshold,
// notify someone; report joins both branches. The notification is
// optional twice over: a typed condition (it reads the input and
// validate's output) decides whether it runs, and ContinueOnFailure keeps
// a failed notification from failing the run. report's trigger rule,
// none_failed_min_one_success, runs it whether notify ran or was skipped —
// without a rule, a skipped parent would skip report too.
package orders

import (
	"context"
	"embed"
	"fmt"

	"github.com/fluxly-go/fluxly/runtime"
)

// Sources holds this package's Go files, for doc-comment descriptions.
//
//go:embed *.go
var Sources embed.FS

// Input is the orders workflow's input.
type Input struct {
	runtime.Input

	// Orders are the day's order amounts, in cents.
	Orders []int `json:"orders" default:"1200,800,4500" jsonschema:"minItems=1"`
	// Threshold is the total, in cents, above which someone is notified.
	Threshold int `json:"threshold" default:"5000" jsonschema:"minimum=0"`
	// FailNotify makes the notification fail, to see ContinueOnFailure at work.
	FailNotify bool `json:"fail_notify" default:"false"`
	// WebhookToken authenticates the notification; never printed.
	WebhookToken runtime.Secret `json:"webhook_token"`
}

// Batch is what fetch hands on.
type Batch struct {
	// Amounts are the orders' amounts in cents.
	Amounts []int `json:"amounts"`
}

// Totals is what validate hands on.
type Totals struct {
	// Total is the sum of the valid orders, in cents.
	Total int `json:"total"`
	// Valid counts the orders kept.
	Valid int `json:"valid"`
	// Rejected counts the orders dropped (amounts of zero or less).
	Rejected int `json:"rejected"`
}

// Stored says what store kept.
type Stored struct {
	// Count is the number of orders stored.
	Count int `json:"count"`
}

// Summary is report's output.
type Summary struct {
	// Line is the day's report in one line.
	Line string `json:"line"`
}

// Fetch reads the day's orders (from the input, here).
type Fetch struct{ runtime.Node[Input, Batch] }

// Logic copies the input's orders.
func (f *Fetch) Logic(_ context.Context, x *runtime.Exec[Input, Batch]) error {
	x.Output.Amounts = append([]int(nil), x.Input.Orders...)
	return nil
}

// Validate drops orders of zero or less and totals the rest.
type Validate struct {
	runtime.Node[Input, Totals]
	Fetch *Fetch
}

// Logic totals the valid orders.
func (v *Validate) Logic(_ context.Context, x *runtime.Exec[Input, Totals]) error {
	for _, a := range v.Fetch.Last().Output.Amounts {
		if a <= 0 {
			x.Output.Rejected++
			continue
		}
		x.Output.Valid++
		x.Output.Total += a
	}
	if x.Output.Valid == 0 {
		return runtime.Errorf(runtime.DataValidationFailure, "no valid order among %d", x.Output.Rejected)
	}
	return nil
}

// Store keeps the valid orders.
type Store struct {
	runtime.Node[Input, Stored]
	Validate *Validate
}

// Logic stores the batch.
func (s *Store) Logic(_ context.Context, x *runtime.Exec[Input, Stored]) error {
	x.Output.Count = s.Validate.Last().Output.Valid
	x.Log.Info("stored", "orders", x.Output.Count)
	return nil
}

// Notify tells someone that the day's total is high.
type Notify struct {
	runtime.Node[Input, runtime.NoOutput]
	Validate *Validate
}

// Logic sends the notification (logs it, here).
func (n *Notify) Logic(_ context.Context, x *runtime.Exec[Input, runtime.NoOutput]) error {
	if x.Input.FailNotify {
		return runtime.Errorf(runtime.APICallFailure, "the webhook refused the notification")
	}
	x.Log.Info("notified", "total", n.Validate.Last().Output.Total, "token", x.Input.WebhookToken)
	return nil
}

// Report joins both branches.
type Report struct {
	runtime.Node[Input, Summary]
	Store  *Store
	Notify *Notify
}

// Logic writes the day's summary.
func (r *Report) Logic(_ context.Context, x *runtime.Exec[Input, Summary]) error {
	notified := "not notified"
	switch st := r.Notify.Last().Status; st {
	case runtime.Completed:
		notified = "notified"
	case runtime.Waiting:
	default:
		notified = "notification " + st.String()
	}
	x.Output.Line = fmt.Sprintf("%d orders stored, %s", r.Store.Last().Output.Count, notified)
	return nil
}

// New builds the orders workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("orders",
		runtime.Description("Fetch and validate the day's orders, store them, notify when the total is high, and report."),
		runtime.Version("1.0.0"))
	fetch := runtime.Add(wf, &Fetch{}, runtime.Name("fetch"), runtime.Description("Reads the day's orders."))
	validate := runtime.Add(wf, &Validate{Fetch: fetch}, runtime.Name("validate"),
		runtime.Description("Drops orders of zero or less and totals the rest."),
		runtime.NonRetryable(runtime.DataValidationFailure))
	store := runtime.Add(wf, &Store{Validate: validate}, runtime.Name("store"), runtime.Description("Keeps the valid orders."))
	notify := runtime.Add(wf, &Notify{Validate: validate}, runtime.Name("notify"),
		runtime.Description("Tells someone that the total is high; its failure does not fail the run."),
		runtime.Retries(2, 0), runtime.ContinueOnFailure())
	report := runtime.Add(wf, &Report{Store: store, Notify: notify}, runtime.Name("report"),
		runtime.Description("Joins both branches, whether notify ran or not."),
		runtime.Trigger(runtime.NoneFailedMinOneSuccess))
	wf.AddEdge(fetch, validate)
	wf.AddEdgeIfSourceCompleted(validate, store)
	wf.AddEdgeWhen(validate, notify, "total is over the threshold", func(in *Input) bool {
		return validate.Last().Output.Total > in.Threshold
	})
	wf.AddEdge(store, report)
	wf.AddEdge(notify, report)
	return wf
}
