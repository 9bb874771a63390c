package temporal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/fluxly-go/fluxly/runtime"
)

// What travels through Temporal: the workflow's argument and result, and
// each activity's. Records are the JSON of runtime.NodeExecution, as the
// engine's stepper produces and restores them.

// workflowInput is the argument of every endpoint's workflow.
type workflowInput struct {
	RunID string `json:"run_id"`
	// Input is the endpoint's checked input document, secrets and all:
	// what every worker decodes again.
	Input json.RawMessage `json:"input"`
	// ResumedFrom is the run this one resumes, and Reused maps each node
	// that keeps its COMPLETED record from it to that record.
	ResumedFrom string                     `json:"resumed_from,omitempty"`
	Reused      map[string]json.RawMessage `json:"reused,omitempty"`
}

// nodeInput is the argument of a node's activity: one attempt.
type nodeInput struct {
	RunID           string          `json:"run_id"`
	WorkflowAttempt int             `json:"workflow_attempt"`
	Attempt         int             `json:"attempt"`
	Input           json.RawMessage `json:"input"`
	// Upstream holds the records of the node's ancestors that have
	// finished, by name: what its logic reads through Last.
	Upstream map[string][]json.RawMessage `json:"upstream,omitempty"`
}

// nodeResult is an attempt's outcome: the activity's result when the
// attempt COMPLETED, the details of its application error otherwise.
type nodeResult struct {
	Record       json.RawMessage `json:"record"`
	NonRetryable bool            `json:"non_retryable,omitempty"`
}

// Hook phases of the hooks activity.
const (
	hooksStart = "start" // OnStart
	hooksEnd   = "end"   // OnSuccess, OnFailure, OnFinish
)

// hookInput is the argument of the workflow hooks' activity.
type hookInput struct {
	RunID           string          `json:"run_id"`
	WorkflowAttempt int             `json:"workflow_attempt"`
	Input           json.RawMessage `json:"input"`
	Phase           string          `json:"phase"`
	// Status and Error are the attempt's outcome before the end hooks.
	Status runtime.Status     `json:"status"`
	Error  *runtime.ErrorInfo `json:"error,omitempty"`
	// Records are the attempt's node records by name, for hooks that
	// read nodes (omitted when they would not fit in a payload).
	Records map[string][]json.RawMessage `json:"records,omitempty"`
}

// hookResult is the attempt's outcome after the hooks.
type hookResult struct {
	Status runtime.Status     `json:"status"`
	Error  *runtime.ErrorInfo `json:"error,omitempty"`
}

// stopRequest is the signal a runner sends before cancelling a workflow:
// the status and error the local runtime gives a run whose context ends
// with the same cause.
type stopRequest struct {
	Status runtime.Status    `json:"status"`
	Error  runtime.ErrorInfo `json:"error"`
}

// Names of the workflow's signal and query.
const (
	stopSignal    = "fluxly.stop"
	progressQuery = "fluxly.progress"
)

// progress is what the progress query answers: the run's records so far,
// without outputs; in the last attempt, the nodes whose records are final
// (the others may be retried) and the node attempts running now.
type progress struct {
	Executions []*runtime.WorkflowExecution `json:"executions"`
	Final      []string                     `json:"final,omitempty"`
	Running    []runningAttempt             `json:"running,omitempty"`
}

type runningAttempt struct {
	WorkflowAttempt int       `json:"workflow_attempt"`
	Node            string    `json:"node"`
	Attempt         int       `json:"attempt"`
	Start           time.Time `json:"start"`
}

// Activity type names.
func nodeActivityName(endpoint, node string) string { return endpoint + "/" + node }
func hooksActivityName(endpoint string) string      { return endpoint + "#hooks" }

// Error types of records this package writes itself (records written by
// the stepper carry Go type names, as local runs do).
const (
	errWorkerLost      = "worker_lost"       // the worker running an attempt was lost
	errPayloadTooLarge = "payload_too_large" // an activity's input or output over MaxPayloadBytes
	errTemporal        = "temporal"          // any other failure of the activity itself
	errCannotRun       = "FLUXLY_CANNOT_RUN" // application error type: the workflow cannot run at all
)

