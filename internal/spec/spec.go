// Package spec is the read-only description of a workflow's graph that
// package runtime gives the rest of the module (introspection, the app)
// without exporting it to users: runtime registers [Of]'s implementation
// in its init, so only a *runtime.Workflow[I] can be described.
package spec

import (
	"errors"
	"reflect"
	"time"
)

// Workflow describes a workflow's graph. Nodes are in a stable topological
// order (ties broken by the order nodes were added); edges are in the
// order they were added.
type Workflow struct {
	Name           string
	Description    string
	Version        string
	MaxConcurrency int
	Hooks          []string     // workflow hooks implemented, e.g. "OnStart"
	Input          reflect.Type // the input struct type I
	Nodes          []Node
	Edges          []Edge
	Groups         [][]string // execution groups, node names in topological order
}

// Node describes one node.
type Node struct {
	Name        string
	Description string
	Timeout     time.Duration
	MaxRetries  int
	RetryDelay  time.Duration
	Backoff     *Backoff
	Jitter      bool // retry delays drawn at random up to the computed delay
	// NonRetryable are the statuses that end the node's attempts at once.
	NonRetryable []string
	// TriggerRule is the node's Airflow trigger rule name, or "" for the
	// default.
	TriggerRule       string
	ContinueOnFailure bool         // the node's failure fails no execution group
	Hooks             []string     // node hooks implemented
	Type              reflect.Type // the user's node type, e.g. *echo.Echo
	Output            reflect.Type // the output type O; nil for runtime.NoOutput
}

// Backoff is a node's exponential retry backoff.
type Backoff struct {
	Factor float64
	Max    time.Duration // 0: no cap
}

// Edge describes one edge. Kind is a runtime.EdgeKind.
type Edge struct {
	From, To string
	Kind     uint8
	Label    string
}

var describe func(wf any) (Workflow, bool, error)

// Register is called once, by package runtime's init, with the function
// that describes a *runtime.Workflow[I].
func Register(fn func(wf any) (w Workflow, ok bool, graphErr error)) { describe = fn }

// ErrNotWorkflow is returned by Of for a value that is not a *runtime.Workflow[I].
var ErrNotWorkflow = errors.New("not a *runtime.Workflow")

// Of describes wf, a *runtime.Workflow[I]. The error is the workflow's
// graph errors (Workflow.Err), or ErrNotWorkflow; the description is
// valid only when it is nil.
func Of(wf any) (Workflow, error) {
	if describe == nil {
		return Workflow{}, errors.New("spec: package runtime is not linked")
	}
	w, ok, err := describe(wf)
	if !ok {
		return Workflow{}, ErrNotWorkflow
	}
	return w, err
}
