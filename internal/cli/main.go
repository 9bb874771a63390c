package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	goruntime "runtime"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/fluxly-go/fluxly/internal/command"
)

// exitPanic carries kong's exit status (after --help) out of Parse.
type exitPanic struct{ code int }

// Main runs the command line: args (without the program name) select an
// endpoint or a tool command; with no args, <prefix>ENDPOINT selects an
// endpoint run from environment variables alone, and otherwise the serve
// command (if present) starts the HTTP API. env is KEY=VALUE pairs. It
// returns the exit status.
func Main(ctx context.Context, app *command.App, tools []command.Command, args, env []string, stdout, stderr io.Writer) (code int) {
	vars := parseEnv(env)
	name := app.Name
	trigger := app.EnvPrefix + "ENDPOINT"
	if len(args) == 0 {
		switch ep := vars[trigger]; {
		case ep != "":
			if app.Endpoints.Get(ep) == nil {
				fmt.Fprintf(stderr, "%s: %s=%q is not an endpoint; endpoints: %s\n", name, trigger, ep, strings.Join(app.Endpoints.Names(), ", "))
				return command.ExitUsage
			}
			args = []string{ep}
		case hasTool(tools, "serve"):
			args = []string{"serve"}
		default:
			fmt.Fprintf(stderr, "%s: no command given and %s is not set.\n"+
				"This build has no HTTP API (the serve command is not wired in); run an endpoint instead.\n"+
				"Run '%s --help' for the endpoints and commands.\n", name, trigger, name)
			return command.ExitUsage
		}
	}

	cmds := make(map[string]*endpointCommand)
	fromEnv := map[string]string{} // flag name → the variable that gave its value
	opts := []kong.Option{
		kong.Name(name),
		kong.Description(description(app)),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitPanic{code}) }),
		kong.ConfigureHelp(kong.HelpOptions{NoExpandSubcommands: true}),
		kong.Resolvers(envResolver(app.EnvPrefix, vars, fromEnv)),
		kong.Vars{"version": versionText(app)},
	}
	for _, e := range app.Endpoints.All() {
		c := newEndpointCommand(e, app.EnvPrefix)
		cmds[e.Name()] = c
		opts = append(opts, kong.DynamicCommand(e.Name(), endpointHelp(e.Model()), "Workflows:", c.target))
	}
	for _, t := range tools {
		flags := t.Flags
		if flags == nil {
			flags = &struct{}{}
		}
		opts = append(opts, kong.DynamicCommand(t.Name, t.Help, "Tools:", flags))
	}
	var grammar struct {
		Version kong.VersionFlag `help:"Print the app's version and exit."`
	}
	parser, err := kong.New(&grammar, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "%s: building the command line: %v\n", name, err)
		return command.ExitUsage
	}
	if line, ok := vars["COMP_LINE"]; ok {
		// The shell asks for completions (see the completion command).
		return completeLine(app, parser, line, stdout, stderr)
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
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", helpCommand(name, args, app, tools))
		return command.ExitUsage
	}
	selected := kctx.Selected()
	if selected == nil {
		_ = kctx.PrintUsage(false)
		return command.ExitUsage
	}
	// A tool's subcommand (runs list) runs its tool (runs).
	var path []string
	for n := selected; n != nil && n.Type != kong.ApplicationNode; n = n.Parent {
		path = append([]string{n.Name}, path...)
	}
	top := path[0]
	cenv := &command.Env{App: app, Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return vars[k] }, Path: path}
	if c, ok := cmds[top]; ok {
		r := &runner{app: app, e: c.e, w: c.e.Model(), cmd: c, kctx: kctx, vars: vars, stdout: stdout, stderr: stderr}
		return r.run(ctx)
	}
	for _, t := range tools {
		if t.Name == top {
			return runTool(ctx, t, cenv)
		}
	}
	fmt.Fprintf(stderr, "%s: unknown command %q\n", name, selected.Name)
	return command.ExitUsage
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

func runTool(ctx context.Context, t command.Command, env *command.Env) int {
	if t.Run == nil {
		fmt.Fprintf(env.Stderr, "%s: command %s has nothing to run\n", env.App.Name, t.Name)
		return command.ExitUsage
	}
	if err := t.Run(ctx, env); err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintf(env.Stderr, "%s %s: %s\n", env.App.Name, t.Name, msg)
		}
		return command.ExitCode(err)
	}
	return 0
}

// helpCommand names the help to suggest after a usage error: the
// endpoint's or tool's own help when one was named.
func helpCommand(name string, args []string, app *command.App, tools []command.Command) string {
	if len(args) > 0 && (app.Endpoints.Get(args[0]) != nil || hasTool(tools, args[0])) {
		return name + " " + args[0]
	}
	return name
}

func hasTool(tools []command.Command, name string) bool {
	return slices.ContainsFunc(tools, func(t command.Command) bool { return t.Name == name })
}

func description(app *command.App) string {
	p := app.EnvPrefix
	return fmt.Sprintf("Run and document %d workflow(s). With no command, %sENDPOINT=<endpoint> runs that endpoint from environment variables; otherwise the HTTP API is served. "+
		"Exit status: the workflow's status code; 2 for usage errors; 84 for invalid input. "+
		"Reserved: command names %s; the app's own environment variables %s.",
		len(app.Endpoints.All()), p, strings.Join(reserved, ", "), strings.Join(ReservedEnv(p), ", "))
}

// versionText is what --version and the version command print.
func versionText(app *command.App) string {
	v := app.Version
	if v == "" {
		v = "(devel)"
	}
	return fmt.Sprintf("%s %s (fluxly, %s)", app.Name, v, goruntime.Version())
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

// envResolver gives tool flags tagged env:"FLUXLY_…" and the run
// commands' own flags their values from vars, under the app's prefix,
// noting in fromEnv which variable set which flag so a parse error can
// name it. Input fields have their own environment handling (input.go).
func envResolver(prefix string, vars map[string]string, fromEnv map[string]string) kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		for _, tag := range flag.Tag.Envs {
			name := prefix + strings.TrimPrefix(tag, "FLUXLY_")
			if v, ok := vars[name]; ok {
				fromEnv[flag.Name] = name
				return v, nil
			}
		}
		if !slices.Contains(runFlags, flag.Name) || flag.Name == "help" {
			return nil, nil
		}
		env := prefix + strings.ToUpper(strings.ReplaceAll(flag.Name, "-", "_"))
		if v, ok := vars[env]; ok {
			fromEnv[flag.Name] = env
			return v, nil
		}
		return nil, nil
	})
}