// errorInfo is what runtime records for err: its Go type (or "panic" for
// a recovered panic) and message.
func errorInfo(err error) *runtime.ErrorInfo {
	if err == nil {
		return nil
	}
	t := fmt.Sprintf("%T", err)
	var p *runtime.PanicError
	if errors.As(err, &p) {
		t = "panic"
	}
	return &runtime.ErrorInfo{Type: t, Message: err.Error()}
}

// runtimeError is the error runtime.Errorf makes, as recorded.
func runtimeError(format string, args ...any) *runtime.ErrorInfo {
	return &runtime.ErrorInfo{Type: "*runtime.Error", Message: fmt.Sprintf(format, args...)}
}

// failure is the error a recorded outcome stands for, as a hook sees it:
// a *runtime.Error with the recorded status and message.
func failure(status runtime.Status, info *runtime.ErrorInfo) error {
	if status == runtime.Completed && info == nil {
		return nil
	}
	msg := status.String()
	if info != nil {
		msg = info.Message
	}
	return &runtime.Error{Status: status, Msg: msg}
}

// record encodes a record this package synthesizes.
func record(attempt int, start, end time.Time, status runtime.Status, info *runtime.ErrorInfo) json.RawMessage {
	if end.Before(start) {
		end = start
	}
	b, err := json.Marshal(runtime.NodeExecution{Attempt: attempt, Start: start, End: end,
		Duration: runtime.Duration(end.Sub(start)), Status: status, Error: info})
	if err != nil {
		panic(err) // a NodeExecution without output always encodes
	}
	return b
}

// recordHead is what the workflow reads of a record.
type recordHead struct {
	Attempt int                `json:"attempt"`
	Status  runtime.Status     `json:"status"`
	Error   *runtime.ErrorInfo `json:"error,omitempty"`
}

func headOf(rec json.RawMessage) (recordHead, error) {
	var h recordHead
	err := json.Unmarshal(rec, &h)
	return h, err
}

// marker is what an output too large to return replaces, as in the run
// records of the HTTP API and the CLI.
type marker struct {
	Truncated bool   `json:"truncated"`
	Bytes     int    `json:"bytes"`
	SHA256    string `json:"sha256"`
}

func markerOf(raw []byte) json.RawMessage {
	sum := sha256.Sum256(raw)
	b, _ := json.Marshal(marker{Truncated: true, Bytes: len(raw), SHA256: hex.EncodeToString(sum[:])})
	return b
}

// shrink replaces the largest outputs of res with markers until res
// encodes in at most limit bytes, and reports how many it replaced. It
// goes through nodes in sorted order, so the same result shrinks the same
// way.
func shrink(res *runtime.Result, limit int) (int, error) {
	b, err := json.Marshal(res)
	if err != nil {
		return 0, err
	}
	size := len(b)
	if size <= limit {
		return 0, nil
	}
	type output struct {
		rec  *runtime.NodeExecution
		size int
	}
	var outs []output
	for _, ex := range res.Executions {
		names := make([]string, 0, len(ex.Nodes))
		for name := range ex.Nodes {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			recs := ex.Nodes[name]
			for i := range recs {
				if raw, ok := recs[i].Output.(json.RawMessage); ok && len(raw) > 0 {
					outs = append(outs, output{&recs[i], len(raw)})
				}
			}
		}
	}
	slices.SortStableFunc(outs, func(a, b output) int { return b.size - a.size })
	n := 0
	for _, o := range outs {
		if size <= limit {
			break
		}
		m := markerOf(o.rec.Output.(json.RawMessage))
		o.rec.Output = m
		size -= o.size - len(m)
		n++
	}
	if size > limit {
		return n, fmt.Errorf("the run's result is %d bytes without its outputs, over temporal.Options.MaxPayloadBytes (%d)", size, limit)
	}
	return n, nil
}

// seconds is runtime.Input's conversion of a number of seconds.
func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}
