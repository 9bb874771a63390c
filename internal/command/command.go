// Package command is the one extension point of an app's command line:
// every command — an endpoint's run, the built-in tools, serve, and the
// commands an extension adds (docs, graph) — is a Command run with an
// Env. Capabilities an extension brings (an SVG renderer for run reports,
// the docs site served at /docs/) are fields of App, set by the app when
// it wires the extension in, never found by scanning commands.
package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// Exit statuses of the command line itself; a run exits with its
// workflow's status.
const (
	ExitUsage   = 2  // unknown command or flag, unparsable value, bad app setup
	ExitInvalid = 84 // DATA_VALIDATION_FAILURE: values that break a field's rules
)

// App is what commands know of the app they belong to. It is fixed once
// the app is built.
type App struct {
	Name      string
	Version   string
	Endpoints *endpoint.Set
	// EnvPrefix prefixes the app's environment variables (FLUXLY_).
	EnvPrefix string
	// Renderer lays out DOT as SVG for run reports; nil when the binary
	// links no renderer (reports then carry DOT).
	Renderer docgen.Renderer
	// Docs builds the docs site the HTTP API serves at /docs/; nil when the
	// docs commands are not wired in.
	Docs func(ctx context.Context, env *Env) (http.Handler, error)
	// Runner runs the runs of the CLI, the environment trigger and the HTTP
	// API somewhere else than in this process (Temporal); nil runs them
	// here, with the local runtime.
	Runner Runner
}

// RunRequest is what a run needs besides its input.
type RunRequest struct {
	RunID    string
	Logger   *slog.Logger        // node logs; nil discards them
	Observer func(runtime.Event) // the run's events, when the runner has them; nil for none
	Prev     *runtime.Result     // the run this one resumes, or nil
}

// Runner runs an endpoint's decoded input to its end.
type Runner interface {
	Run(ctx context.Context, in *endpoint.Input, req RunRequest) (*runtime.Result, error)
}

// Run runs in with the app's runner, or locally without one.
func (a *App) Run(ctx context.Context, in *endpoint.Input, req RunRequest) (*runtime.Result, error) {
	if a.Runner != nil {
		return a.Runner.Run(ctx, in, req)
	}
	opts := []runtime.RunOption{runtime.WithRunID(req.RunID)}
	if req.Logger != nil {
		opts = append(opts, runtime.WithLogger(req.Logger))
	}
	if req.Observer != nil {
		opts = append(opts, runtime.WithObserver(req.Observer))
	}
	if req.Prev != nil {
		opts = append(opts, runtime.ResumeFrom(req.Prev))
	}
	return in.Run(ctx, opts...)
}

// Model returns the model of every endpoint.
func (a *App) Model() *introspect.Model { return a.Endpoints.Model() }

// Env is what a command gets when it runs.
type Env struct {
	App    *App
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment the app was given (not necessarily the
	// process's).
	Getenv func(string) string
	// Path is the selected command's path below the program, e.g.
	// ["runs", "list"] for a command with subcommands.
	Path []string
}

// Setting reads the app setting name (e.g. "API_TOKEN") from the
// environment, under the app's prefix.
func (e *Env) Setting(name string) string { return e.Getenv(e.App.EnvPrefix + name) }

// Command is one command of the app's command line.
type Command struct {
	Name string
	Help string
	// Flags is a pointer to a kong-tagged struct holding the command's
	// flags and arguments, or nil.
	Flags any
	// Run runs the command once its flags are parsed. An error that
	// implements ExitCoder sets the exit status (default 1).
	Run func(ctx context.Context, env *Env) error
}

// ExitCoder is implemented by errors that carry the process exit status.
type ExitCoder interface{ ExitCode() int }

// UsageError is a mistake in how a command was invoked: exit status 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *UsageError) Unwrap() error { return e.Err }

// ExitCode returns ExitUsage.
func (e *UsageError) ExitCode() int { return ExitUsage }

// Usagef returns a *UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// ExitError ends a command with exit status Code. Err, when not nil, is
// the message printed; a nil Err prints nothing more (the command has
// said what went wrong).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode returns Code.
func (e *ExitError) ExitCode() int { return e.Code }

// ExitCode returns the exit status an error from Run asks for: its
// ExitCoder's, or 1.
func ExitCode(err error) int {
	var ec ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return 1
}

// UnknownEndpoint is the usage error for an endpoint name that is not one.
func UnknownEndpoint(app *App, name string) error {
	return Usagef("no endpoint %q; endpoints: %s", name, strings.Join(app.Endpoints.Names(), ", "))
}

var appOf func(app any) (*App, []Command, error)

// RegisterApp is called once, by package fluxly's init, with the function
// that returns the command-line app behind a *fluxly.App (and its tool
// commands): internal packages, tests and the Temporal module reach an
// app's endpoints through AppOf without package fluxly exporting them.
func RegisterApp(fn func(app any) (*App, []Command, error)) { appOf = fn }

// AppOf returns the app behind a *fluxly.App, built, with its tool
// commands, or the app's configuration errors.
func AppOf(app any) (*App, []Command, error) {
	if appOf == nil {
		return nil, nil, errors.New("command: package fluxly is not linked")
	}
	return appOf(app)
}
