// Package fluxly is the app: register workflows as endpoints, then Run
// dispatches — command-line arguments run the CLI (a subcommand per
// endpoint, flags from the input struct), no arguments with FLUXLY_ENDPOINT
// set run that endpoint from FLUXLY_* variables (containers, schedulers),
// and no arguments at all serve the HTTP API.
//
//	app := fluxly.New(fluxly.Name("acme"))
//	fluxly.Register(app, "demo", NewDemo)
//	app.Run()
//
// Rendering diagrams is opt-in (package docscmd): a binary that only runs
// workflows never links the SVG renderer and starts in milliseconds.
package fluxly

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/fluxly-go/fluxly/cli"
	"github.com/fluxly-go/fluxly/httpapi"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// App holds the registered endpoints and runs them.
type App struct {
	name       string
	version    string
	options    introspect.Options
	middleware []runtime.Middleware
	commands   []cli.Command
	endpoints  []*Endpoint
	errs       []error

	once  sync.Once
	model *introspect.Model
	err   error
}

// Option configures an App.
type Option func(*App) error

// Name sets the program name shown in help and usage (default: the
// executable's base name).
func Name(name string) Option {
	return func(a *App) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("fluxly.Name: empty name")
		}
		a.name = name
		return nil
	}
}

// Version sets the version the `version` command prints.
func Version(v string) Option { return func(a *App) error { a.version = v; return nil } }

// SchemaBaseURL sets the base of every input schema's $id.
func SchemaBaseURL(url string) Option {
	return func(a *App) error { a.options.SchemaBaseURL = url; return nil }
}

// Middleware wraps every node attempt of every run: logging, metrics,
// tracing or policies without touching node code.
func Middleware(mw ...runtime.Middleware) Option {
	return func(a *App) error { a.middleware = append(a.middleware, mw...); return nil }
}

// Commands adds tool commands beside the endpoints, such as the docs
// commands of package docscmd.
func Commands(cmds ...cli.Command) Option {
	return func(a *App) error {
		for _, c := range cmds {
			switch {
			case !slices.Contains(cli.Reserved, c.Name):
				return fmt.Errorf("fluxly.Commands: %q is not a reserved tool name (%s)", c.Name, strings.Join(cli.Reserved, ", "))
			case slices.Contains(cli.Builtin, c.Name):
				return fmt.Errorf("fluxly.Commands: %q is a built-in command", c.Name)
			}
			// A later command of the same name replaces the earlier one.
			a.commands = slices.DeleteFunc(a.commands, func(o cli.Command) bool { return o.Name == c.Name })
			a.commands = append(a.commands, c)
		}
		return nil
	}
}

// New returns an app. Option errors, like registration errors, are
// reported by Err and make Run exit with status 2 before doing anything.
// The serve command (the HTTP API, and Run's default with no arguments) is
// always there; add the docs commands with Commands(docscmd.Commands()...).
func New(opts ...Option) *App {
	a := &App{name: filepath.Base(os.Args[0]), commands: []cli.Command{httpapi.Command()}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(a); err != nil {
			a.errs = append(a.errs, err)
		}
	}
	a.options.ReservedFlags = cli.ReservedFlags
	a.options.ReservedEnv = cli.ReservedEnv
	return a
}

// Endpoint is a workflow registered under a name.
type Endpoint struct {
	name    string
	sources []fs.FS
	build   func() runtime.Described
	run     func(ctx context.Context, input any, opts ...runtime.RunOption) (*runtime.Result, error)
}

// EndpointOption configures an Endpoint.
type EndpointOption func(*Endpoint)

// Sources gives the Go files of the packages declaring an endpoint's input
// and output types (//go:embed *.go), so field doc comments describe fields
// without a help tag — in the CLI, the schema and the docs alike.
func Sources(fsys ...fs.FS) EndpointOption {
	return func(e *Endpoint) { e.sources = append(e.sources, fsys...) }
}

