package introspect

import (
	"bytes"
	"encoding/json"

	"github.com/fluxly-go/fluxly/runtime"
)

// ModelVersion is the version of the Model's JSON format. It changes when a
// field is renamed or removed, not when one is added.
const ModelVersion = 1

// Model describes every registered workflow: plain data, JSON-serialisable,
// in a deterministic order. Docs, diagrams, schemas, CLI flags and the HTTP
// API are all derived from it.
type Model struct {
	Version   int         `json:"version"`
	Workflows []*Workflow `json:"workflows"` // sorted by endpoint
}

// Workflow describes one endpoint's workflow.
type Workflow struct {
	Endpoint       string   `json:"endpoint"`
	Name           string   `json:"name"`
	Description    string   `json:"description,omitempty"`
	Version        string   `json:"version,omitempty"`
	MaxConcurrency int      `json:"max_concurrency,omitempty"`
	Hooks          []string `json:"hooks,omitempty"`
	Input          Input    `json:"input"`
	Nodes          []Node   `json:"nodes"` // stable topological order
	Edges          []Edge   `json:"edges"` // in the order they were added
	Groups         []Group  `json:"groups,omitempty"`

	// Schema is the input's JSON Schema (draft 2020-12), pretty-printed.
	// It is not part of the model's JSON: the docs publish it as its own
	// file, and a Workflow decoded from model JSON has none.
	Schema json.RawMessage `json:"-"`
}

// Input describes a workflow's input type.
type Input struct {
	GoType   string  `json:"go_type"`   // package-qualified, e.g. github.com/acme/app/echo.Input
	SchemaID string  `json:"schema_id"` // the JSON Schema's $id
	Fields   []Field `json:"fields"`    // declaration order; nested struct fields follow their parent
}

// Field describes one input field. One declaration — the struct field and
// its tags — drives the flag, the environment variable, the JSON Schema, the
// validation and the docs.
type Field struct {
	Name     string `json:"name"`                // JSON path: "count", or "db.host" for a nested field
	GoName   string `json:"go_name"`             // Go field name
	GoType   string `json:"go_type"`             // e.g. "int", "[]string", "time.Duration", "*float64"
	JSONType string `json:"json_type"`           // string, integer, number, boolean, array or object
	ItemType string `json:"item_type,omitempty"` // JSON type of array items
	Format   string `json:"format,omitempty"`    // "duration" (Go duration string such as "30s"), "date-time"
	Optional bool   `json:"optional,omitempty"`  // a pointer: may be null or absent

	Flag string `json:"flag,omitempty"` // CLI flag without dashes, e.g. "dry-run"; empty when not on the CLI
	Env  string `json:"env,omitempty"`  // environment variable, e.g. "FLUXLY_DRY_RUN"; empty for a nested struct (set its fields)

	Default  json.RawMessage `json:"default,omitempty"` // JSON value; absent when the field has none, and never shown for a secret
	Required bool            `json:"required"`

	Enum             []json.RawMessage `json:"enum,omitempty"`
	Minimum          json.Number       `json:"minimum,omitempty"`
	Maximum          json.Number       `json:"maximum,omitempty"`
	ExclusiveMinimum json.Number       `json:"exclusive_minimum,omitempty"`
	ExclusiveMaximum json.Number       `json:"exclusive_maximum,omitempty"`
	MinLength        *uint64           `json:"min_length,omitempty"`
	MaxLength        *uint64           `json:"max_length,omitempty"`
	MinItems         *uint64           `json:"min_items,omitempty"`
	MaxItems         *uint64           `json:"max_items,omitempty"`
	Pattern          string            `json:"pattern,omitempty"`

	Description string `json:"description,omitempty"`

	NoCLI           bool `json:"no_cli,omitempty"`           // excluded from the CLI (still settable by env, file, API)
	NoDocs          bool `json:"no_docs,omitempty"`          // left out of the docs
	KeepUnderscores bool `json:"keep_underscores,omitempty"` // flag keeps "_" instead of "-"
	Secret          bool `json:"secret,omitempty"`           // never printed in logs, records, reports or docs
	Base            bool `json:"base,omitempty"`             // one of the common fields of runtime.Input
	Object          bool `json:"object,omitempty"`           // a nested struct; its fields follow it
}

// Node describes one node.
type Node struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	GoType      string   `json:"go_type"` // package-qualified
	Timeout     string   `json:"timeout,omitempty"`
	MaxRetries  int      `json:"max_retries,omitempty"`
	RetryDelay  string   `json:"retry_delay,omitempty"`
	Backoff     *Backoff `json:"backoff,omitempty"`
	// Jitter says retry delays are drawn at random up to the computed
	// delay (full jitter).
	Jitter bool `json:"jitter,omitempty"`
	// NonRetryable lists the statuses (by name) that end the node's
	// attempts at once; a permanent error does too.
	NonRetryable []string `json:"non_retryable,omitempty"`
	// TriggerRule is the node's Airflow trigger rule ("all_success",
	// "all_done", "none_failed", "none_failed_min_one_success",
	// "one_success", "one_failed", "all_failed", "always"), or empty for
	// the default: wait for every parent, skipped when an edge says no.
	TriggerRule string `json:"trigger_rule,omitempty"`
	// ContinueOnFailure says the node's failure fails no execution group:
	// the workflow goes on, and the node still shows as failed.
	ContinueOnFailure bool     `json:"continue_on_failure,omitempty"`
	Hooks             []string `json:"hooks,omitempty"`
	Output            *Output  `json:"output,omitempty"` // nil for runtime.NoOutput
}

// Backoff is a node's exponential retry backoff.
type Backoff struct {
	Factor float64 `json:"factor"`
	Max    string  `json:"max,omitempty"`
}

// Output describes a node's output type.
type Output struct {
	GoType string        `json:"go_type"`
	Fields []OutputField `json:"fields,omitempty"`
}

// OutputField is one field of a node's output.
type OutputField struct {
	Name        string `json:"name"`
	GoType      string `json:"go_type"`
	JSONType    string `json:"json_type"`
	Description string `json:"description,omitempty"`
}

// Edge is a dependency between two nodes.
type Edge struct {
	From  string           `json:"from"`
	To    string           `json:"to"`
	Kind  runtime.EdgeKind `json:"kind"` // "plain", "conditional" or "on_success" in JSON
	Label string           `json:"label,omitempty"`
}

// Group is an execution group.
type Group struct {
	Nodes []string `json:"nodes"` // topological order
}

// JSON returns the model as indented JSON, without HTML escaping, ending in
// a newline: the form written to model.json and printed by `fluxly model`.
func (m *Model) JSON() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		panic(err) // plain data: cannot fail
	}
	return buf.Bytes()
}

// Workflow returns the workflow served at endpoint, or nil.
func (m *Model) Workflow(endpoint string) *Workflow {
	for _, w := range m.Workflows {
		if w.Endpoint == endpoint {
			return w
		}
	}
	return nil
}

// Field returns the input field at JSON path name, or nil.
func (w *Workflow) Field(name string) *Field {
	for i := range w.Input.Fields {
		if w.Input.Fields[i].Name == name {
			return &w.Input.Fields[i]
		}
	}
	return nil
}

// Node returns the node named name, or nil.
func (w *Workflow) Node(name string) *Node {
	for i := range w.Nodes {
		if w.Nodes[i].Name == name {
			return &w.Nodes[i]
		}
	}
	return nil
}
