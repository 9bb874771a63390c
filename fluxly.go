// Package fluxly is the app: register workflows as endpoints, then Run
// dispatches — command-line arguments run the CLI (a subcommand per
// endpoint, flags from the input struct), no arguments with FLUXLY_ENDPOINT
// set run that endpoint from environment variables alone (containers,
// schedulers), and no arguments at all serve the HTTP API.
//
//	app := fluxly.New(fluxly.Name("acme"))
//	fluxly.Register(app, "demo", NewDemo)
//	app.Run()
//
// Tool commands sit beside the endpoints: model, schema, version and serve
// are built in; an [Extension] adds more. Rendering diagrams is opt-in
// (package docscmd is the extension that adds the docs commands): a binary
// that only runs workflows never links the SVG renderer and starts in
// milliseconds.
package fluxly

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/fluxly-go/fluxly/docgen"
	"github.com/fluxly-go/fluxly/internal/cli"
	"github.com/fluxly-go/fluxly/internal/command"
	"github.com/fluxly-go/fluxly/internal/describe"
	"github.com/fluxly-go/fluxly/internal/endpoint"
	"github.com/fluxly-go/fluxly/internal/httpapi"
	"github.com/fluxly-go/fluxly/internal/schemacmd"
	"github.com/fluxly-go/fluxly/introspect"
	"github.com/fluxly-go/fluxly/runtime"
)

