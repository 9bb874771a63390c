// Package cli is the command-line face of a Fluxly app: a subcommand per
// endpoint, built with kong from the introspection model (never from kong
// tags in user structs), the FLUXLY_ENDPOINT environment trigger, and the
// tool commands beside the endpoints.
package cli

import (
	"context"
	"io"
	"net/http"

	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// App is what the CLI needs of an app; *fluxly.App implements it.
type App interface {
	AppName() string
	AppVersion() string
	Model() (*introspect.Model, error)
	RunEndpoint(ctx context.Context, endpoint string, input any, opts ...runtime.RunOption) (*runtime.Result, error)
}

// Reserved are the tool command names; no endpoint may take one.
var Reserved = []string{"serve", "docs", "schema", "graph", "model", "version"}

// Builtin are the tool commands every app has.
var Builtin = []string{"model", "schema", "version"}

// ReservedEnv are the environment variables of the CLI itself; no input
// field may map to one.
var ReservedEnv = []string{"FLUXLY_ENDPOINT", "FLUXLY_INPUT_FILE", "FLUXLY_RESULT_FILE", "FLUXLY_LOG_FORMAT", "FLUXLY_PROGRESS", "FLUXLY_API_TOKEN", "FLUXLY_HOST", "FLUXLY_PORT", "FLUXLY_GRACE", "FLUXLY_LOG_LEVEL", "FLUXLY_SVG_CACHE"}

// ReservedFlags are the flags of the endpoint commands themselves; no input
// field may map to one.
var ReservedFlags = []string{"help", "input-file", "result-file", "log-format", "progress"}

// Command is a tool command beside the endpoints (docs, graph, serve).
type Command struct {
	Name string
	Help string
	// Flags is a pointer to a kong-tagged struct holding the command's
	// flags and arguments, or nil.
	Flags any
	// Run runs the command once its flags are parsed. An error that
	// implements ExitCode() int sets the exit status (default 1).
	Run func(ctx context.Context, env *Env) error
	// DocsHandler, set by the docs command, builds the docs site for the
	// HTTP API to serve at /docs/ (see Env.Docs).
	DocsHandler func(ctx context.Context, env *Env) (http.Handler, error)
	// RenderSVG, set by the docs command, lays out DOT as SVG; run reports
	// (auto_generate_md) use it when present and write DOT otherwise.
	RenderSVG func(ctx context.Context, dot []byte) ([]byte, error)
}

// Env is what a tool command gets.
type Env struct {
	App    App
	Model  *introspect.Model
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Docs, when the docs commands are wired in, builds the docs site
	// handler the HTTP API serves at /docs/; nil otherwise.
	Docs func(ctx context.Context) (http.Handler, error)
	// Tools are all tool commands of the app (for help and cross-calls).
	Tools []Command
}
