package temporal_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/fluxly-go/fluxly"
	"github.com/fluxly-go/fluxly/temporal"
)

// workflowsOnly registers workflows on a replayer, which runs no
// activities.
type workflowsOnly struct{ worker.WorkflowReplayer }

func (workflowsOnly) RegisterActivityWithOptions(any, activity.RegisterOptions) {}

// replay replays h with the workflow functions of app's endpoints;
// reverse changes them as a careless edit would.
func replay(app *fluxly.App, h *historypb.History, reverse bool) error {
	r := worker.NewWorkflowReplayer()
	if err := temporal.RegisterApp(workflowsOnly{r}, app, temporal.Options{}, nil, reverse); err != nil {
		return err
	}
	// The SDK logs a replay's non-determinism as an error and returns it:
	// the error is enough.
	logger := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	return r.ReplayWorkflowHistory(logger, h)
}

// The histories recorded from the end-to-end runs of the examples (go
// test -run TestEndToEnd -update rewrites them) replay without a
// non-determinism error; and a change to the workflow function that
// schedules nodes in another order is caught, which is what this test is
// for: such a change must be gated with workflow.GetVersion, or runs in
// flight when workers are upgraded fail.
func TestReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 12 {
		t.Fatalf("%d histories in testdata/histories, want 12 (go test -run TestEndToEnd -update)", len(files))
	}
	app := newApp(t)
	caught := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			h := load(t, f)
			if err := replay(app, h, false); err != nil {
				t.Fatalf("replay: %v", err)
			}
			// Ready nodes launched in reverse order: every history with
			// two nodes ready at once no longer replays.
			err := replay(app, h, true)
			if parallel[strings.TrimSuffix(filepath.Base(f), ".json")] {
				// TMPRL1100 is the SDK's code for a non-determinism error.
				if err == nil || !strings.Contains(err.Error(), "TMPRL1100") {
					t.Fatalf("the reversed workflow replayed: %v", err)
				}
				caught++
			}
		})
	}
	if caught < 4 {
		t.Errorf("only %d histories caught the change", caught)
	}
}

// parallel are the histories in which two nodes became ready at once.
var parallel = map[string]bool{"branching-fail-b": true, "pipeline": true, "limited": true, "orders-fail-notify": true}

func load(t *testing.T, path string) *historypb.History {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
