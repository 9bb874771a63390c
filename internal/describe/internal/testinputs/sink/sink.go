// Package sink declares an input with every supported kind of field, for
// introspection and validation tests.
package sink

import (
	"context"
	"embed"
	"time"

	"github.com/fluxly-go/fluxly/internal/describe/internal/testinputs/a"
	"github.com/fluxly-go/fluxly/internal/describe/internal/testinputs/b"
	"github.com/fluxly-go/fluxly/runtime"
)

// Sources holds this package's Go files.
//
//go:embed *.go
var Sources embed.FS

// DB is a nested struct: its fields become db.host and db.port.
type DB struct {
	// Host to connect to.
	Host string `json:"host" default:"localhost"`
	Port uint16 `json:"port" default:"5432" help:"TCP port."`
}

// User is an item of a list of structs.
type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Input has one field of each kind.
type Input struct {
	runtime.Input

	Name     string            `json:"name" fluxly:"required" jsonschema:"minLength=1,maxLength=10"`
	Code     string            `json:"code" jsonschema:"pattern=^[A-Z]{3}$"`
	Ratio    float64           `json:"ratio" default:"0.5" jsonschema:"exclusiveMinimum=0,maximum=1"`
	Limit    *int              `json:"limit" help:"Optional limit; null or absent means none." jsonschema:"minimum=1"`
	Wait     time.Duration     `json:"wait" default:"1m30s"`
	At       time.Time         `json:"at" help:"When to start."`
	Levels   []int             `json:"levels" default:"1,2" jsonschema:"maxItems=3"`
	Colors   []string          `json:"colors" enum:"red,green"`
	DB       DB                `json:"db"`
	Labels   map[string]string `json:"labels" help:"Free-form labels (JSON only)."`
	Users    []User            `json:"users" help:"Users (JSON only)."`
	Password string            `json:"password" fluxly:"secret" jsonschema:"minLength=8"`
	APIKey   string            `json:"api_key" default:"dev-key-123" fluxly:"secret"`
	Raw_Key  string            `json:"raw_key" fluxly:"keep_underscores,nodocs"`
	A        a.Options         `json:"a"`
	B        b.Options         `json:"b"`
}

// Step does nothing.
type Step struct {
	runtime.Node[Input, runtime.NoOutput]
}

// Logic does nothing.
func (Step) Logic(context.Context, *runtime.Exec[Input, runtime.NoOutput]) error { return nil }

// New builds a one-node workflow.
func New() *runtime.Workflow[Input] {
	wf := runtime.NewWorkflow[Input]("sink")
	runtime.Add(wf, &Step{}, runtime.Name("step"))
	return wf
}