// Workflow makes an endpoint of a workflow constructor. The constructor is
// called once per run (and per workflow retry), and once to describe it.
func Workflow[I any](name string, build func() *runtime.Workflow[I], opts ...EndpointOption) *Endpoint {
	e := &Endpoint{name: name}
	if build != nil {
		e.build = func() runtime.Described { return build() }
		e.run = func(ctx context.Context, input any, opts ...runtime.RunOption) (*runtime.Result, error) {
			in, ok := input.(*I)
			if !ok && input != nil {
				return nil, fmt.Errorf("endpoint %q: input is %T, not *%T", name, input, *new(I))
			}
			return runtime.Run(ctx, build, in, opts...)
		}
	}
	for _, o := range opts {
		if o != nil {
			o(e)
		}
	}
	return e
}

// Name returns the endpoint's name.
func (e *Endpoint) Name() string { return e.name }

// Register adds the workflow built by build as endpoint name: the generic
// form of app.Add(fluxly.Workflow(name, build, opts...)).
func Register[I any](a *App, name string, build func() *runtime.Workflow[I], opts ...EndpointOption) {
	a.Add(Workflow(name, build, opts...))
}

// Add registers endpoints. A name registered twice, a tool command's name,
// or an invalid workflow is reported by Err (and by Run, with status 2).
func (a *App) Add(eps ...*Endpoint) {
	for _, e := range eps {
		switch {
		case e == nil:
			a.errs = append(a.errs, errors.New("fluxly: nil endpoint"))
		case e.build == nil:
			a.errs = append(a.errs, fmt.Errorf("endpoint %q: nil workflow constructor", e.name))
		case slices.Contains(cli.Reserved, e.name):
			a.errs = append(a.errs, fmt.Errorf("endpoint %q: the name is reserved for a tool command (%s)", e.name, strings.Join(cli.Reserved, ", ")))
		case slices.ContainsFunc(a.endpoints, func(o *Endpoint) bool { return o.name == e.name }):
			a.errs = append(a.errs, fmt.Errorf("endpoint %q is registered twice", e.name))
		default:
			a.endpoints = append(a.endpoints, e)
		}
	}
}

// Err reports every problem with the app's options, registrations and
// workflows, or nil.
func (a *App) Err() error {
	_, err := a.Model()
	return err
}

// Model describes every endpoint (built once, then cached).
func (a *App) Model() (*introspect.Model, error) {
	a.once.Do(func() {
		eps := make([]introspect.Endpoint, len(a.endpoints))
		for i, e := range a.endpoints {
			eps[i] = introspect.Endpoint{Name: e.name, Build: e.build, Sources: e.sources}
		}
		a.model, a.err = introspect.Describe(eps, a.options)
		a.err = errors.Join(append(slices.Clone(a.errs), a.err)...)
		if a.err != nil {
			a.model = nil
		}
	})
	return a.model, a.err
}

// RunEndpoint runs endpoint with an input as Decode returns it (a pointer
// to the endpoint's input type), adding the app's middleware.
func (a *App) RunEndpoint(ctx context.Context, endpoint string, input any, opts ...runtime.RunOption) (*runtime.Result, error) {
	for _, e := range a.endpoints {
		if e.name == endpoint {
			if len(a.middleware) > 0 {
				opts = append([]runtime.RunOption{runtime.WithMiddleware(a.middleware...)}, opts...)
			}
			return e.run(ctx, input, opts...)
		}
	}
	return nil, fmt.Errorf("no endpoint %q", endpoint)
}

// AppName is the program name shown in help.
func (a *App) AppName() string { return a.name }

// AppVersion is the version the `version` command prints.
func (a *App) AppVersion() string { return a.version }

var _ cli.App = (*App)(nil)

// Run runs the app with the process's arguments and environment and exits
// with the resulting status code. It is the one place that reads os.Args.
func (a *App) Run() {
	ctx, stop := signalContext()
	code := a.Main(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Main is Run without the process: arguments (without the program name),
// environment as KEY=VALUE pairs, and output streams. It returns the exit
// status.
func (a *App) Main(ctx context.Context, args, env []string, stdout, stderr io.Writer) int {
	return cli.Main(ctx, a, a.commands, args, env, stdout, stderr)
}