// App holds the registered endpoints and runs them.
type App struct {
	name, version string
	schemaBaseURL string
	envPrefix     string // input fields' environment variables
	middleware    []runtime.Middleware
	extensions    []Extension
	endpoints     []*endpoint.Endpoint
	errs          []error

	once  sync.Once
	app   *command.App
	tools []command.Command
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

// SchemaBaseURL sets the base of every input schema's $id: with
// "https://acme.example/schemas/" the orders endpoint's schema has $id
// https://acme.example/schemas/orders.schema.json. It must be an absolute
// http or https URL without query or fragment; a missing final "/" is
// added. Without it, $id is relative (orders.schema.json), resolved
// against wherever the schema is published; the schema and docs commands'
// --schema-base-url overrides either.
func SchemaBaseURL(url string) Option {
	return func(a *App) error {
		if err := describe.CheckSchemaBaseURL(url); err != nil {
			return fmt.Errorf("fluxly.SchemaBaseURL: %w", err)
		}
		a.schemaBaseURL = url
		return nil
	}
}

var envPrefixRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*_$`)

// EnvPrefix sets the prefix of the input fields' environment variables
// (default "FLUXLY_"): with EnvPrefix("ACME_") the field count is
// ACME_COUNT. The app's own settings keep theirs (FLUXLY_ENDPOINT,
// FLUXLY_PORT, …, listed in --help), so an app with its own prefix may
// have fields named host, port or api_token.
func EnvPrefix(prefix string) Option {
	return func(a *App) error {
		if !envPrefixRE.MatchString(prefix) {
			return fmt.Errorf("fluxly.EnvPrefix(%q): want upper-case letters, digits and '_', starting with a letter and ending with '_'", prefix)
		}
		a.envPrefix = prefix
		return nil
	}
}

// Middleware wraps every node attempt of every run: logging, metrics,
// tracing or policies without touching node code.
func Middleware(mw ...runtime.Middleware) Option {
	return func(a *App) error { a.middleware = append(a.middleware, mw...); return nil }
}

// Use wires extensions into the app, such as the docs commands of
// package docscmd: fluxly.Use(docscmd.Extension()).
func Use(exts ...Extension) Option {
	return func(a *App) error {
		for _, x := range exts {
			if x == nil {
				return errors.New("fluxly.Use: nil extension")
			}
			a.extensions = append(a.extensions, x)
		}
		return nil
	}
}

// New returns an app. Option errors, like registration errors, are
// reported by Err and make Run exit with status 2 before doing anything.
// Options are applied in order; give them all here, before Register.
func New(opts ...Option) *App {
	a := &App{name: filepath.Base(os.Args[0]), envPrefix: describe.DefaultEnvPrefix}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(a); err != nil {
			a.errs = append(a.errs, err)
		}
	}
	return a
}

// EndpointOption configures an endpoint at registration.
type EndpointOption func(*endpointConfig)

type endpointConfig struct{ sources []fs.FS }

// Sources gives the Go files of the packages declaring an endpoint's input
// and output types (//go:embed *.go), so field doc comments describe fields
// without a help tag — in the CLI, the schema and the docs alike.
func Sources(fsys ...fs.FS) EndpointOption {
	return func(c *endpointConfig) { c.sources = append(c.sources, fsys...) }
}

// Register adds the workflow that build returns as endpoint name. The
// constructor is called once now, to describe the workflow, and then once
// per run (and per workflow retry), so every run has its own node
// instances. A name registered twice or reserved for a tool command, an
// invalid workflow or an unsupported input field is reported by Err (and
// makes Run exit with status 2).
func Register[I any](a *App, name string, build func() *runtime.Workflow[I], opts ...EndpointOption) {
	var cfg endpointConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if slices.Contains(cli.Reserved(), name) {
		a.errs = append(a.errs, fmt.Errorf("endpoint %q: the name is reserved for a tool command (%s)", name, strings.Join(cli.Reserved(), ", ")))
		return
	}
	if slices.ContainsFunc(a.endpoints, func(e *endpoint.Endpoint) bool { return e.Name() == name }) {
		a.errs = append(a.errs, fmt.Errorf("endpoint %q is registered twice", name))
		return
	}
	e, err := endpoint.New(name, build, cfg.sources, a.describeOptions(), a.middleware)
	if err != nil {
		a.errs = append(a.errs, err)
		return
	}
	a.endpoints = append(a.endpoints, e)
}

func (a *App) describeOptions() describe.Options {
	return describe.Options{
		SchemaBaseURL: a.schemaBaseURL,
		EnvPrefix:     a.envPrefix,
		ReservedFlags: cli.ReservedFlags(),
		ReservedEnv:   cli.ReservedEnv(describe.DefaultEnvPrefix),
	}
}

// Err reports every problem with the app's options, registrations,
// workflows and extensions, or nil.
func (a *App) Err() error {
	_, err := a.build()
	return err
}

// Model describes every endpoint: the graph model the docs, schemas and
// diagrams are made from.
func (a *App) Model() (*introspect.Model, error) {
	app, err := a.build()
	if err != nil {
		return nil, err
	}
	return app.Model(), nil
}

// build assembles the app once every endpoint is registered.
func (a *App) build() (*command.App, error) {
	a.once.Do(func() {
		errs := slices.Clone(a.errs)
		set, err := endpoint.NewSet(a.endpoints...)
		if err != nil {
			errs = append(errs, err)
		}
		app := &command.App{Name: a.name, Version: a.version, Endpoints: set, EnvPrefix: describe.DefaultEnvPrefix}
		tools := append(cli.Builtin(), schemacmd.Command(), httpapi.Command())
		for _, x := range a.extensions {
			for _, c := range x.Commands() {
				if err := checkCommand(c, tools, a.endpoints); err != nil {
					errs = append(errs, err)
					continue
				}
				tools = append(tools, c.internal())
			}
			if r, ok := x.(docgen.Renderer); ok && app.Renderer == nil {
				app.Renderer = r
			}
			if r, ok := x.(runnerExtension); ok && app.Runner == nil {
				app.Runner = r.FluxlyRunner()
			}
			if d, ok := x.(docsSite); ok && app.Docs == nil {
				app.Docs = func(ctx context.Context, env *command.Env) (http.Handler, error) {
					return d.DocsHandler(ctx, publicEnv(env))
				}
			}
		}
		if a.err = errors.Join(errs...); a.err == nil {
			a.app, a.tools = app, tools
		}
	})
	return a.app, a.err
}

func init() {
	command.RegisterApp(func(x any) (*command.App, []command.Command, error) {
		a, ok := x.(*App)
		if !ok || a == nil {
			return nil, nil, fmt.Errorf("not a *fluxly.App: %T", x)
		}
		app, err := a.build()
		return app, a.tools, err
	})
}

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
	app, err := a.build()
	if err != nil {
		fmt.Fprintf(stderr, "%s: the app is misconfigured:\n%v\n", a.name, err)
		return command.ExitUsage
	}
	return cli.Main(ctx, app, a.tools, args, env, stdout, stderr)
}

// Command is a tool command beside the endpoints, added by an
// [Extension].
type Command struct {
	// Name is the command's name on the command line: lowercase letters,
	// digits and '-', not an endpoint's or another command's.
	Name string
	// Help is the one-line help shown in --help.
	Help string
	// Flags is a pointer to a struct with kong tags holding the command's
	// flags and arguments (github.com/alecthomas/kong), or nil. A flag
	// tagged env:"FLUXLY_X" reads the app's environment.
	Flags any
	// Run runs the command once its flags are parsed. An error that
	// implements [ExitCoder] sets the exit status; any other error is 1.
	Run func(ctx context.Context, env *Env) error
}

// Env is what a [Command] gets when it runs.
type Env struct {
	Name    string // the program name
	Version string // the app's version
	Model   *introspect.Model
	Stdout  io.Writer
	Stderr  io.Writer
	// Getenv reads the environment the app was given, which is the
	// process's under Run but not necessarily under Main.
	Getenv func(string) string
}

// ExitCoder is implemented by errors that carry the process exit status.
type ExitCoder interface{ ExitCode() int }

// Extension adds tool commands to an app ([Use]). An extension may also:
//
//   - lay out diagrams as SVG, by implementing
//     RenderSVG(ctx context.Context, dot []byte) ([]byte, error)
//     (docgen.Renderer): run reports (auto_generate_md) then carry SVG
//     diagrams rather than DOT;
//   - serve a docs site, by implementing
//     DocsHandler(ctx context.Context, env *Env) (http.Handler, error):
//     the HTTP API then serves it at /docs/.
//
// Package docscmd's Extension does all three.
type Extension interface {
	Commands() []Command
}

// ExtensionFunc adapts a function to [Extension].
type ExtensionFunc func() []Command

// Commands calls f.
func (f ExtensionFunc) Commands() []Command { return f() }

var _ Extension = ExtensionFunc(nil)

// docsSite is the optional interface of an Extension that serves docs.
type docsSite interface {
	DocsHandler(ctx context.Context, env *Env) (http.Handler, error)
}

// runnerExtension is the optional interface of an Extension that runs the
// app's runs elsewhere (the Temporal module); its method returns an
// internal type, so only this module's packages implement it.
type runnerExtension interface {
	FluxlyRunner() command.Runner
}

var commandName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

func checkCommand(c Command, tools []command.Command, eps []*endpoint.Endpoint) error {
	switch {
	case !commandName.MatchString(c.Name):
		return fmt.Errorf("command %q: names are lowercase letters, digits and '-', starting with a letter", c.Name)
	case c.Run == nil:
		return fmt.Errorf("command %q: no Run function", c.Name)
	case slices.ContainsFunc(tools, func(t command.Command) bool { return t.Name == c.Name }):
		return fmt.Errorf("command %q is defined twice", c.Name)
	case slices.ContainsFunc(eps, func(e *endpoint.Endpoint) bool { return e.Name() == c.Name }):
		return fmt.Errorf("command %q has the name of an endpoint", c.Name)
	}
	return nil
}

func (c Command) internal() command.Command {
	return command.Command{Name: c.Name, Help: c.Help, Flags: c.Flags,
		Run: func(ctx context.Context, env *command.Env) error { return c.Run(ctx, publicEnv(env)) }}
}

func publicEnv(env *command.Env) *Env {
	return &Env{Name: env.App.Name, Version: env.App.Version, Model: env.App.Model(),
		Stdout: env.Stdout, Stderr: env.Stderr, Getenv: env.Getenv}
}
