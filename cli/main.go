package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/fluxly-go/fluxly/introspect"
)

// Exit statuses of the CLI itself; a run exits with its workflow's status.
const (
	ExitUsage   = 2  // unknown command or flag, unparsable value, bad app setup
	ExitInvalid = 84 // DATA_VALIDATION_FAILURE: values that break a field's rules
)

// exitCoder is implemented by errors that carry an exit status.
type exitCoder interface{ ExitCode() int }

// exitPanic carries kong's exit status (after --help) out of Parse.
type exitPanic struct{ code int }

// Main runs the CLI: args (without the program name) select an endpoint or a
// tool command; with no args, FLUXLY_ENDPOINT selects an endpoint run from
// FLUXLY_* variables alone, and otherwise the serve command (if present)
// starts the HTTP API. env is KEY=VALUE pairs. It returns the exit status.
func Main(ctx context.Context, app App, tools []Command, args, env []string, stdout, stderr io.Writer) (code int) {
	vars := parseEnv(env)
	name := app.AppName()
	m, err := app.Model()
	if err != nil {
		fmt.Fprintf(stderr, "%s: the app is misconfigured:\n%v\n", name, err)
		return ExitUsage
	}
	tools = append(builtinTools(), tools...)
	if len(args) == 0 {
		switch ep := vars["FLUXLY_ENDPOINT"]; {
		case ep != "":
			if m.Workflow(ep) == nil {
				fmt.Fprintf(stderr, "%s: FLUXLY_ENDPOINT=%q is not an endpoint; endpoints: %s\n", name, ep, strings.Join(endpoints(m), ", "))
				return ExitUsage
			}
			args = []string{ep}
		case hasTool(tools, "serve"):
			args = []string{"serve"}
		default:
			fmt.Fprintf(stderr, "%s: no command given and FLUXLY_ENDPOINT is not set.\n"+
				"This build has no HTTP API (the serve command is not wired in); run an endpoint instead.\n"+
				"Run '%s --help' for the endpoints and commands.\n", name, name)
			return ExitUsage
		}
	}

	cmds := make(map[string]*endpointCommand)
	fromEnv := map[string]string{} // flag name → the variable that gave its value
	opts := []kong.Option{
		kong.Name(name),
		kong.Description(description(app, m)),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitPanic{code}) }),
		kong.ConfigureHelp(kong.HelpOptions{NoExpandSubcommands: true}),
		kong.Resolvers(envResolver(vars, fromEnv)),
	}
	for _, w := range m.Workflows {
		c := newEndpointCommand(w)
		cmds[w.Endpoint] = c
		opts = append(opts, kong.DynamicCommand(w.Endpoint, endpointHelp(w), "Workflows:", c.target))
	}
	for _, t := range tools {
		flags := t.Flags
		if flags == nil {
			flags = &struct{}{}
		}
		opts = append(opts, kong.DynamicCommand(t.Name, t.Help, "Tools:", flags))
	}
	var grammar struct{}
	parser, err := kong.New(&grammar, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "%s: building the command line: %v\n", name, err)
		return ExitUsage
	}
	kctx, err := parse(parser, args)
	var ep exitPanic
	switch {
	case errors.As(err, &ep):
		return ep.code
	case err != nil:
		msg := err.Error()
		for flag, env := range fromEnv {
			if strings.HasPrefix(msg, "--"+flag+" ") || strings.HasPrefix(msg, "--"+flag+":") {
				msg += " (from $" + env + ")"
				break
			}
		}
		fmt.Fprintf(stderr, "%s: error: %s\n", name, msg)
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", helpCommand(name, args, m, tools))
		return ExitUsage
	}
	selected := kctx.Selected()
	if selected == nil {
		_ = kctx.PrintUsage(false)
		return ExitUsage
	}
	if c, ok := cmds[selected.Name]; ok {
		r := &runner{app: app, w: c.w, cmd: c, kctx: kctx, vars: vars, stdout: stdout, stderr: stderr}
		for _, t := range tools {
			if t.RenderSVG != nil {
				r.svg = t.RenderSVG
				break
			}
		}
		return r.run(ctx)
	}
	for _, t := range tools {
		if t.Name == selected.Name {
			env := &Env{App: app, Model: m, Stdout: stdout, Stderr: stderr,
				Getenv: func(k string) string { return vars[k] }, Tools: tools}
			for _, d := range tools {
				if d.DocsHandler != nil {
					env.Docs = func(ctx context.Context) (http.Handler, error) { return d.DocsHandler(ctx, env) }
					break
				}
			}
			return runTool(ctx, t, env)
		}
	}
	fmt.Fprintf(stderr, "%s: unknown command %q\n", name, selected.Name)
	return ExitUsage
}

