package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// Duration is a time.Duration that encodes in JSON as a Go duration string
// such as "1.5s".
type Duration time.Duration

// MarshalText encodes d as time.Duration's String.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ErrorInfo is an error as recorded in executions: its Go type and message.
type ErrorInfo struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

func errorInfo(err error) *ErrorInfo {
	if err == nil {
		return nil
	}
	t := fmt.Sprintf("%T", err)
	if p, ok := err.(*permanentError); ok { // the mark is not the error's type
		t = fmt.Sprintf("%T", p.err)
	}
	var p *PanicError
	if errors.As(err, &p) {
		t = "panic"
	}
	return &ErrorInfo{Type: t, Message: err.Error()}
}

// NodeExecution records one node attempt.
type NodeExecution struct {
	Attempt  int        `json:"attempt"`
	Start    time.Time  `json:"start"`
	End      time.Time  `json:"end"`
	Duration Duration   `json:"duration"`
	Status   Status     `json:"status"`
	Error    *ErrorInfo `json:"error,omitempty"`
	// Output is the attempt's typed output (a *O) when the node has one and
	// the attempt ran to the end; after a JSON round trip it holds the
	// encoded output as a json.RawMessage.
	Output any `json:"output,omitempty"`
	// Reused says the record was taken, output included, from the run
	// this one resumed ([ResumeFrom]): the node did not run again.
	Reused bool `json:"reused,omitempty"`
}

// UnmarshalJSON keeps Output as raw JSON, so a decoded execution encodes
// back to the same bytes.
func (n *NodeExecution) UnmarshalJSON(b []byte) error {
	type plain NodeExecution
	var v struct {
		plain
		Output json.RawMessage `json:"output,omitempty"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = NodeExecution(v.plain)
	n.Output = nil
	if len(v.Output) > 0 {
		n.Output = v.Output
	}
	return nil
}

// WorkflowExecution records one attempt of a whole workflow.
type WorkflowExecution struct {
	Attempt  int        `json:"attempt"`
	Start    time.Time  `json:"start"`
	End      time.Time  `json:"end"`
	Duration Duration   `json:"duration"`
	Status   Status     `json:"status"`
	Error    *ErrorInfo `json:"error,omitempty"`
	// Nodes maps each node that ran to all its attempts, oldest first.
	Nodes map[string][]NodeExecution `json:"nodes"`
	// Skipped lists, sorted, the nodes that could never start because an
	// incoming edge said no (or a parent was skipped).
	Skipped []string `json:"skipped,omitempty"`

	err error
}

// Err returns the attempt's error value (nil when COMPLETED), for errors.As.
func (w *WorkflowExecution) Err() error { return w.err }

// NodeState is what happened to a node in a workflow attempt.
type NodeState int

// Node states, for reports and progress displays.
const (
	NotReached NodeState = iota // never started: the workflow stopped first
	Skipped                     // an incoming edge said no, or a parent was skipped
	Ran                         // has executions; see their status
)

// NodeState says whether a node ran, was skipped or was never reached.
func (w *WorkflowExecution) NodeState(name string) NodeState {
	if len(w.Nodes[name]) > 0 {
		return Ran
	}
	for _, s := range w.Skipped {
		if s == name {
			return Skipped
		}
	}
	return NotReached
}

// Result is a whole run: every workflow attempt and the final outcome.
type Result struct {
	RunID      string               `json:"run_id"`
	Workflow   string               `json:"workflow"`
	Version    string               `json:"version,omitempty"`
	Status     Status               `json:"status"`
	StatusCode int                  `json:"status_code"`
	Error      *ErrorInfo           `json:"error,omitempty"`
	Start      time.Time            `json:"start"`
	End        time.Time            `json:"end"`
	Duration   Duration             `json:"duration"`
	Executions []*WorkflowExecution `json:"executions"`
	// ResumedFrom is the id of the run this one resumed ([ResumeFrom]).
	ResumedFrom string `json:"resumed_from,omitempty"`

	err error
}

// Err returns the final error value (nil when COMPLETED), for errors.As.
func (r *Result) Err() error { return r.err }

// Last returns the final workflow attempt.
func (r *Result) Last() *WorkflowExecution {
	if len(r.Executions) == 0 {
		return nil
	}
	return r.Executions[len(r.Executions)-1]
}

// PanicError is a panic recovered from node logic, a hook, a middleware or
// an edge condition.
type PanicError struct {
	Where string // "Logic", "OnStart hook", …
	Value any
	Stack []byte
}

// Error says where the panic happened and its value.
func (p *PanicError) Error() string { return fmt.Sprintf("panic in %s: %v", p.Where, p.Value) }

// Output returns the typed output of node's last execution in the last
// workflow attempt of res, a Result from [Run] or one decoded from JSON.
// It fails, naming the node, when res has no attempt, when the node did
// not run in the last one (it was skipped or never reached), when its last
// execution did not end COMPLETED, when it recorded no output (its output
// type is NoOutput), or when the output is not an O.
func Output[O any](res *Result, node string) (O, error) {
	var zero O
	if res == nil {
		return zero, errors.New("runtime.Output: the result is nil")
	}
	ex := res.Last()
	if ex == nil {
		return zero, fmt.Errorf("runtime.Output: run %q has no workflow attempt", res.RunID)
	}
	recs := ex.Nodes[node]
	if len(recs) == 0 {
		switch ex.NodeState(node) {
		case Skipped:
			return zero, fmt.Errorf("runtime.Output: node %q was skipped in workflow attempt %d", node, ex.Attempt)
		default:
			return zero, fmt.Errorf("runtime.Output: node %q did not run in workflow attempt %d (no such node, or never reached)", node, ex.Attempt)
		}
	}
	rec := &recs[len(recs)-1]
	if rec.Status != Completed {
		return zero, fmt.Errorf("runtime.Output: node %q ended %s in its last execution (attempt %d), not COMPLETED", node, rec.Status, rec.Attempt)
	}
	switch out := rec.Output.(type) {
	case *O:
		if out != nil {
			return *out, nil
		}
	case json.RawMessage:
		var v O
		if err := json.Unmarshal(out, &v); err != nil {
			return zero, fmt.Errorf("runtime.Output: node %q: decoding its output as %v: %w", node, reflect.TypeFor[O](), err)
		}
		return v, nil
	case nil:
	default:
		return zero, fmt.Errorf("runtime.Output: node %q has output of type %T, not *%v", node, out, reflect.TypeFor[O]())
	}
	return zero, fmt.Errorf("runtime.Output: node %q recorded no output", node)
}
