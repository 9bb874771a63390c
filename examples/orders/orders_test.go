package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/fluxly-go/fluxly/examples/orders"
	"github.com/fluxly-go/fluxly/runtime"
)

func run(t *testing.T, in orders.Input) (*runtime.Result, string) {
	t.Helper()
	var logs bytes.Buffer
	res, err := runtime.Run(context.Background(), orders.New, &in,
		runtime.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	return res, logs.String()
}

func states(res *runtime.Result) map[string]string {
	out := map[string]string{}
	last := res.Last()
	for name, recs := range last.Nodes {
		out[name] = recs[len(recs)-1].Status.String()
	}
	for _, s := range last.Skipped {
		out[s] = "skipped"
	}
	return out
}

func TestBranchesAndJoin(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     orders.Input
		status runtime.Status
		nodes  map[string]string
		line   string
	}{
		{"over the threshold: notify runs",
			orders.Input{Orders: []int{1200, 800, 4500}, Threshold: 5000, WebhookToken: "tok-123"}, runtime.Completed,
			map[string]string{"fetch": "COMPLETED", "validate": "COMPLETED", "store": "COMPLETED", "notify": "COMPLETED", "report": "COMPLETED"},
			"3 orders stored, notified"},
		// The join after an optional branch: notify's condition is false, so
		// it is skipped, and report still runs under its trigger rule.
		{"under the threshold: notify skipped, report joins",
			orders.Input{Orders: []int{100, 200, -5}, Threshold: 5000}, runtime.Completed,
			map[string]string{"fetch": "COMPLETED", "validate": "COMPLETED", "store": "COMPLETED", "notify": "skipped", "report": "COMPLETED"},
			"2 orders stored, not notified"},
		// A failed notification fails no group: the run completes, notify
		// shows FAILED (after its retries), and report's rule skips it.
		{"notify fails: the run goes on",
			orders.Input{Orders: []int{9000}, Threshold: 10, FailNotify: true}, runtime.Completed,
			map[string]string{"fetch": "COMPLETED", "validate": "COMPLETED", "store": "COMPLETED", "notify": "API_CALL_FAILURE", "report": "skipped"},
			""},
		{"nothing valid: validate fails once",
			orders.Input{Orders: []int{0, -1}, Threshold: 10}, runtime.DataValidationFailure,
			map[string]string{"fetch": "COMPLETED", "validate": "DATA_VALIDATION_FAILURE"},
			""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, logs := run(t, tc.in)
			if res.Status != tc.status {
				t.Fatalf("status %s (%v), want %s", res.Status, res.Err(), tc.status)
			}
			got := states(res)
			for node, want := range tc.nodes {
				if got[node] != want {
					t.Errorf("%s: %q, want %q (all: %v)", node, got[node], want, got)
				}
			}
			if tc.line != "" {
				out, err := runtime.Output[orders.Summary](res, "report")
				if err != nil || out.Line != tc.line {
					t.Errorf("report: %q, %v; want %q", out.Line, err, tc.line)
				}
			}
			if n := len(res.Last().Nodes["validate"]); n != 1 {
				t.Errorf("validate ran %d times (DATA_VALIDATION_FAILURE is not retried)", n)
			}
			if tc.in.FailNotify && len(res.Last().Nodes["notify"]) != 3 {
				t.Errorf("notify ran %d times, want 1 + 2 retries", len(res.Last().Nodes["notify"]))
			}
			b, _ := json.Marshal(res)
			if tc.in.WebhookToken != "" && (strings.Contains(logs, "tok-123") || strings.Contains(string(b), "tok-123")) {
				t.Errorf("the webhook token leaked:\n%s", logs)
			}
		})
	}
}