// parse runs kong, turning its exit-after-help into an error value.
func parse(k *kong.Kong, args []string) (kctx *kong.Context, err error) {
	defer func() {
		if p := recover(); p != nil {
			ep, ok := p.(exitPanic)
			if !ok {
				panic(p)
			}
			kctx, err = nil, ep
		}
	}()
	return k.Parse(args)
}

func (e exitPanic) Error() string { return fmt.Sprintf("exit %d", e.code) }

func runTool(ctx context.Context, t Command, env *Env) int {
	if t.Run == nil {
		fmt.Fprintf(env.Stderr, "%s: command %s has nothing to run\n", env.App.AppName(), t.Name)
		return ExitUsage
	}
	if err := t.Run(ctx, env); err != nil {
		var ec exitCoder
		code := 1
		if errors.As(err, &ec) {
			code = ec.ExitCode()
		}
		fmt.Fprintf(env.Stderr, "%s %s: %v\n", env.App.AppName(), t.Name, err)
		return code
	}
	return 0
}

// helpCommand names the help to suggest after a usage error: the
// endpoint's or tool's own help when one was named.
func helpCommand(name string, args []string, m *introspect.Model, tools []Command) string {
	if len(args) > 0 && (m.Workflow(args[0]) != nil || hasTool(tools, args[0])) {
		return name + " " + args[0]
	}
	return name
}

func hasTool(tools []Command, name string) bool {
	return slices.ContainsFunc(tools, func(t Command) bool { return t.Name == name })
}

func endpoints(m *introspect.Model) []string {
	var out []string
	for _, w := range m.Workflows {
		out = append(out, w.Endpoint)
	}
	return out
}

func description(app App, m *introspect.Model) string {
	return fmt.Sprintf("Run and document %d workflow(s). With no command, FLUXLY_ENDPOINT=<endpoint> runs that endpoint from FLUXLY_* variables; otherwise the HTTP API is served. Exit status: the workflow's status code; 2 for usage errors; 84 for invalid input.", len(m.Workflows))
}

func parseEnv(env []string) map[string]string {
	vars := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	return vars
}

// envResolver fills the endpoint commands' own flags (--input-file,
// --result-file, --log-format, --progress) from FLUXLY_* variables, and tool
// flags from their env tags, reading the environment Main was given. Input
// fields have their own environment handling (see input.go).
// envResolver gives tool flags tagged env:"…" and the reserved flags their
// values from vars, noting in fromEnv which variable set which flag so a
// parse error can name it.
func envResolver(vars map[string]string, fromEnv map[string]string) kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		// Tool flags tagged env:"…" read the given environment, not the process's.
		for _, name := range flag.Tag.Envs {
			if v, ok := vars[name]; ok {
				fromEnv[flag.Name] = name
				return v, nil
			}
		}
		if !slices.Contains(ReservedFlags, flag.Name) || flag.Name == "help" {
			return nil, nil
		}
		env := "FLUXLY_" + strings.ToUpper(strings.ReplaceAll(flag.Name, "-", "_"))
		if v, ok := vars[env]; ok {
			fromEnv[flag.Name] = env
			return v, nil
		}
		return nil, nil
	})
}
